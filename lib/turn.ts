/**
 * Waiting on a worker's event stream: for its prompt to be accepted, and for its turn to end.
 * Driven by file events (see wait.ts); the pane is checked about once a second so a worker
 * that dies without a final event (SIGKILL, tmux kill) still ends the wait promptly.
 */
import { type EventAt, LineCursor, parseEvents } from "./jsonl.ts";
import type { EventLine } from "./schema.ts";
import { waitUntil } from "./wait.ts";
import { assertStillRegistered, type Worker, workerPane } from "./worker.ts";
import { dirname } from "node:path";
import { harnessWatchDirs, reconcileEvents, reconcileScreen } from "./reconcile.ts";
import { endsWorker, isOwnEvent, PromptTurn, workerEventsBefore } from "./events.ts";
import { promptMatches } from "./submit.ts";
import type { ApprovalRequest } from "./schema.ts";
import { pendingRequests } from "./approval/store.ts";
import { requestEvent } from "./approval/events.ts";

/** How a wait for the end of a turn came out. */
export type TurnOutcome =
  | { kind: "ended"; event: EventAt }
  | { kind: "failed"; why: string; event?: EventAt }
  /** A tool call or question waits for a decision: its approval_request line. */
  | { kind: "waiting"; line: string; request: ApprovalRequest }
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
      onGone(pane ? "the worker's process exited" : "the worker's tmux pane is gone");
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
    (event) => waitingOutcome(worker, event) ?? turnEndOutcome(event),
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
    (event) => {
      const ends = pairing.feed(event.event);
      return waitingOutcome(worker, event) ?? (ends ? turnEndOutcome(event) : undefined);
    },
    (why) => ({ kind: "failed", why }),
  );
  return outcome ?? { kind: "timeout", started: pairing.started };
}

/**
 * The worker's oldest waiting call, as a "waiting" outcome with its approval_request line (as
 * the gate wrote it, but for `ts`): for a wait that starts after the line was written.
 */
export function waitingNow(worker: Worker): TurnOutcome | undefined {
  const request = pendingRequests(worker.paths.approvals)[0];
  if (!request) return undefined;
  const line = requestEvent(request, worker.meta.session_id ?? undefined);
  const stamped = worker.meta.launch_id ? { ...line, launch: worker.meta.launch_id } : line;
  return { kind: "waiting", line: JSON.stringify(stamped), request };
}

/**
 * A "waiting" outcome for an approval_request whose call still waits; a decided one (the
 * controller answered it, then waits on) is skipped.
 */
function waitingOutcome(worker: Worker, event: EventAt): TurnOutcome | undefined {
  const line = event.event;
  if (line.event !== "approval_request" || line.id === undefined) return undefined;
  const request = pendingRequests(worker.paths.approvals).find((r) => r.id === line.id);
  return request ? { kind: "waiting", line: event.text, request } : undefined;
}

/** The outcome an event stands for, if it ends a turn. */
export function turnEndOutcome(event: EventAt): TurnOutcome | undefined {
  switch (event.event.event) {
    case "stop":
      return { kind: "ended", event };
    case "stop_failure":
      return { kind: "failed", why: failureText(event.event), event };
    case "session_end":
      if (!endsWorker(event.event)) return undefined;
      return {
        kind: "failed",
        why: `the worker's session ended (${event.event.reason ?? "no reason given"})`,
        event,
      };
    default:
      return undefined;
  }
}

function failureText(event: EventLine): string {
  const detail = [event.error, event.last_assistant_message].filter((s) => s && s !== "unknown");
  return `the turn failed${detail.length > 0 ? `: ${detail.join(" — ")}` : ""}`;
}
