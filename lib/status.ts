/**
 * A worker's status, derived from its events and its tmux pane — never from the screen.
 *   idle        the last turn ended (or the session just started) and the harness runs
 *   working     a prompt was submitted and no turn end followed yet
 *   terminated  the harness ended (session_end, or its process exited) but the pane remains
 *   gone        the tmux pane no longer exists
 *   unknown     the pane runs but the harness has reported nothing yet
 */
import { fileSize, readTailEvents } from "./jsonl.ts";
import type { EventLine } from "./schema.ts";
import type { PaneInfo } from "./tmux.ts";
import type { Worker } from "./worker.ts";
import { reconcileEvents } from "./reconcile.ts";

export type WorkerStatus = "idle" | "working" | "terminated" | "gone" | "unknown";
export const STATUSES: readonly WorkerStatus[] = [
  "idle",
  "working",
  "terminated",
  "gone",
  "unknown",
];

/**
 * The status the events alone imply, or undefined when they hold no event at all. The last
 * turn event decides; session_start only counts when nothing else happened since launch, because
 * Claude also fires it mid-turn (compaction) and Codex only at the first prompt.
 */
export function statusFromEvents(events: EventLine[]): WorkerStatus | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    switch (events[i]!.event) {
      case "session_end":
        return "terminated";
      case "stop":
      case "stop_failure":
        return "idle";
      case "user_prompt_submit":
      case "pre_tool_use":
      case "post_tool_use":
      case "subagent_start":
      case "subagent_stop":
      case "pre_compact":
        return "working";
      case "session_start":
      case "notification":
        continue;
    }
  }
  return events.length > 0 ? "idle" : undefined;
}

/**
 * The worker's status. Pass `pane` when the caller already listed panes (list makes one tmux
 * call for all workers); otherwise the pane is queried.
 */
export async function workerStatus(
  worker: Worker,
  pane?: PaneInfo | null,
): Promise<WorkerStatus> {
  const info = pane === undefined ? await worker.tmux.pane(worker.meta.tmux_pane_id) : pane;
  if (!info) return "gone";
  if (info.dead || fileSize(worker.paths.exitStatus) > 0) return "terminated";
  reconcileEvents(worker);
  const fromEvents = statusFromEvents(readTailEvents(worker.paths.events));
  if (fromEvents) return fromEvents;
  // No event yet. Launch returns only once the harness is ready (Codex reports its first event
  // at the first prompt), so a registered worker with a live pane is waiting for input.
  return worker.meta.ready ? "idle" : "unknown";
}
