/**
 * Real-harness timings through csd (`make bench-turns`): for the real claude, codex and pi
 * against the mock model, the wall time of `csd launch`, of a plain `converse`, of a tool
 * `converse`, and the turn-end detection latency — from the moment the stop event was written
 * (its `ts`) to `wait-for-turn` returning. Prints a table of medians (min–max) for the harness
 * set CSD_TEST_HARNESS_SET picks (`make bench-turns` runs it for the oldest and the current set).
 */
import { packageOf } from "../lib/harness/binary.ts";
import { TESTED } from "../lib/harness/tested.ts";
import { HARNESS_SET } from "../kit/harness_set.ts";
import { CLAUDE_BIN, realWorld } from "../kit/real_claude.ts";
import { CODEX_BIN, withCodex } from "../kit/real_codex.ts";
import { PI_BIN, withPi } from "../kit/real_pi.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 10);
const HARNESSES = ["claude", "codex", "pi"] as const;

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `${median.toFixed(0)} ms (${sorted[0]!.toFixed(0)}–${sorted.at(-1)!.toFixed(0)})`;
}

const world = withPi(withCodex(
  await realWorld([
    {
      match: "tool turn",
      replies: [
        { kind: "tool", name: "Bash", input: { command: "echo bench > bench.txt" } },
        { kind: "text", text: "tool done" },
      ],
    },
  ]),
));
const { env } = world;
const BINARIES = { claude: CLAUDE_BIN, codex: CODEX_BIN, pi: PI_BIN };
const rows: string[][] = [[
  `harness (${HARNESS_SET} set)`,
  "launch",
  "plain turn",
  "tool turn",
  "turn-end detection",
]];
try {
  for (const harness of HARNESSES) {
    const launches: number[] = [];
    const plain: number[] = [];
    const tool: number[] = [];
    const detection: number[] = [];
    for (let round = 0; round < 3; round++) {
      const name = `bench-${harness}-${round}`;
      let started = performance.now();
      const launch = await env.csd(["launch", "--harness", harness, name, env.project]);
      if (launch.code !== 0) throw new Error(launch.stderr);
      launches.push(performance.now() - started);
      for (let i = 0; i < Math.ceil(RUNS / 3); i++) {
        started = performance.now();
        const run = await env.shim(name, ["converse", `plain turn ${i}`, "60"]);
        if (run.code !== 0) throw new Error(run.stderr);
        plain.push(performance.now() - started);
        started = performance.now();
        const toolRun = await env.shim(name, ["converse", `tool turn ${i}`, "60"]);
        if (toolRun.code !== 0) throw new Error(toolRun.stderr);
        tool.push(performance.now() - started);
        // A waiter already blocked when the stop event is written.
        const waiter = new Deno.Command(`${env.workerDir}/bin/${name}`, {
          args: ["wait-for-turn", "60"],
          env: env.environment(),
          clearEnv: true,
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        await new Promise((resolve) => setTimeout(resolve, 400));
        const send = await env.shim(name, ["send", `detect ${i}`]);
        if (send.code !== 0) throw new Error(send.stderr);
        const output = await waiter.output();
        const returnedAt = Date.now();
        const stop = JSON.parse(new TextDecoder().decode(output.stdout));
        detection.push(returnedAt - Date.parse(stop.ts));
      }
      await env.shim(name, ["stop"]);
    }
    const version = packageOf(BINARIES[harness], TESTED[harness].packages)?.version ?? "?";
    rows.push([
      `${harness} ${version}`,
      summary(launches),
      summary(plain),
      summary(tool),
      summary(detection),
    ]);
  }
} finally {
  await world.dispose();
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
const table = rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd());
Deno.stdout.writeSync(new TextEncoder().encode(table.join("\n") + "\n"));
