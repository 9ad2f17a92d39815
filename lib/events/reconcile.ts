/**
 * Joining what a harness's own files prove into the events file. Codex fires no hook when a turn
 * fails (HTTP 500, dropped stream): only its rollout records the end. Appending that end as a
 * `stop_failure` line keeps one stream for status, waits and read-events alike.
 */
import { dirname } from "node:path";
import { appendEventLine } from "./append.ts";
import { currentTranscriptPath, statusFromEvents, workerEvents } from "./query.ts";
import type { EventLine } from "../schema.ts";
import type { Worker } from "../worker/handle.ts";

/** Appends the event lines the harness's files prove and the events file lacks. */
export function reconcileEvents(worker: Worker): void {
  const reconcile = worker.harness.reconcile;
  if (!reconcile) return;
  appendDerived(
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
function appendDerived(worker: Worker, derive: (events: EventLine[]) => EventLine[]): void {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(worker.paths.events, { read: true });
  } catch {
    return;
  }
  try {
    file.lockSync(true);
    for (const line of derive(workerEvents(worker))) {
      appendEventLine(worker.paths.events, stamped(worker, line));
    }
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
  const check = worker.harness.interruptedOnScreen;
  if (!check) return;
  const events = workerEvents(worker);
  if (statusFromEvents(events, worker.harness) !== "working") return;
  const screen = await worker.tmux.capture(worker.meta.tmux_pane_id).catch(() => "");
  if (!screen) return;
  // Decided again under the lock, on the events as they are now: another reader may have
  // written this end while the screen was captured.
  appendDerived(worker, (now) => {
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
