/** `<shim> status`: idle | working | terminated | gone | unknown. */
import { out, runMain } from "../lib/cli/main.ts";
import { pendingRequests } from "../lib/approval/store.ts";
import type { StatusOutput } from "../lib/cli/output_schema.ts";
import { approvalPaths } from "../lib/paths.ts";
import { workerEvents } from "../lib/events/query.ts";
import type { EventLine } from "../lib/schema.ts";
import type { WorkerStatus } from "../lib/events/query.ts";
import { workerStatus } from "../lib/worker/status.ts";
import type { Worker } from "../lib/worker/handle.ts";
import { loadWorker } from "../lib/worker/worker.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/cli/worker_args.ts";

export const HELP = `status — print the worker's status

USAGE:
  <shim> status [--json]

Prints one word, derived from the worker's events and its tmux pane:
  idle        ready for a prompt (the last turn ended, or the session just started)
  working     a prompt was submitted and its turn has not ended
  terminated  the harness exited (its pane remains until stop or prune)
  gone        the tmux session no longer exists
  unknown     the pane runs but the harness has reported nothing yet

OPTIONS:
  --json      one JSON document: {status, since (when the event that put the worker in this
              status was written, or null), last_event (its last event line, or null),
              waiting_decisions[{id, kind, tool, tool_input, tool_use_id, since}]}
  -h, --help  show this help

EXIT CODES: 0 printed, 1 no such worker, 2 usage error.`;

export async function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, { json: { type: "boolean" } }, HELP);
  if (!command) return 0;
  maxPositionals(command.parsed, 0);
  const worker = loadWorker(command.name);
  const status = await workerStatus(worker);
  if (command.parsed.values.json === true) {
    out(`${JSON.stringify(statusOutput(worker, status))}\n`);
  } else out(`${status}\n`);
  return 0;
}

/** The events that put a worker in each status: `since` is the last one's time. */
const ENTERED_BY: Partial<Record<WorkerStatus, ReadonlySet<EventLine["event"]>>> = {
  working: new Set(["user_prompt_submit"]),
  idle: new Set(["stop", "stop_failure", "session_start"]),
  terminated: new Set(["session_end"]),
};

/** `status --json` (lib/cli/output_schema.ts StatusOutput). */
function statusOutput(worker: Worker, status: WorkerStatus): StatusOutput {
  const events = workerEvents(worker);
  const entering = ENTERED_BY[status];
  const since = entering ? events.findLast((e) => entering.has(e.event))?.ts ?? null : null;
  const waiting = pendingRequests(approvalPaths(worker.meta.name)).map((r) => ({
    id: r.id,
    kind: r.kind,
    tool: r.tool,
    tool_input: r.tool_input,
    tool_use_id: r.tool_use_id ?? null,
    since: r.created_at,
  }));
  return { status, since, last_event: events.at(-1) ?? null, waiting_decisions: waiting };
}

if (import.meta.main) await runMain(main, HELP);
