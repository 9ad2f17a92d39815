#!/usr/bin/env bash
# `make test-installed`: installs csd into a temp PREFIX (as `make install` does) and runs the
# real-harness suites, the CLI lifecycle suite, the hook suite and the skill examples against
# PREFIX/bin (CSD_TEST_BIN), with the checkout's bin/, build/ and Deno cache hidden behind empty
# mounts in a private mount namespace, so any hidden dependency of the installed tree on the
# source tree fails the run. The test runner itself gets a copy of the Deno cache for its own
# imports. Then uninstalls and checks that nothing is left.
# Usage: tools/test_installed.sh <deno> <repo root> <bundle dir> <compile dir>
set -euo pipefail
deno=$1 root=$2 bundles=$3 compiled=$4
cd "$root"
# Every real-harness suite (claude, codex, pi), the CLI lifecycle, the hook, the skill examples.
suites=(tests/real_*_test.ts tests/remote_ssh_test.ts tests/cli_lifecycle_test.ts tests/hook_test.ts tests/skill_test.ts)

work=$(mktemp -d /tmp/csd-installed.XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
bash "$root/tools/install.sh" install "$prefix" "$root" "$deno" "$bundles" "$compiled"

# The installed tree must not name the checkout anywhere (text files; compiled executables may
# embed build paths in their metadata, which nothing reads).
if leaks=$(grep -rIl -- "$root" "$prefix"); then
  echo "error: the installed tree refers to the checkout $root:" >&2
  echo "$leaks" >&2
  exit 1
fi

runner_cache=$work/runner-deno-dir
cp -a "${DENO_DIR:?DENO_DIR must be set (make exports it)}" "$runner_cache"
hidden=()
for dir in "$root/bin" "$root/build" "$DENO_DIR"; do
  if [ -d "$dir" ]; then hidden+=("$dir"); fi
done

cmd=(env DENO_DIR="$runner_cache" CSD_TEST_BIN="$prefix/bin" "$deno" test -A --no-check "${suites[@]}")
# shellcheck disable=SC2016 # expanded by the inner shell
inner='while [ "$1" != -- ]; do mount -t tmpfs -o size=1m,mode=0555 csd-hidden "$1"; shift; done
shift
exec "$@"'
status=0
if unshare -m --propagation private true 2>/dev/null; then
  echo "test-installed: CSD_TEST_BIN=$prefix/bin; hidden: ${hidden[*]}"
  unshare -m --propagation private bash -c "$inner" _ "${hidden[@]}" -- "${cmd[@]}" || status=$?
else
  echo "test-installed: unshare is not permitted here, so the checkout stays visible; the" \
    "suites still run against CSD_TEST_BIN=$prefix/bin with the checkout's cache unnamed" >&2
  "${cmd[@]}" || status=$?
fi

bash "$root/tools/install.sh" uninstall "$prefix"
if [ -e "$prefix" ]; then
  echo "error: uninstall left files behind:" >&2
  find "$prefix" >&2
  exit 1
fi
exit "$status"
