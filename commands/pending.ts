/** `<shim> pending`: the worker's tool calls and questions waiting for a decision. */
import { out, runMain } from "../lib/cli/main.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/cli/worker_args.ts";
import { pendingView, workerApprovals } from "../lib/approval/controller.ts";
import { pendingRequests } from "../lib/approval/store.ts";

export const HELP = `pending — list the calls waiting for a decision

USAGE:
  <shim> pending

Prints one JSON line per waiting item, oldest first: {id, kind ("tool" or "question"),
harness, tool, tool_kind, tool_input, tool_use_id, questions, created_at, deadline}. Decide
with approve / deny (tool calls) or answer (questions). Nothing printed: nothing waits.

OPTIONS:
  -h, --help  show this help

EXIT CODES: 0 listed (possibly nothing), 1 no such worker.`;

export function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, {}, HELP);
  if (!command) return Promise.resolve(0);
  maxPositionals(command.parsed, 0);
  const { paths } = workerApprovals(command.name);
  out(pendingRequests(paths).map((r) => JSON.stringify(pendingView(r)) + "\n").join(""));
  return Promise.resolve(0);
}

if (import.meta.main) await runMain(main, HELP);
