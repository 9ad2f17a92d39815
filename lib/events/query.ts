/** Small queries over a worker's event lines. */
import { linesBackward, readLinesFrom, readTailEvents, TAIL_BYTES } from "./jsonl.ts";
import { parseEventLine } from "./line.ts";
import type { EventLine, EventType, WorkerMeta } from "../schema.ts";

/** How much of the file before an offset is read to know what was running there. */
const BEFORE_BYTES = 256 * 1024;

/**
 * Session-end reasons after which the same harness process goes on with a new session (Claude's
 * `/clear` and `/resume`): not the end of the worker.
 */
const CONTINUING_END_REASONS: ReadonlySet<string> = new Set(["clear", "resume"]);

/** Session-start sources that begin a fresh conversation: no turn is running after them. */
const FRESH_START_SOURCES: ReadonlySet<string> = new Set(["startup", "clear", "resume"]);

/** A worker's status (see lib/worker/status.ts): the events decide the first three, the pane the rest. */
export type WorkerStatus = "idle" | "working" | "blocked" | "terminated" | "gone" | "unknown";

/** How a harness treats a prompt submitted while a turn runs (see Harness). */
export interface TurnSemantics {
  busyPromptRunsOwnTurn?: boolean;
}

/**
 * True when `event` belongs to this worker incarnation. A force-stopped harness's late hook
 * (its session_end, say) may land in the next worker of the same name: lines stamped with another
 * launch never count. Unstamped lines count only for workers launched before stamping existed.
 */
export function isOwnEvent(meta: Pick<WorkerMeta, "launch_id">, event: EventLine): boolean {
  return meta.launch_id === undefined || event.launch === meta.launch_id;
}

/** The worker incarnation's events in the tail of its events file. */
export function workerEvents(worker: {
  meta: Pick<WorkerMeta, "launch_id">;
  paths: { events: string };
}): EventLine[] {
  return readTailEvents(worker.paths.events).filter((e) => isOwnEvent(worker.meta, e));
}

/** The worker incarnation's events that end before byte `offset` (its last 256 KB). */
export function workerEventsBefore(
  worker: { meta: Pick<WorkerMeta, "launch_id">; paths: { events: string } },
  offset: number,
): EventLine[] {
  const start = Math.max(0, offset - BEFORE_BYTES);
  const lines = readLinesFrom(worker.paths.events, start).filter((l) => l.end <= offset);
  if (start > 0) lines.shift();
  return lines.flatMap((line) => {
    const event = parseEventLine(line.text);
    return event && isOwnEvent(worker.meta, event) ? [event] : [];
  });
}

/** The newest transcript path a hook reported, if any. */
export function reportedTranscriptPath(events: EventLine[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const path = events[i]!.transcript_path;
    if (path) return path;
  }
  return undefined;
}

/**
 * The transcript path as far as it is known now: the newest one a hook reported beats the one
 * known at launch (Claude cuts and hashes long project paths; Pi's /new, /resume and /fork move
 * the session to another file; Codex reports its rollout only from the first prompt).
 */
export function currentTranscriptPath(
  meta: Pick<WorkerMeta, "transcript_path">,
  events: EventLine[],
): string | null {
  return reportedTranscriptPath(events) ?? meta.transcript_path;
}

/** The newest session id a hook reported, if any. */
export function reportedSessionId(events: EventLine[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const id = events[i]!.session_id;
    if (id) return id;
  }
  return undefined;
}

/** True for a session_end after which the worker's harness is gone (not a `/clear`). */
export function endsWorker(event: EventLine): boolean {
  return event.event === "session_end" && !CONTINUING_END_REASONS.has(event.reason ?? "");
}

/**
 * The events that end a turn, the one place this rule is written: a success (stop) or a failure
 * (stop_failure, which Codex's Interrupt and csd's derived lines also become). A subagent's stop
 * is not one; a session_end ends the worker instead (see endsWorker).
 */
export const TURN_END_EVENTS: ReadonlySet<EventType> = new Set(["stop", "stop_failure"]);

/** True for an event that ends a turn (see TURN_END_EVENTS). */
export function endsTurn(event: EventLine): boolean {
  return TURN_END_EVENTS.has(event.event);
}

