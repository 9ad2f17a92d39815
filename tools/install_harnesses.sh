#!/usr/bin/env bash
# Installs harness packages into one npm prefix, only when one of them is missing or at another
# version than asked (so `make harnesses` is cheap and never touches a set that is in place).
# Usage: tools/install_harnesses.sh <prefix> <package@version>...
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: tools/install_harnesses.sh <prefix> <package@version>..." >&2; exit 2; }
prefix=$1
shift

installed_version() { # <prefix> <package>: the version in its package.json, or nothing
  sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$1/node_modules/$2/package.json" 2>/dev/null | head -1
}

stale=0
for spec in "$@"; do
  package=${spec%@*}
  version=${spec##*@}
  [ "$(installed_version "$prefix" "$package")" = "$version" ] || stale=1
done
[ "$stale" = 1 ] || exit 0

mkdir -p "$prefix"
(cd "$prefix" && npm install --no-audit --no-fund --loglevel=error --prefix . "$@")
for spec in "$@"; do
  package=${spec%@*}
  echo "$package $(installed_version "$prefix" "$package")"
done
