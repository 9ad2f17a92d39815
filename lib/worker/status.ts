/**
 * A worker's status, derived from its events and its tmux pane (plus, for a turn Claude lost to
 * an Escape — which fires no hook — its screen).
 *   idle        the last turn ended (or the session just started) and the harness runs
 *   working     a prompt was submitted and no turn end followed yet
 *   blocked     a tool call or a question waits for a decision (pending; approve, deny, answer)
 *   terminated  the harness ended (session_end, or its process exited) but the pane remains
 *   gone        the tmux pane no longer exists
 *   unknown     the pane runs but the harness has reported nothing yet
 */
import { fileSize } from "../events/jsonl.ts";
import type { PaneInfo } from "../tmux.ts";
import { workerPane } from "./worker.ts";
import type { Worker } from "./handle.ts";
import { reconcileEvents, reconcileScreen } from "../events/reconcile.ts";
import { statusFromEvents, workerEvents, type WorkerStatus } from "../events/query.ts";
import { pendingRequests } from "../approval/store.ts";

/**
 * The worker's status. Pass `pane` when the caller already listed panes (list makes one tmux
 * call for all workers); otherwise the pane is queried.
 */
export async function workerStatus(
  worker: Worker,
  pane?: PaneInfo | null,
): Promise<WorkerStatus> {
  const info = await workerPane(worker, pane);
  if (!info) return "gone";
  if (info.dead || fileSize(worker.paths.exitStatus) > 0) return "terminated";
  // Only a live waiting process counts (pendingRequests): a dead worker is never blocked.
  if (pendingRequests(worker.paths.approvals).length > 0) return "blocked";
  reconcileEvents(worker);
  await reconcileScreen(worker);
  const fromEvents = statusFromEvents(workerEvents(worker), worker.harness);
  if (fromEvents) return fromEvents;
  // No event yet. Launch returns only once the harness is ready (Codex reports its first event
  // at the first prompt), so a registered worker with a live pane is waiting for input.
  return worker.meta.ready ? "idle" : "unknown";
}
