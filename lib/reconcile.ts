/**
 * Joining what a harness's own files prove into the events file. Codex fires no hook when a turn
 * fails (HTTP 500, dropped stream): only its rollout records the end. Appending that end as a
 * `stop_failure` line keeps one stream for status, waits and read-events alike.
 */
import { dirname } from "node:path";
import { appendEventLine } from "./append.ts";
import { readTailEvents } from "./jsonl.ts";
import type { Worker } from "./worker.ts";

/** Appends the event lines the harness's files prove and the events file lacks. */
export function reconcileEvents(worker: Worker): void {
  const events = readTailEvents(worker.paths.events);
  const path = worker.harness.transcriptPath(worker.meta, events);
  for (const line of worker.harness.reconcile(worker.meta, events, path)) {
    appendEventLine(worker.paths.events, line);
  }
}

/** Folders whose changes may prove an event (the transcript's folder), for waits to watch. */
export function harnessWatchDirs(worker: Worker): string[] {
  const path = worker.harness.transcriptPath(worker.meta, readTailEvents(worker.paths.events));
  return path ? [dirname(path)] : [];
}
