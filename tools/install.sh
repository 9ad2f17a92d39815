#!/usr/bin/env bash
# Installs csd into PREFIX so that it needs neither this checkout, nor node_modules, nor a Deno
# cache, nor the network:
#
#   PREFIX/bin/csd                   the dispatcher (tools/dispatcher.sh, as bin/csd)
#   PREFIX/bin/csd-<sub>, csd-hook   the per-command executables and the hook program: the
#                                    compiled executables when `make compile` built them, else
#                                    sh wrappers running the bundled scripts on the Deno below
#   PREFIX/lib/csd/deno              the Deno runtime (bundled form only)
#   PREFIX/lib/csd/bundle/*.js       the bundled scripts (bundled form only)
#   PREFIX/lib/csd/tools/            this installer and the dispatcher's writer (bundled form
#                                    only), which `launch --target` runs on a target
#   PREFIX/lib/csd/pi/               the Pi extension, bundled (csd-pi-extension.js), linked
#                                    from PREFIX/bin where csd looks for it
#   PREFIX/share/csd/                the Claude Code plugin: .claude-plugin/ and skill/SKILL.md
#   PREFIX/lib/csd/install-manifest  every file and folder this install created, for uninstall
#
# Usage: tools/install.sh install <prefix> <repo root> <deno> <bundle dir> [<compile dir>]
#        tools/install.sh uninstall <prefix>
set -euo pipefail

MANIFEST_REL=lib/csd/install-manifest

die() { echo "error: $*" >&2; exit 1; }
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

