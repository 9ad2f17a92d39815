/** `csd wait`: block until the first (or, with --all, every) of several workers ends its turn. */
import { basename, dirname } from "../lib/path.ts";
import { err, out, parse, parseSeconds, printHelpIfAsked, runMain } from "../lib/cli/main.ts";
import { CsdError, ExitCode, UsageError } from "../lib/cli/errors.ts";
import { type EventAt, fileSize, type LineAt } from "../lib/events/jsonl.ts";
import { shimDir } from "../lib/paths.ts";
import { parseEventLine } from "../lib/events/line.ts";
import { clearSentMarker, readSentMarker } from "../lib/turn/submission.ts";
import {
  EventFollower,
  type FollowDecider,
  promptTurnDecider,
  turnEndOutcome,
  type TurnOutcome,
  waitLine,
} from "../lib/turn/wait.ts";
import { waitUntil } from "../lib/wait.ts";
import { loadWorker } from "../lib/worker/worker.ts";
import type { Worker } from "../lib/worker/handle.ts";

export const HELP = `csd wait — block until workers end their turns

USAGE:
  csd wait [--all] [--timeout S] [--json] <name|shim>...

Waits on every named worker at once (one process, woken by file events). Each worker's baseline
is the one wait-for-turn uses: the turn the prompt of its last \`send\` started (so a turn that
ended before this call still counts), else the current end of its events file.

By default returns as soon as ONE of them ends its turn, fails, blocks on a decision (an
approval_request: a gated tool call waits for \`approve\`/\`deny\`) or dies, and prints that
worker's event line with a "worker" field added. With --all, prints one such line per worker as
each ends and returns when all have. A worker that died without a final event gets a
session_end line (derived_from "pane") naming why.

The fan-out pattern: \`send\` a task to each worker, then \`csd wait --all w1 w2 w3\`.

OPTIONS:
  --all        wait for every worker, not the first
  --timeout S  give up after S seconds (default 60)
  --json       the same event lines (they are JSON already; accepted for symmetry)
  -h, --help   show this help

EXIT CODES: 0 the turn(s) ended, 1 error, 2 usage error, 3 a turn failed or a worker died,
  4 a worker waits on a decision, 124 timeout (with --all: some worker did not end in time;
  the lines of those that did are printed). With --all and no timeout the most serious code
  wins: 3, then 4, then 0.`;

/** The outcomes' exit codes in their order of seriousness with --all (later wins). */
const SERIOUSNESS = [ExitCode.ok, ExitCode.waiting, ExitCode.turnFailed] as const;

type WaitOutcome = TurnOutcome | { kind: "blocked"; line: LineAt };

/** A worker being waited on: its follower and how its wait came out. */
interface Waited {
  worker: Worker;
  follower: EventFollower<WaitOutcome>;
  outcome?: WaitOutcome;
  sent: boolean;
}

/** A worker argument: a name, or the path of a shim in this worker dir's bin folder. */
function workerName(arg: string): string {
  if (!arg.includes("/")) return arg;
  let dir: string;
  try {
    dir = Deno.realPathSync(dirname(arg));
  } catch {
    throw new UsageError(`No shim at "${arg}"`);
  }
  let own: string;
  try {
    own = Deno.realPathSync(shimDir());
  } catch {
    own = shimDir();
  }
  if (dir !== own) {
    throw new UsageError(`Shim "${arg}" is not in this worker dir's shim folder (${shimDir()})`);
  }
  return basename(arg);
}

/**
 * The decider for one worker: its turn end (paired with its last send when there is one), or a
 * decision it waits on. An approval_request counts as blocking while no approval_decision for its
 * id followed it in what was read: a policy or a quick controller may already have decided.
 */
export function waitDecider(worker: Worker, sentMark: ReturnType<typeof readSentMarker>) {
  const turn = sentMark !== undefined ? promptTurnDecider(worker, sentMark) : undefined;
  const waiting = new Map<string, LineAt>();
  /** Tracks an approval line; true when `line` was one. */
  const noteApproval = (line: LineAt): boolean => {
    const event = parseEventLine(line.text);
    if (!event || event.id === undefined) return false;
    if (event.event === "approval_request") waiting.set(event.id, line);
    else if (event.event === "approval_decision") waiting.delete(event.id);
    else return false;
    return true;
  };
  const result: FollowDecider<WaitOutcome> = {
    // Approval lines are tracked here (settle reports a call still waiting), never as turn ends.
    event: (event: EventAt) => {
      if (noteApproval(event)) return undefined;
      const outcome = turn ? turn.decide(event) : turnEndOutcome(event);
      return outcome?.kind === "waiting" ? undefined : outcome;
    },
    other: (line) => {
      noteApproval(line);
      return undefined;
    },
    settle: () => {
      const first = waiting.values().next();
      return first.done ? undefined : { kind: "blocked", line: first.value };
    },
    gone: (why) => ({ kind: "failed", why }),
  };
  return result;
}