/**
 * What `event` does to the number of turns started and not yet ended: it resets it to 0, or
 * takes the number `open` before it to max(low, open + shift). Claude runs a prompt submitted
 * during a turn as a turn of its own after it (and 2.1.332 reports that prompt at once, not when
 * its turn starts), so each prompt counts; Codex and Pi merge it into the running turn (one turn
 * end), so a prompt while one is open adds nothing. This form composes backwards too: status
 * reads the events from the end only as far as they settle the count (eventsTail).
 */
function turnStep(
  event: EventLine,
  harness: TurnSemantics,
): "reset" | { low: number; shift: number } {
  if (endsTurn(event)) return { low: 0, shift: -1 };
  switch (event.event) {
    case "user_prompt_submit":
      return harness.busyPromptRunsOwnTurn === true ? { low: 0, shift: 1 } : { low: 1, shift: 0 };
    case "session_end":
      return endsWorker(event) ? "reset" : { low: 0, shift: 0 };
    case "session_start":
      // Claude also fires session_start mid-turn (compaction): only a fresh start resets.
      return FRESH_START_SOURCES.has(event.source ?? "") ? "reset" : { low: 0, shift: 0 };
    case "pre_tool_use":
    case "post_tool_use":
    case "approval_request":
    case "approval_decision":
      // Activity without a known prompt (a bash-mode turn, a tail that cut the prompt off).
      return { low: 1, shift: 0 };
    case "pre_compact":
    case "subagent_start":
    case "subagent_stop":
      // A typed `/compact` fires PreCompact (and, on 2.1.332, its summariser's SubagentStop) with
      // no turn around it and no turn end after it: counting them as a turn left the worker
      // "working" for good. Inside a turn they change nothing; a subagent's stop ends no turn.
    default:
      return { low: 0, shift: 0 };
  }
}

/** The number of turns started and not yet ended after `event`, given the number before it. */
function openTurnsAfter(open: number, event: EventLine, harness: TurnSemantics): number {
  const step = turnStep(event, harness);
  return step === "reset" ? 0 : Math.max(step.low, open + step.shift);
}

/** The number of turns running or waiting to run after `events`. */
function openTurns(events: EventLine[], harness: TurnSemantics): number {
  return events.reduce((open, event) => openTurnsAfter(open, event, harness), 0);
}

/**
 * The status the events alone imply, or undefined when they hold no event at all: terminated
 * after a session end (not a `/clear`), working while a turn started and has not ended (queued
 * prompts counted as `harness` runs them), else idle.
 */
export function statusFromEvents(
  events: EventLine[],
  harness: TurnSemantics = {},
): WorkerStatus | undefined {
  if (events.length === 0) return undefined;
  let open = 0;
  let ended = false;
  for (const event of events) {
    if (silent(event)) continue;
    ended = endsWorker(event);
    open = openTurnsAfter(open, event, harness);
  }
  return ended ? "terminated" : open > 0 ? "working" : "idle";
}

/** True for the events statusFromEvents passes over (they say nothing about turns or the end). */
function silent(event: EventLine): boolean {
  return event.event === "notification" ||
    (event.event === "session_start" && !FRESH_START_SOURCES.has(event.source ?? ""));
}

/** What the end of a worker's events says (see eventsTail). */
export interface EventsTail {
  /** statusFromEvents of the worker's events (workerEvents): undefined when there is none. */
  status: WorkerStatus | undefined;
  /**
   * The end of workerEvents, oldest first: the events read, back to the last user_prompt_submit
   * at most (an idle Claude worker's whole history is read, not kept).
   */
  events: EventLine[];
}

/**
 * The status the worker's events imply — statusFromEvents(workerEvents(worker)) — read from
 * the end backwards only as far as it takes to settle it: a worker mid-turn with a long history
 * parsed up to 256 KB per status, and list did that for every worker. The turns still open after
 * the lines read are max(low, open + shift) of the number open before them (turnStep), so once
 * that is above 0 whatever came earlier, the worker is working; a reset (a fresh start, the end
 * of a session), the start of the window, or (Codex, Pi) the end of the one open turn decides
 * the rest. With `throughPrompt`, a working worker's `events` also reach back to its
 * last user_prompt_submit (what the screen check compares against).
 */