check_prefix() {
  case "$1" in
    /*) ;;
    *) die "PREFIX must be an absolute path (the installed wrappers and shims embed it): \"$1\"" ;;
  esac
  [ "$1" != / ] || die "refusing PREFIX=/"
}

# --- uninstall -----------------------------------------------------------------------------

uninstall() { # <prefix>
  local prefix=${1%/} manifest kind rel
  check_prefix "$prefix"
  manifest="$prefix/$MANIFEST_REL"
  [ -f "$manifest" ] || die "nothing to uninstall: $manifest does not exist"
  local dirs=()
  # Entries: "f <path>" a file, "d <path>" a folder install created ("d ." the prefix itself).
  while IFS=' ' read -r kind rel; do
    case "$rel" in "" | /* | .. | ../* | */.. | */../*) die "bad manifest entry: \"$kind $rel\"" ;; esac
    case "$kind" in
      f) [ "$rel" = "$MANIFEST_REL" ] || rm -f "$prefix/$rel" ;;
      d) dirs+=("$rel") ;;
      *) die "bad manifest entry: \"$kind $rel\"" ;;
    esac
  done <"$manifest"
  rm -f "$manifest"
  # Folders in reverse creation order, and only while empty: anything the user added survives.
  local i dir
  for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
    dir=$prefix/${dirs[i]}
    if [ "${dirs[i]}" = . ]; then dir=$prefix; fi
    rmdir "$dir" 2>/dev/null || echo "csd uninstall: kept $dir (not empty)" >&2
  done
  echo "uninstalled csd from $prefix"
}

# --- install -------------------------------------------------------------------------------

PREFIX='' STAGE_MANIFEST=''

# Creates folder <rel> (and missing parents) under PREFIX, recording each one it created.
mkdir_recorded() { # <rel>
  local rel=$1 path parts part acc=''
  IFS=/ read -ra parts <<<"$rel"
  for part in "${parts[@]}"; do
    acc=${acc:+$acc/}$part
    path="$PREFIX/$acc"
    if [ ! -d "$path" ]; then
      mkdir "$path"
      echo "d $acc" >>"$STAGE_MANIFEST"
    fi
  done
}

# Writes stdin to PREFIX/<rel> with <mode>, atomically, and records it.
put() { # <rel> <mode>
  local rel=$1 mode=$2 dest="$PREFIX/$1"
  mkdir_recorded "$(dirname "$rel")"
  cat >"$dest.tmp.$$"
  chmod "$mode" "$dest.tmp.$$"
  mv -f "$dest.tmp.$$" "$dest"
  echo "f $rel" >>"$STAGE_MANIFEST"
}

wrapper() { # <name>: the sh wrapper running lib/csd/bundle/<name>.js on lib/csd/deno
  local name=$1
  cat <<SH
#!/bin/sh
# $name: installed by \`make install\` (bundled form): runs the bundled script on the Deno shipped
# in this tree. CSD_BIN_DIR makes shims and the hook settings point at this tree's executables.
CSD_BIN_DIR=$(q "$PREFIX/bin"); export CSD_BIN_DIR
DENO_NO_UPDATE_CHECK=1; export DENO_NO_UPDATE_CHECK
exec $(q "$PREFIX/lib/csd/deno") run --quiet --no-prompt --no-config --no-lock --no-npm --no-remote --cached-only -A $(q "$PREFIX/lib/csd/bundle/$name.js") "\$@"
SH
}

install() { # <prefix> <root> <deno> <bundle dir> [<compile dir>]
  local root=$2 deno=$3 bundles=$4 compiled=${5-} form=bundled name rel file
  PREFIX=${1%/}
  check_prefix "$PREFIX"
  [ -f "$bundles/.stamp" ] || die "no bundles in $bundles: run \`make bundle\`"
  if [ -n "$compiled" ] && [ -f "$compiled/.stamp" ] && [ "$compiled/.stamp" -nt "$bundles/.stamp" ]; then
    form=compiled
  fi
  # A reinstall replaces the previous one whole, so the manifest stays exact.
  if [ -f "$PREFIX/$MANIFEST_REL" ]; then uninstall "$PREFIX" >/dev/null; fi

  local created_prefix=0
  if [ ! -d "$PREFIX" ]; then
    mkdir -p "$PREFIX"
    created_prefix=1
  fi
  STAGE_MANIFEST=$(mktemp)
  trap 'rm -f "$STAGE_MANIFEST"' EXIT

  local names=()
  for file in "$bundles"/csd-*.js; do
    name=$(basename "$file" .js)
    names+=("$name")
  done
  for name in "${names[@]}"; do
    if [ "$form" = compiled ]; then
      [ -x "$compiled/$name" ] || die "$compiled/$name is missing: run \`make compile\` again"
      put "bin/$name" 755 <"$compiled/$name"
    else
      put "lib/csd/bundle/$name.js" 644 <"$bundles/$name.js"
      wrapper "$name" | put "bin/$name" 755
    fi
  done
  if [ "$form" = bundled ]; then
    put lib/csd/deno 755 <"$(readlink -f "$deno")"
    # What `launch --target` ships to a target from this tree (lib/remote/forward.ts).
    put lib/csd/tools/install.sh 644 <"$root/tools/install.sh"
    put lib/csd/tools/dispatcher.sh 644 <"$root/tools/dispatcher.sh"
    put lib/csd/tools/subcommands.sh 644 <"$root/tools/subcommands.sh"
  fi
  local tmp
  tmp=$(mktemp)
  bash "$root/tools/dispatcher.sh" "$tmp" "$PREFIX/bin"
  put bin/csd 755 <"$tmp"
  rm -f "$tmp"

  # The Pi extension (bundled: pi loads it with Node, so the shared schema and zod are inlined)
  # lives in lib/csd/pi/; csd finds it next to its executables (piExtension() in lib/paths.ts).
  mkdir_recorded lib/csd/pi
  if [ -f "$bundles/pi/csd-pi-extension.js" ]; then
    put lib/csd/pi/csd-pi-extension.js 644 <"$bundles/pi/csd-pi-extension.js"
    ln -sfn ../lib/csd/pi/csd-pi-extension.js "$PREFIX/bin/csd-pi-extension.js"
    echo "f bin/csd-pi-extension.js" >>"$STAGE_MANIFEST"
  fi

  # The plugin (skill only; see README "Claude Code plugin"), usable from the installed tree.
  for rel in .claude-plugin/plugin.json .claude-plugin/marketplace.json skill/SKILL.md; do
    put "share/csd/$rel" 644 <"$root/$rel"
  done

  # The JSON Schemas of the --json outputs (generated by tools/gen_output_schemas.ts).
  for file in "$root"/schema/*.json; do
    put "share/csd/schema/$(basename "$file")" 644 <"$file"
  done

  # The manifest lists itself, and the prefix when this install created it.
  mkdir_recorded lib/csd
  echo "f $MANIFEST_REL" >>"$STAGE_MANIFEST"
  { if [ "$created_prefix" = 1 ]; then echo "d ."; fi; cat "$STAGE_MANIFEST"; } \
    >"$PREFIX/$MANIFEST_REL"
  echo "installed csd ($form form, ${#names[@]} executables) into $PREFIX"
}

case "${1-}" in
  install) shift; [ $# -ge 4 ] || die "usage: tools/install.sh install <prefix> <root> <deno> <bundle dir> [<compile dir>]"; install "$@" ;;
  uninstall) shift; [ $# -eq 1 ] || die "usage: tools/install.sh uninstall <prefix>"; uninstall "$1" ;;
  *) die "usage: tools/install.sh install|uninstall <prefix> ..." ;;
esac