function exitCode(outcome: WaitOutcome): number {
  switch (outcome.kind) {
    case "ended":
      return ExitCode.ok;
    case "blocked":
    case "waiting":
      return ExitCode.waiting;
    case "failed":
      return ExitCode.turnFailed;
    case "timeout":
      return ExitCode.timeout;
  }
}

/** The line printed for a worker whose wait ended: its event line plus `worker`. */
function outcomeLine(waited: Waited, outcome: WaitOutcome): string {
  const text = outcome.kind === "blocked"
    ? outcome.line.text
    : outcome.kind === "waiting"
    ? outcome.line
    : outcome.kind !== "timeout"
    ? outcome.event?.text
    : undefined;
  return waitLine(waited.worker.meta.name, text, outcome.kind === "failed" ? outcome.why : "");
}

function report(waited: Waited, outcome: WaitOutcome): void {
  waited.outcome = outcome;
  // Collected like wait-for-turn collects it: the next wait looks for the next turn. A turn
  // blocked on a decision has not ended: the next wait still waits for it.
  if (waited.sent && (outcome.kind === "ended" || outcome.kind === "failed")) {
    clearSentMarker(waited.worker.paths.sent);
  }
  out(outcomeLine(waited, outcome));
  const name = waited.worker.meta.name;
  if (outcome.kind === "failed") err(`error: worker "${name}": ${outcome.why}\n`);
  if (outcome.kind === "blocked") {
    err(`worker "${name}" waits on a decision (see its pending)\n`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parse(argv, {
    all: { type: "boolean" },
    timeout: { type: "string" },
    json: { type: "boolean" },
  });
  if (printHelpIfAsked(parsed, HELP)) return 0;
  if (parsed.positionals.length === 0) throw new UsageError("Name at least one worker to wait on");
  const timeoutArg = parsed.values.timeout;
  const timeout = typeof timeoutArg === "string" ? parseSeconds(timeoutArg, "--timeout") : 60;
  const all = parsed.values.all === true;
  const names = [...new Set(parsed.positionals.map(workerName))];
  const workers = names.map(loadWorker);
  const deadline = Date.now() + timeout * 1000;
  const waiting: Waited[] = workers.map((worker) => {
    const sent = readSentMarker(worker.paths.sent);
    const offset = sent?.offset ?? fileSize(worker.paths.events);
    const follower = new EventFollower(worker, offset, waitDecider(worker, sent));
    return { worker, follower, sent: sent !== undefined };
  });
  // One wait over every worker's folders: each wake-up steps every follower still open.
  const done = await waitUntil<true>(async () => {
    for (const waited of waiting) {
      if (waited.outcome) continue;
      let outcome: WaitOutcome | undefined;
      try {
        outcome = await waited.follower.check();
      } catch (error) {
        // A worker stopped (its meta removed) mid-wait is one worker's end, not the whole wait's.
        if (!(error instanceof CsdError)) throw error;
        outcome = { kind: "failed", why: error.message };
      }
      if (outcome === undefined) continue;
      report(waited, outcome);
      if (!all) return true;
    }
    return waiting.every((w) => w.outcome) ? true : undefined;
  }, { watch: waiting.flatMap((w) => w.follower.watchDirs), deadline });
  if (done === undefined) {
    const late = waiting.filter((w) => !w.outcome).map((w) => `"${w.worker.meta.name}"`);
    err(`error: no turn end within ${timeout}s from ${late.join(", ")}; check status\n`);
    return ExitCode.timeout;
  }
  const codes = waiting.flatMap((w) => w.outcome ? [exitCode(w.outcome)] : []);
  return codes.reduce(
    (worst, code) =>
      SERIOUSNESS.indexOf(code as typeof SERIOUSNESS[number]) >
          SERIOUSNESS.indexOf(worst as typeof SERIOUSNESS[number])
        ? code
        : worst,
    ExitCode.ok as number,
  );
}

if (import.meta.main) await runMain(main, HELP);
