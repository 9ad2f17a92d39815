/** `<shim> usage [--json]`: the worker's token usage, per turn and in total. */
import { out, runMain } from "../lib/cli/main.ts";
import { CsdError } from "../lib/cli/errors.ts";
import { workerUsage } from "../lib/turn/read.ts";
import type { TokenUsage, UsageReport } from "../lib/turn/usage.ts";
import { loadWorker } from "../lib/worker/worker.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/cli/worker_args.ts";

export const HELP = `usage — print the worker's token usage, per turn and in total

USAGE:
  <shim> usage [--json]

Reads the harness's own transcript (Claude's message usage, Codex's token-count events, Pi's
message usage): input (uncached), output, cache-read and cache-write tokens, and the cost where
the harness records one (Pi, from the rates in its models.json; "-" otherwise). csd keeps no
price table.

OPTIONS:
  --json      one JSON document: {worker, harness, transcript_path, turns[], total}
  -h, --help  show this help

EXIT CODES: 0 printed, 1 no such worker or no transcript yet, 2 usage error.`;

const COLUMNS = ["turn", "input", "output", "cache_read", "cache_write", "cost_usd"] as const;

/** The text table: a header, one row per turn, a total row; tab-separated. */
export function renderUsage(report: UsageReport): string {
  const row = (label: string, u: TokenUsage) =>
    [label, u.input, u.output, u.cache_read, u.cache_write, u.cost_usd ?? "-"].join("\t");
  return [
    COLUMNS.join("\t"),
    ...report.turns.map((t) => row(String(t.turn), t)),
    row("total", report.total),
  ].join("\n") + "\n";
}

export async function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, { json: { type: "boolean" } }, HELP);
  if (!command) return 0;
  maxPositionals(command.parsed, 0);
  const worker = loadWorker(command.name);
  const report = await workerUsage(worker);
  if (report === null) throw new CsdError("No transcript yet: the worker has had no prompt");
  if (command.parsed.values.json === true) {
    out(`${JSON.stringify({ worker: worker.meta.name, ...report })}\n`);
  } else {
    out(renderUsage(report));
  }
  return 0;
}

if (import.meta.main) await runMain(main, HELP);
