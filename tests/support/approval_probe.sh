#!/bin/sh
# A scriptable PreToolUse hook for the approval experiments (tests/approval_probe_real_test.ts):
# logs each payload, then answers with whatever the test put in its control dir ($1): `sleep`
# (seconds to wait first), `stderr`, `stdout` (the hook's answer) and `exit` (its exit code).
dir="$1"
date +%s%3N > "$dir/started"
payload=$(cat)
printf '%s\n' "$payload" >> "$dir/payloads.jsonl"
if [ -f "$dir/sleep" ]; then sleep "$(cat "$dir/sleep")"; fi
if [ -f "$dir/stderr" ]; then cat "$dir/stderr" >&2; fi
if [ -f "$dir/stdout" ]; then cat "$dir/stdout"; fi
printf 'done\n' >> "$dir/finished"
exit "$(cat "$dir/exit" 2>/dev/null || echo 0)"
