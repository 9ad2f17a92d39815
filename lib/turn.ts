/**
 * Waiting on a worker's event stream: for its prompt to be accepted, and for its turn to end.
 * Driven by file events (see wait.ts); the pane is checked about once a second so a worker
 * that dies without a final event (SIGKILL, tmux kill) still ends the wait promptly.
 */
import { type EventAt, LineCursor, parseEvents } from "./jsonl.ts";
import type { EventLine } from "./schema.ts";
import { waitUntil } from "./wait.ts";
import { assertStillRegistered, workerPane } from "./worker.ts";
import type { Worker } from "./worker_handle.ts";
import { dirname } from "node:path";
import { harnessWatchDirs, reconcileEvents, reconcileScreen } from "./reconcile.ts";
import { endsTurn, endsWorker, isOwnEvent, PromptTurn, workerEventsBefore } from "./events.ts";
import { promptMatches } from "./submit.ts";

/** How a wait for the end of a turn came out. */
export type TurnOutcome =
  | { kind: "ended"; event: EventAt }
  | { kind: "failed"; why: string; event?: EventAt }
  | { kind: "timeout"; started?: boolean };

const PANE_CHECK_MS = 1000;

/**
 * Follows the worker's events from byte `offset`, handing each new event to `decide` until it
 * returns a result. Also ends when the pane dies (`onGone`), or the deadline passes or `signal`
 * aborts (undefined).
 */
export async function followEvents<T>(
  worker: Worker,
  offset: number,
  deadline: number | undefined,
  decide: (event: EventAt) => T | undefined,
  onGone: (why: string) => T,
  signal?: AbortSignal,
): Promise<T | undefined> {
  const cursor = new LineCursor(worker.paths.events, offset);
  let lastPaneCheck = Date.now();
  const scan = (): T | undefined => {
    for (const event of parseEvents(cursor.next())) {
      if (!isOwnEvent(worker.meta, event.event)) continue;
      const result = decide(event);
      if (result !== undefined) return result;
    }
    return undefined;
  };
  return await waitUntil<T>(async () => {
    // Events only the harness's files prove (a Codex turn that failed) join the stream here.
    reconcileEvents(worker);
    const found = scan();
    if (found !== undefined) return found;
    if (Date.now() - lastPaneCheck < PANE_CHECK_MS) return undefined;
    lastPaneCheck = Date.now();
    const pane = await workerPane(worker);
    if (pane && !pane.dead) {
      assertStillRegistered(worker);
      await reconcileScreen(worker);
      return scan();
    }
    // The harness may have written its last event just before dying: read once more.
    return scan() ??
      onGone(pane ? "The worker's process exited" : "The worker's tmux pane is gone");
  }, {
    watch: [dirname(worker.paths.events), ...harnessWatchDirs(worker)],
    deadline,
    ...(signal ? { signal } : {}),
  });
}

/** Waits for the next turn end after byte `offset`. A subagent's stop is not a turn end. */
export async function waitForTurnEnd(
  worker: Worker,
  offset: number,
  deadline: number | undefined,
): Promise<TurnOutcome> {
  const outcome = await followEvents<TurnOutcome>(
    worker,
    offset,
    deadline,
    (event) => turnEndOutcome(event),
    (why) => ({ kind: "failed", why }),
  );
  return outcome ?? { kind: "timeout" };
}

/** Where a submitted prompt's events start, and the prompt (when the caller knows it). */
export interface PromptMark {
  /** Byte offset of the events file before the prompt was pasted. */
  offset: number;
  /** The text as delivered; without it, the first prompt after `offset` is taken as the one. */
  prompt?: string | undefined;
}

/**
 * Waits for the end of the turn the prompt marked by `mark` started — never an earlier turn's,
 * whichever way the harness reports a prompt typed while a turn runs (see PromptTurn). Shared by
 * converse and wait-for-turn.
 */
export async function waitForPromptTurnEnd(
  worker: Worker,
  mark: PromptMark,
  deadline: number | undefined,
): Promise<TurnOutcome> {
  const { prompt } = mark;
  const pairing = new PromptTurn(
    worker.harness,
    workerEventsBefore(worker, mark.offset),
    (event) => prompt === undefined || promptMatches(event, prompt, worker.harness),
  );
  const outcome = await followEvents<TurnOutcome>(
    worker,
    mark.offset,
    deadline,
    (event) => pairing.feed(event.event) ? turnEndOutcome(event) : undefined,
    (why) => ({ kind: "failed", why }),
  );
  return outcome ?? { kind: "timeout", started: pairing.started };
}

/** The outcome an event stands for, if it ends a turn. */
function turnEndOutcome(event: EventAt): TurnOutcome | undefined {
  const line = event.event;
  if (endsTurn(line)) {
    return line.event === "stop"
      ? { kind: "ended", event }
      : { kind: "failed", why: failureText(line), event };
  }
  if (!endsWorker(line)) return undefined;
  return {
    kind: "failed",
    why: `The worker's session ended (${line.reason ?? "no reason given"})`,
    event,
  };
}

function failureText(event: EventLine): string {
  const detail = [event.error, event.last_assistant_message].filter((s) => s && s !== "unknown");
  return `The turn failed${detail.length > 0 ? `: ${detail.join(" — ")}` : ""}`;
}
