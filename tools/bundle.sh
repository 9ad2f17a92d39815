#!/usr/bin/env bash
# Builds one self-contained script per subcommand (csd-<sub>.js), one for the hook program
# (csd-hook.js) and the Pi extension (pi/csd-pi-extension.js) with `deno bundle`: every import,
# npm packages included, inlined into one file, so it runs on the Deno it was built with (the
# install ships that one) with no node_modules, no Deno cache and no network. `deno bundle`
# itself needs esbuild, which it fetches from the npm registry once (then it works offline).
# Usage: tools/bundle.sh <deno> <repo root> <output dir> <subcommand>...
set -euo pipefail
deno=$1 root=$2 out=$3
shift 3
cd "$root"
stage="$out.tmp.$$"
rm -rf "$stage"
mkdir -p "$stage"
trap 'rm -rf "$stage"' EXIT

entries=()
for sub in "$@"; do entries+=("commands/$sub.ts"); done
entries+=(hooks/event_hook.ts)
# The Pi extension runs inside pi (Node): one file with the shared schema and zod inlined.
pi_entry=pi/csd_extension.ts
if [ -f "$pi_entry" ]; then entries+=("$pi_entry"); fi
"$deno" bundle --quiet --platform deno --config "$root/deno.json" --outdir "$stage/raw" "${entries[@]}"

version=$("$deno" --version | head -1)
emit() { # <raw bundle> <name> <module>
  local raw=$1 name=$2 module=$3
  [ -s "$raw" ] || { echo "error: deno bundle wrote no $raw" >&2; exit 1; }
  # Everything must be inlined: a bare npm:/jsr:/https: import would need a cache or the network.
  if grep -nE '(from|import)\(? *"(npm|jsr|https?|file):' "$raw" >&2; then
    echo "error: $name still imports a package at run time (see above)" >&2
    exit 1
  fi
  # In one bundled file import.meta.main is true for every inlined module, so a command module
  # imported by another (adopt once imported launch's panel) would run its own main first. Keep
  # the guard only in the entry module (esbuild heads each module with a `// <path>` line).
  {
    echo "// $name: $module bundled by \`make bundle\` ($version). Generated; do not edit."
    awk -v entry="$module" '
      /^\/\/ [A-Za-z0-9_.\/-]+\.ts$/ { current = substr($0, 4) }
      /import\.meta\.main/ && current != entry {
        gsub(/import\.meta\.main/, "false /* bundled: not the entry module */")
      }
      { print }' "$raw"
  } >"$stage/$name.js"
  if [ "$(grep -c 'import\.meta\.main' "$stage/$name.js")" != 1 ]; then
    echo "error: $name: expected the entry's import.meta.main guard alone" >&2
    exit 1
  fi
}
for sub in "$@"; do emit "$stage/raw/commands/$sub.js" "csd-$sub" "commands/$sub.ts"; done
emit "$stage/raw/hooks/event_hook.js" csd-hook hooks/event_hook.ts
if [ -f "$pi_entry" ]; then
  mkdir -p "$stage/pi"
  mv "$stage/raw/pi/csd_extension.js" "$stage/pi/csd-pi-extension.js"
  if grep -nE '(from|import)\(? *"(npm|jsr|https?|file):' "$stage/pi/csd-pi-extension.js" >&2; then
    echo "error: the Pi extension still imports a package at run time (see above)" >&2
    exit 1
  fi
fi
rm -rf "$stage/raw"

# Proof of self-containment: run one that loads zod with an empty Deno cache, no config, no npm
# and no network.
probe=$(mktemp -d)
if ! DENO_DIR="$probe" "$deno" run --quiet --no-prompt --no-config --no-lock --no-npm --no-remote \
  --cached-only -A "$stage/csd-status.js" --help >/dev/null; then
  rm -rf "$probe"
  echo "error: the bundled csd-status (zod inlined) does not run on its own" >&2
  exit 1
fi
rm -rf "$probe"

touch "$stage/.stamp"
rm -rf "$out"
mv "$stage" "$out"
trap - EXIT
echo "$out: $(($# + 1)) bundled scripts ($(du -sh "$out" | cut -f1))"
