#!/usr/bin/env bash
# Builds one standalone executable per subcommand (csd-<sub>) and one for the hook program
# (csd-hook) with `deno compile`, from the bundled scripts (so each embeds one small file, not
# node_modules). deno compile appends the program to `denort`, the Deno runtime without the CLI,
# which it otherwise downloads from the Deno release server: set DENORT_BIN to a local denort
# matching this Deno's version.
# Usage: DENORT_BIN=<denort> tools/compile.sh <deno> <bundle dir> <output dir> <subcommand>...
set -euo pipefail
deno=$1 bundles=$2 out=$3
shift 3
version=$("$deno" --version | head -1 | cut -d' ' -f2)

fail() { echo "error: make compile: $*" >&2; exit 1; }
if [ -z "${DENORT_BIN-}" ]; then
  fail "DENORT_BIN is not set. deno compile needs denort (the Deno $version runtime without the
CLI) and would download it from the Deno release server, which this machine cannot reach.
Get denort-<target>.zip of Deno v$version elsewhere, unzip it, and run
  make compile DENORT_BIN=/path/to/denort
(the npm package 'deno' ships only the full CLI, which cannot stand in for denort).
Without it, \`make bundle\` builds self-contained scripts and \`make install\` installs those."
fi
[ -f "$DENORT_BIN" ] && [ -x "$DENORT_BIN" ] || fail "DENORT_BIN=$DENORT_BIN is not an executable file"

stage="$out.tmp.$$"
rm -rf "$stage"
mkdir -p "$stage"
trap 'rm -rf "$stage"' EXIT
compile_one() { # <name>
  DENORT_BIN="$DENORT_BIN" "$deno" compile --quiet --no-config --no-lock --no-npm --no-remote \
    --no-check -A -o "$stage/$1" "$bundles/$1.js" ||
    fail "deno compile failed for $1 (is DENORT_BIN=$DENORT_BIN the denort of Deno $version?)"
}

# csd-help first: a wrong DENORT_BIN (say the full deno CLI) yields executables that ignore the
# embedded program and behave like `deno`. Catch that before building the rest.
compile_one csd-help
probe=$(timeout 20 "$stage/csd-help" </dev/null 2>&1 | head -1 || true)
case "$probe" in
  csd*) ;;
  *) fail "DENORT_BIN=$DENORT_BIN is not a denort: the compiled csd-help printed \"$probe\"" ;;
esac
names=(csd-help)
for sub in "$@"; do
  if [ "$sub" != help ]; then
    compile_one "csd-$sub"
    names+=("csd-$sub")
  fi
done
compile_one csd-hook
names+=(csd-hook)

touch "$stage/.stamp"
rm -rf "$out"
mv "$stage" "$out"
trap - EXIT
echo "$out: ${#names[@]} compiled executables ($(du -sh "$out" | cut -f1))"
