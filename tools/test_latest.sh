#!/usr/bin/env bash
# `make test-latest`: the alarm to run before upgrading a harness. Resolves the newest release of
# each harness in the registry, installs them into their own prefix (never the tested sets), runs
# each harness's real suite against them and prints a table: harness, version, passed, failed.
# Exits 1 when a suite fails or a release cannot be resolved.
# Usage: tools/test_latest.sh <deno> <prefix> <node22>
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: tools/test_latest.sh <deno> <prefix> <node22>" >&2; exit 2; }
deno=$1 prefix=$2 node22=$3
cd "$(dirname "$0")/.."
harnesses=(claude codex pi)
declare -A package=([claude]=@anthropic-ai/claude-code [codex]=@openai/codex [pi]=@earendil-works/pi-coding-agent)
# Pi >= 1 needs Node >= 22 to install and run; the project's own copy goes first.
export PATH="$(dirname "$node22"):$PATH"

declare -A version
specs=()
for h in "${harnesses[@]}"; do
  v=$(npm view "${package[$h]}" version 2>/dev/null) || { echo "error: cannot resolve the newest ${package[$h]}" >&2; exit 1; }
  version[$h]=$v
  specs+=("${package[$h]}@$v")
done
bash tools/install_harnesses.sh "$prefix" "${specs[@]}"

# Kept for the operator: the failing tests' output.
logs=$prefix/logs
mkdir -p "$logs"
status=0
rows=()
for h in "${harnesses[@]}"; do
  log="$logs/$h.log"
  CSD_TEST_HARNESS_SET=latest NO_COLOR=1 "$deno" test -A --no-check "tests/real_${h}_test.ts" >"$log" 2>&1 || status=1
  summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -1)
  passed=$(sed -n 's/.*| \([0-9]*\) passed.*/\1/p' <<<"$summary")
  failed=$(sed -n 's/.*| \([0-9]*\) failed.*/\1/p' <<<"$summary")
  if [ -z "$summary" ]; then
    passed=0 failed=? status=1
    tail -20 "$log" >&2
  elif [ "$failed" != 0 ]; then
    # The failing tests' names, for the operator's first look.
    grep -E '^.+ => \./tests/' "$log" | sort -u | sed "s/^/$h: FAILED /" >&2 || true
    echo "$h: the suite's output is in $log" >&2
  fi
  rows+=("$h" "${version[$h]}" "${passed:-0}" "${failed:-?}")
done
printf '%-8s %-12s %7s %7s\n' harness version passed failed
printf '%-8s %-12s %7s %7s\n' "${rows[@]}"
exit $status