export function eventsTail(
  worker: { meta: Pick<WorkerMeta, "launch_id">; paths: { events: string } },
  harness: TurnSemantics,
  options: { throughPrompt?: boolean } = {},
): EventsTail {
  const newestFirst: EventLine[] = [];
  let any = false;
  let status: WorkerStatus | undefined;
  let counted = false;
  let low = 0;
  let shift = 0;
  let prompt = false;
  // Where a prompt during a turn joins it, at most one turn is ever open: an end then settles
  // idle whatever came before. Claude queues prompts, so its idle workers are read back to
  // their last reset.
  const mostOpen = harness.busyPromptRunsOwnTurn === true ? Infinity : 1;
  try {
    for (const line of linesBackward(worker.paths.events, { within: TAIL_BYTES, chunk: 8192 })) {
      const event = parseEventLine(line.text);
      if (!event || !isOwnEvent(worker.meta, event)) continue;
      any = true;
      if (!prompt) newestFirst.push(event);
      if (event.event === "user_prompt_submit") prompt = true;
      if (status === undefined && !silent(event)) {
        if (!counted && endsWorker(event)) status = "terminated";
        counted = true;
        const step = turnStep(event, harness);
        if (step === "reset") status ??= Math.max(low, shift) > 0 ? "working" : "idle";
        else {
          low = Math.max(low, step.low + shift);
          shift += step.shift;
          if (Math.max(low, shift) > 0) status = "working";
          else if (Math.max(low, mostOpen + shift) <= 0) status = "idle";
        }
      }
      if (status === "working" ? prompt || options.throughPrompt !== true : status) break;
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  // The window's first line (or the file's) reached: no turn was open before it.
  if (status === undefined && any) {
    status = Math.max(low, shift) > 0 ? "working" : "idle";
  }
  return { status, events: newestFirst.reverse() };
}

/**
 * Pairs one submitted prompt with the end of the turn it started, fed the events that follow
 * the moment it was pasted. Hook timing differs: Claude 2.1.197 reports a prompt typed during a
 * turn when its own turn starts, 2.1.332 at once (carrying the running turn's prompt_id), and
 * Codex and Pi merge it into the running turn. What holds for all: the prompt's turn end is the
 * first one after its user_prompt_submit once the turns it waited behind (counted as the harness
 * runs them) have ended; an end carrying the turn id it was reported under belongs to that
 * earlier turn. A converse after a timed-out converse printed the earlier reply without this.
 */
export class PromptTurn {
  #harness: TurnSemantics;
  #isOurs: (event: EventLine) => boolean;
  #open: number;
  #ours: { ahead: number; queuedUnder: string | undefined } | undefined;

  /**
   * @param harness how the harness runs a prompt submitted during a turn
   * @param before the worker's events before the paste (what was running then)
   * @param isOurs recognises the prompt's user_prompt_submit
   */
  constructor(
    harness: TurnSemantics,
    before: EventLine[],
    isOurs: (event: EventLine) => boolean,
  ) {
    this.#harness = harness;
    this.#isOurs = isOurs;
    this.#open = openTurns(before, harness);
  }

  /** True once the prompt's user_prompt_submit has been seen. */
  get started(): boolean {
    return this.#ours !== undefined;
  }

  /** Feeds the next event; true when it ends the prompt's turn or the worker. */
  feed(event: EventLine): boolean {
    if (endsWorker(event)) return true;
    const open = this.#open;
    this.#open = openTurnsAfter(open, event, this.#harness);
    if (!this.#ours) {
      if (event.event === "user_prompt_submit" && this.#isOurs(event)) {
        const ahead = this.#harness.busyPromptRunsOwnTurn === true ? open : 0;
        this.#ours = { ahead, queuedUnder: ahead > 0 ? event.turn_id : undefined };
      }
      return false;
    }
    if (!endsTurn(event)) return false;
    if (this.#ours.ahead > 0) {
      this.#ours.ahead--;
      return false;
    }
    return !(this.#ours.queuedUnder !== undefined && event.turn_id === this.#ours.queuedUnder);
  }
}

/**
 * True when the harness's last lifecycle event is a session_end: a session_start after it is a
 * new session in the same process (Pi's /new and /reload, Claude's /clear), which takes prompts.
 */
export function sessionEnded(events: EventLine[]): boolean {
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i]!.event === "session_start") return false;
    if (events[i]!.event === "session_end") return true;
  }
  return false;
}
