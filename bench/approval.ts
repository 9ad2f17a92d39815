/**
 * `make bench` (approval): what the tool-approval gate adds to a tool call that a policy allows.
 *
 * 1. In process, per call: gatePreToolUse on a worker with no policy (the ungated path: one
 *    failed read of the policy copy) vs with a policy whose rule allows the call (read and
 *    compile the copy, decide, append the approval_decision line). Median and p95 of many calls.
 * 2. A whole hook process (bin/csd-hook, the bundled hook workers run), median wall time over
 *    interleaved runs: a PostToolUse (no gate path at all), a PreToolUse on an ungated worker
 *    (one stat of the absent policy copy; the gate module is never loaded) and on a gated
 *    worker whose policy allows the call (the gate module loaded lazily, policy read, decision
 *    appended).
 *
 * Usage: `make bench` (or make bin, then deno run -A bench/approval.ts); BENCH_RUNS=<n> process
 * runs, default 40, at least 30.
 */
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { gatePreToolUse } from "../lib/approval/hook.ts";
import { compilePolicy } from "../lib/approval/policy_file.ts";
import { installPolicy } from "../lib/approval/policy_file.ts";
import { approvalPaths } from "../lib/paths.ts";

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const RUNS = Math.max(30, Number(Deno.env.get("BENCH_RUNS") ?? 40));
const CALLS = 2000;
const encoder = new TextEncoder();

function print(text = ""): void {
  Deno.stdout.writeSync(encoder.encode(`${text}\n`));
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const POLICY = compilePolicy({
  rules: [
    { tool: "shell", match: "/rm\\s+-rf/", decision: "deny" },
    { tool: "read", decision: "allow" },
    { tool: "shell", match: "git *", decision: "allow" },
  ],
}, "bench").policy;
const PAYLOAD = {
  hook_event_name: "PreToolUse",
  session_id: "bench",
  tool_name: "Bash",
  tool_input: { command: "git status --short" },
  tool_use_id: "toolu_bench",
};

const root = Deno.makeTempDirSync({ prefix: "csd-bench-approval-" });
try {
  const ungated = `${root}/u1.events.jsonl`;
  const gated = `${root}/g1.events.jsonl`;
  installPolicy(approvalPaths("g1", root), POLICY, 30);

  print("Approval gate on a policy-allowed call (in process, µs per call)");
  for (const [label, file] of [["ungated (no policy)", ungated], ["policy allows", gated]]) {
    const times: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const start = performance.now();
      const answer = await gatePreToolUse("claude", PAYLOAD, file!);
      times.push((performance.now() - start) * 1000);
      if (label === "policy allows" && answer?.stdout !== "") throw new Error("not allowed");
    }
    print(
      `  ${label!.padEnd(22)} median ${quantile(times, 0.5).toFixed(0).padStart(5)} µs` +
        `   p95 ${quantile(times, 0.95).toFixed(0).padStart(5)} µs`,
    );
  }

  print(`\nHook process on PreToolUse (median of ${RUNS} interleaved runs, ms)`);
  const post = { ...PAYLOAD, hook_event_name: "PostToolUse", tool_response: {} };
  const forms: [string, string, unknown][] = [
    ["no gate (PostToolUse)", ungated, post],
    ["ungated (no policy)", ungated, PAYLOAD],
    ["policy allows", gated, PAYLOAD],
  ];
  const results = new Map<string, number[]>(forms.map(([label]) => [label, []]));
  for (let run = 0; run < RUNS + 3; run++) {
    for (const [label, file, payload] of forms) {
      const start = performance.now();
      const child = new Deno.Command(`${REPO}/bin/csd-hook`, {
        args: ["claude"],
        env: { CSD_EVENTS_FILE: file },
        stdin: "piped",
        stdout: "null",
        stderr: "inherit",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(encoder.encode(JSON.stringify(payload)));
      await writer.close();
      const status = await child.status;
      if (!status.success) throw new Error(`${label}: hook exited ${status.code}`);
      if (run >= 3) results.get(label)!.push(performance.now() - start);
    }
  }
  const base = quantile(results.get(forms[0]![0])!, 0.5);
  for (const [label] of forms) {
    const median = quantile(results.get(label)!, 0.5);
    const d = median - base;
    const delta = label === forms[0]![0] ? "" : `   (${d >= 0 ? "+" : ""}${d.toFixed(1)} ms)`;
    print(`  ${label.padEnd(22)} ${median.toFixed(1).padStart(6)} ms${delta}`);
  }
} finally {
  Deno.removeSync(root, { recursive: true });
}
