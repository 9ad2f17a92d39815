/**
 * Joining what a harness's own files prove into the events file. Codex fires no hook when a turn
 * fails (HTTP 500, dropped stream): only its rollout records the end. Appending that end as a
 * `stop_failure` line keeps one stream for status, waits and read-events alike.
 */
import { dirname } from "../path.ts";
import { appendEventLine } from "./append.ts";
import { currentTranscriptPath, eventsTail, statusFromEvents, workerEvents } from "./query.ts";
import type { EventLine } from "../schema.ts";
import type { Worker } from "../worker/handle.ts";

/**
 * Appends the event lines the harness's files prove and the events file lacks; true when it
 * appended any.
 */
export function reconcileEvents(worker: Worker): boolean {
  const reconcile = worker.harness.reconcile;
  if (!reconcile) return false;
  return appendDerived(
    worker,
    (events) => reconcile(worker.meta, events, currentTranscriptPath(worker.meta, events)),
  );
}

/**
 * Appends the lines `derive` finds missing from the events, deciding and appending under an
 * exclusive lock on the events file. Every reader reconciles (converse, status, each
 * `read-events --follow`) and they wake on the same file change: unlocked, a failed Codex turn
 * got its stop_failure written three times. The hook appends without the lock; only csd's
 * derived lines need it. A removed events file (a stopped worker) is never recreated here.
 */
function appendDerived(worker: Worker, derive: (events: EventLine[]) => EventLine[]): boolean {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(worker.paths.events, { read: true });
  } catch {
    return false;
  }
  try {
    file.lockSync(true);
    const lines = derive(workerEvents(worker));
    for (const line of lines) appendEventLine(worker.paths.events, stamped(worker, line));
    return lines.length > 0;
  } finally {
    file.close(); // releases the lock
  }
}

/**
 * Claude fires no hook when a turn is cut short by Escape (a human in a handoff, say): the
 * prompt goes back into the input box and the events say "working" forever. When the screen
 * shows that, a `stop_failure` ("interrupted", derived from the screen) ends the turn.
 */
export async function reconcileScreen(worker: Worker): Promise<void> {
  if (!worker.harness.interruptedOnScreen) return;
  const tail = eventsTail(worker, worker.harness, { throughPrompt: true });
  if (tail.status !== "working") return;
  const screen = await worker.tmux.capture(worker.meta.tmux_pane_id).catch(() => "");
  reconcileShownScreen(worker, screen, tail.events);
}

/**
 * The decision of reconcileScreen on a `screen` already captured, given the worker's latest
 * events (`events`, back to its last prompt: eventsTail with throughPrompt) when its events say
 * it is working: list and status capture the screens of many workers in one tmux call. True
 * when the turn's end was appended.
 */
export function reconcileShownScreen(worker: Worker, screen: string, events: EventLine[]): boolean {
  const check = worker.harness.interruptedOnScreen;
  // Most screens show a turn at work: decided on what was read, without taking the lock.
  if (!check || !screen || !check(screen, events)) return false;
  // Decided again under the lock, on the events as they are now: another reader may have
  // written this end while the screen was captured.
  return appendDerived(worker, (now) => {
    if (
      statusFromEvents(now, worker.harness) !== "working" ||
      !check(screen, now)
    ) return [];
    return [{
      ts: new Date().toISOString(),
      event: "stop_failure",
      harness: worker.harness.name,
      ...(worker.meta.session_id ? { session_id: worker.meta.session_id } : {}),
      error: "interrupted",
      derived_from: "screen",
    }];
  });
}

/** A derived line carries the worker's launch stamp, as the hook's lines do. */
function stamped(worker: Worker, line: EventLine): EventLine {
  return worker.meta.launch_id ? { ...line, launch: worker.meta.launch_id } : line;
}

/** Folders whose changes may prove an event (the transcript's folder), for waits to watch. */
export function harnessWatchDirs(worker: Worker): string[] {
  // Only a transcript that reconcile reads proves events: any other woke a converse on each of
  // its writes, and finding its folder took one more read of the events file.
  if (!worker.harness.reconcile) return [];
  const path = currentTranscriptPath(worker.meta, workerEvents(worker));
  return path ? [dirname(path)] : [];
}
