/**
 * Waiting on a worker's event stream: for its prompt to be accepted, and for its turn to end.
 * Driven by file events (see wait.ts); the pane is checked about once a second so a worker
 * that dies without a final event (SIGKILL, tmux kill) still ends the wait promptly.
 */
import { type EventAt, type LineAt, LineCursor } from "../events/jsonl.ts";
import type { EventLine } from "../schema.ts";
import { parseEventLine } from "../events/line.ts";
import { waitUntil } from "../wait.ts";
import { assertStillRegistered, workerPane } from "../worker/worker.ts";
import type { Worker } from "../worker/handle.ts";
import { dirname } from "../path.ts";
import { harnessWatchDirs, reconcileEvents, reconcileScreen } from "../events/reconcile.ts";
import {
  endsTurn,
  endsWorker,
  isOwnEvent,
  PromptTurn,
  workerEventsBefore,
} from "../events/query.ts";
import { promptMatches } from "./submit.ts";
import type { SubmitRead } from "./submission.ts";
import type { ApprovalRequest } from "../schema.ts";
import { pendingRequests } from "../approval/store.ts";
import { requestEvent } from "../approval/events.ts";

/** How a wait for the end of a turn came out. */
export type TurnOutcome =
  | { kind: "ended"; event: EventAt }
  | { kind: "failed"; why: string; event?: EventAt }
  /** A tool call or question waits for a decision: its approval_request line. */
  | { kind: "waiting"; line: string; request: ApprovalRequest }
  | { kind: "timeout"; started?: boolean };

const PANE_CHECK_MS = 1000;

/** What a follower does with what it reads; the first non-undefined result ends the follow. */
export interface FollowDecider<T> {
  /** Each of the worker incarnation's own event lines, in file order. */
  event(event: EventAt): T | undefined;
  /** A line that is not an EventLine (the approval lines, until their names join EVENT_TYPES). */
  other?(line: LineAt): T | undefined;
  /** After each batch of lines: a state the batch as a whole left (a decision still waiting). */
  settle?(): T | undefined;
  /** The pane is dead or gone and no line decided. */
  gone(why: string): T;
}

/**
 * One worker's event stream read incrementally from a byte offset. `check` is one step of a
 * wait; several followers share one waitUntil (`csd wait` on many workers), watching all their
 * folders in one process.
 */
export class EventFollower<T> {
  readonly worker: Worker;
  #cursor: LineCursor;
  #decider: FollowDecider<T>;
  #lastPaneCheck = Date.now();

  /** @param from a byte offset, or a cursor that already read up to where this one starts */
  constructor(worker: Worker, from: number | LineCursor, decider: FollowDecider<T>) {
    this.worker = worker;
    this.#cursor = typeof from === "number" ? new LineCursor(worker.paths.events, from) : from;
    this.#decider = decider;
  }

  /** The folders whose changes may hold this worker's next event. */
  get watchDirs(): string[] {
    return [dirname(this.worker.paths.events), ...harnessWatchDirs(this.worker)];
  }

  #scan(): T | undefined {
    for (const line of this.#cursor.next()) {
      const event = parseEventLine(line.text);
      const result = event
        ? (isOwnEvent(this.worker.meta, event)
          ? this.#decider.event({ ...line, event })
          : undefined)
        : this.#decider.other?.(line);
      if (result !== undefined) return result;
    }
    return this.#decider.settle?.();
  }

  /** One step: read what is new, and about once a second check the pane is alive. */
  async check(): Promise<T | undefined> {
    // Events only the harness's files prove (a Codex turn that failed) join the stream here.
    reconcileEvents(this.worker);
    const found = this.#scan();
    if (found !== undefined) return found;
    if (Date.now() - this.#lastPaneCheck < PANE_CHECK_MS) return undefined;
    this.#lastPaneCheck = Date.now();
    const pane = await workerPane(this.worker);
    if (pane && !pane.dead) {
      assertStillRegistered(this.worker);
      await reconcileScreen(this.worker);
      return this.#scan();
    }
    // The harness may have written its last event just before dying: read once more.
    return this.#scan() ??
      this.#decider.gone(pane ? "The worker's process exited" : "The worker's tmux pane is gone");
  }
}

/**
 * Follows the worker's events from byte `offset`, handing each new event to `decide` until it
 * returns a result. Also ends when the pane dies (`onGone`), or the deadline passes or `signal`
 * aborts (undefined).
 */
export async function followEvents<T>(
  worker: Worker,
  offset: number | LineCursor,
  deadline: number | undefined,
  decide: (event: EventAt) => T | undefined,
  onGone: (why: string) => T,
  signal?: AbortSignal,
): Promise<T | undefined> {
  const follower = new EventFollower<T>(worker, offset, { event: decide, gone: onGone });
  return await waitUntil<T>(() => follower.check(), {
    watch: follower.watchDirs,
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
  read?: SubmitRead,
): Promise<TurnOutcome> {
  const turn = promptTurnDecider(worker, mark);
  // What the submission already read is decided first, as the follower would decide it.
  for (const event of read?.events ?? []) {
    if (!isOwnEvent(worker.meta, event.event)) continue;
    const outcome = turn.decide(event);
    if (outcome !== undefined) return outcome;
  }
  const outcome = await followEvents<TurnOutcome>(
    worker,
    read?.cursor ?? mark.offset,
    deadline,
    turn.decide,
    (why) => ({ kind: "failed", why }),
  );
  return outcome ?? { kind: "timeout", started: turn.started() };
}

/** Decides which event ends the turn a marked prompt started (see waitForPromptTurnEnd). */
export function promptTurnDecider(worker: Worker, mark: PromptMark): {
  decide: (event: EventAt) => TurnOutcome | undefined;
  started: () => boolean;
} {
  const { prompt } = mark;
  const pairing = new PromptTurn(
    worker.harness,
    workerEventsBefore(worker, mark.offset),
    (event) => prompt === undefined || promptMatches(event, prompt, worker.harness),
  );
  return {
    decide: (event) => {
      const ends = pairing.feed(event.event);
      return waitingOutcome(worker, event) ?? (ends ? turnEndOutcome(event) : undefined);
    },
    started: () => pairing.started,
  };
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

/**
 * The line `csd wait` and `wait-for-turn --json` print when a wait ends: the ending event line
 * (`text`) with a `worker` field. A worker that died without a final event (SIGKILL, tmux kill)
 * gets a session_end line derived from its pane, so a controller reading lines learns which.
 */
export function waitLine(worker: string, text: string | undefined, why: string): string {
  const line: Record<string, unknown> = text !== undefined ? JSON.parse(text) : {
    ts: new Date().toISOString(),
    event: "session_end",
    reason: why,
    derived_from: "pane",
  };
  return JSON.stringify({ ...line, worker }) + "\n";
}
