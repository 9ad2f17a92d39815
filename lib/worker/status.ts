/**
 * A worker's status, derived from its events and its tmux pane (plus, for a turn Claude lost to
 * an Escape — which fires no hook — its screen).
 *   idle        the last turn ended (or the session just started) and the harness runs
 *   working     a prompt was submitted and no turn end followed yet
 *   blocked     a tool call or a question waits for a decision (pending; approve, deny, answer)
 *   terminated  the harness ended (session_end, or its process exited) but the pane remains
 *   gone        the tmux pane no longer exists
 *   unknown     the pane runs but the harness has reported nothing yet
 *
 * The files are read first, so that tmux is asked once for everything: one call verifies the
 * pane and, only when the events say a Claude turn runs, captures its screen (status); list
 * lists every pane of a server in one call and captures all the screens it needs in one more.
 */
import { fileSize } from "../events/jsonl.ts";
import type { PaneInfo } from "../tmux.ts";
import { listedPane, paneIdentity } from "./worker.ts";
import type { Worker } from "./handle.ts";
import { reconcileEvents, reconcileShownScreen } from "../events/reconcile.ts";
import { type EventsTail, eventsTail, type WorkerStatus } from "../events/query.ts";
import { pendingRequests } from "../approval/store.ts";

/** What a worker's files say, before tmux is asked. */
interface Reading {
  worker: Worker;
  exited: boolean;
  blocked: boolean;
  /** Undefined when the files already decide (exited or blocked). */
  tail: EventsTail | undefined;
}

/** The worker's status: one tmux call (the pane's check, and its screen when needed). */
export async function workerStatus(worker: Worker): Promise<WorkerStatus> {
  const reading = readFiles(worker);
  const [seen] = await worker.tmux.panesAndScreens([
    { expected: paneIdentity(worker.meta), screen: wantsScreen(reading) },
  ]);
  return settle(reading, seen!.pane, seen!.screen);
}

/**
 * The statuses of many workers, in order: one list-panes per tmux server in use, then one call
 * per server for the screens the events ask for (more only past tmux's command length).
 */
export async function workerStatuses(workers: Worker[]): Promise<WorkerStatus[]> {
  const servers = new Map(workers.map((w) => [w.tmux.socket, w.tmux]));
  const panes = new Map(
    await Promise.all(
      [...servers].map(async ([socket, tmux]) => {
        const listed = await tmux.listPanes();
        return [socket, new Map(listed.map((p) => [p.paneId, p]))] as const;
      }),
    ),
  );
  const readings = workers.map((worker) => ({
    reading: readFiles(worker),
    pane: listedPane(worker, panes.get(worker.tmux.socket)?.get(worker.meta.tmux_pane_id) ?? null),
    screen: undefined as string | undefined,
  }));
  const looks = new Map<string | null, typeof readings>();
  for (const entry of readings) {
    if (!entry.pane || entry.pane.dead || !wantsScreen(entry.reading)) continue;
    const socket = entry.reading.worker.tmux.socket;
    looks.set(socket, [...(looks.get(socket) ?? []), entry]);
  }
  await Promise.all([...looks].map(async ([socket, entries]) => {
    const seen = await servers.get(socket)!.panesAndScreens(
      entries.map((e) => ({ expected: paneIdentity(e.reading.worker.meta), screen: true })),
    );
    // A pane that changed since it was listed (a restarted server) shows no screen of the worker.
    entries.forEach((entry, at) => entry.screen = seen[at]!.pane ? seen[at]!.screen : undefined);
  }));
  return readings.map(({ reading, pane, screen }) => settle(reading, pane, screen));
}

function readFiles(worker: Worker): Reading {
  const exited = fileSize(worker.paths.exitStatus) > 0;
  // Only a live waiting process counts (pendingRequests): a dead worker is never blocked.
  const blocked = !exited && pendingRequests(worker.paths.approvals).length > 0;
  const tail = exited || blocked ? undefined : eventsTail(worker, worker.harness, {
    throughPrompt: worker.harness.interruptedOnScreen !== undefined,
  });
  return { worker, exited, blocked, tail };
}

/** A turn runs on a harness that can lose one to an Escape without any event. */
function wantsScreen(reading: Reading): boolean {
  return reading.tail?.status === "working" &&
    reading.worker.harness.interruptedOnScreen !== undefined;
}

/** The status from the files, the verified pane (null: gone) and, if taken, its screen. */
function settle(reading: Reading, pane: PaneInfo | null, screen: string | undefined): WorkerStatus {
  const { worker } = reading;
  if (!pane) return "gone";
  if (pane.dead || reading.exited) return "terminated";
  if (reading.blocked) return "blocked";
  let tail = reading.tail!;
  // Only an open turn can have an end the harness's files prove and the events lack, or an
  // end an Escape left on the screen; either one appended changes the status.
  const read = () => eventsTail(worker, worker.harness, { throughPrompt: true });
  if (tail.status === "working" && reconcileEvents(worker)) tail = read();
  if (
    tail.status === "working" && screen !== undefined &&
    reconcileShownScreen(worker, screen, tail.events)
  ) tail = read();
  // No event yet. Launch returns only once the harness is ready (Codex reports its first event
  // at the first prompt), so a registered worker with a live pane is waiting for input.
  return tail.status ?? (worker.meta.ready ? "idle" : "unknown");
}
