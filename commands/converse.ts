/** `<shim> converse`: send a prompt, wait for the turn, print the final assistant text. */
import { err, out, parseSeconds, runMain } from "../lib/cli/main.ts";
import { setting } from "../lib/cli/config.ts";
import { ExitCode, UsageError } from "../lib/cli/errors.ts";
import { writeDiagnostic } from "../lib/turn/diagnostic.ts";
import { finalTextOfTurn, turnForPrompt, workerUsage } from "../lib/turn/read.ts";
import type { ConverseOutput } from "../lib/cli/output_schema.ts";
import { submitPrompt, submitTimingFromEnv } from "../lib/turn/submit.ts";
import {
  clearSentMarker,
  eventsUnrecordable,
  lockSubmission,
  recordSentMarker,
} from "../lib/turn/submission.ts";
import { renderTurn, turnAsData } from "../lib/transcript/markdown.ts";
import type { ApprovalRequest } from "../lib/schema.ts";
import { waitForPromptTurnEnd } from "../lib/turn/wait.ts";
import { loadWorker } from "../lib/worker/worker.ts";
import type { Worker } from "../lib/worker/handle.ts";
import {
  maxPositionals,
  parseWorkerCommand,
  PROMPT_ARGS,
  PROMPT_RULE,
  promptArgument,
} from "../lib/cli/worker_args.ts";

export const HELP = `converse — send a prompt, wait for the turn to end, print the reply

USAGE:
  <shim> converse [--with-turn] [--json] <prompt> [timeout=120]

Delivers <prompt> (\`-\` reads it from stdin), waits up to <timeout> seconds for the turn it
started to end, and prints that turn's final assistant text on stdout — never an earlier
turn's. With --with-turn, prints the whole turn as markdown instead (as read-turn does).

${PROMPT_RULE}

On a timeout, when CSD_CONVERSE_DIAG_FILE is set, a diagnostic (process tree, pane, transcript
and events tails) is written there (0600; missing folders made 0700; never through a symlink or
over another user's file) and \`csd-diagnostic: <path>\` is printed on stderr. The worker
keeps running: check \`status\` (idle means the turn ended meanwhile; read-turn shows it;
working means \`wait-for-turn\`, which returns this turn's end even if it ends before the call).

A tool call or question that waits for a decision (tool approval) ends converse at once with
exit 4: its approval_request line on stdout, the call named on stderr. Decide it (approve,
deny, answer), then \`wait-for-turn\` follows the same turn to its end (read-turn shows it).

One send or converse at a time per worker: converse holds the worker until its turn ends; a
second converse waits for it within its own timeout, then exits 1 naming the holder.

OPTIONS:
  --with-turn  print the whole turn as markdown
  --json       print one JSON document whatever the outcome: {worker, reply, outcome (ended,
               failed, timeout), exit_code, duration_ms, tool_calls[{tool, id, input, result,
               ok}], usage (this turn's tokens, or null)}; the error still goes to stderr
  -h, --help   show this help

EXIT CODES: 0 reply printed, 1 error (worker gone or busy, prompt not confirmed), 2 usage error,
  3 the turn failed (API error, the worker exited mid-turn), 4 a call waits for a decision,
  124 timeout.`;

export async function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(
    argv,
    { "with-turn": { type: "boolean" }, json: { type: "boolean" } },
    HELP,
    PROMPT_ARGS,
  );
  if (!command) return 0;
  const { parsed } = command;
  maxPositionals(parsed, 2);
  const [promptArg, timeoutArg] = parsed.positionals;
  if (promptArg === undefined) throw new UsageError("converse needs a <prompt>");
  const timeout = timeoutArg === undefined ? 120 : parseSeconds(timeoutArg, "timeout");
  const worker = loadWorker(command.name);
  const prompt = await promptArgument(promptArg);
  const started = Date.now();
  const deadline = started + timeout * 1000;
  const json = parsed.values.json === true;
  const timing = submitTimingFromEnv();

  // Held until the turn ends: a second controller's prompt would otherwise join or interrupt
  // this turn, and each would take the other's reply.
  using _lock = await lockSubmission(worker, "converse", deadline);
  // A marker from an earlier `send` would make a later wait-for-turn return an older turn's end.
  clearSentMarker(worker.paths.sent);
  const submitted = await submitPrompt(worker, prompt, timing);
  // Left in place if this call times out, so the documented recovery (status, then
  // wait-for-turn) still catches this turn when it ends in between.
  recordSentMarker(worker.paths.sent, submitted);
  const outcome = await waitForPromptTurnEnd(
    worker,
    { offset: submitted.baseline, prompt: submitted.delivered },
    deadline,
    submitted.read,
  );
  if (outcome.kind === "timeout") {
    const why = outcome.started ? "the turn did not end" : "the queued prompt never started";
    const code = await timedOut(worker, timeout, why);
    if (json) out(converseJson(worker, "timeout", code, started, "", [], null));
    return code;
  }
  if (outcome.kind === "waiting") {
    // The marker stays (as on a timeout): wait-for-turn follows this turn after the decision.
    out(`${outcome.line}\n`);
    err(`${waitingMessage(outcome.request)}\n`);
    return ExitCode.waiting;
  }
  // This call collects the turn: a later wait-for-turn waits for the next one.
  clearSentMarker(worker.paths.sent);
  if (outcome.kind === "failed") {
    err(`error: ${outcome.why}\n`);
    if (json) {
      const reply = outcome.event?.event.last_assistant_message ?? "";
      out(converseJson(worker, "failed", ExitCode.turnFailed, started, reply, [], null));
    }
    return ExitCode.turnFailed;
  }
  const stop = outcome.event.event;
  if (json) {
    const reply = await finalTextOfTurn(worker, submitted.delivered, stop);
    const turn = await turnForPrompt(worker, submitted.delivered, stop);
    const report = await workerUsage(worker).catch(() => null);
    const last = report?.turns.at(-1);
    const usage = last
      ? {
        input: last.input,
        output: last.output,
        cache_read: last.cache_read,
        cache_write: last.cache_write,
        cost_usd: last.cost_usd,
      }
      : null;
    const calls = turn ? turnAsData(turn).tool_calls : [];
    out(converseJson(worker, "ended", 0, started, reply, calls, usage));
    return 0;
  }
  if (parsed.values["with-turn"] === true) {
    const turn = await turnForPrompt(worker, submitted.delivered, stop);
    if (turn) {
      out(renderTurn(turn, { full: false }));
      return 0;
    }
    err("warning: the transcript does not show this turn yet; printing the final text only\n");
  }
  const text = await finalTextOfTurn(worker, submitted.delivered, stop);
  out(text.endsWith("\n") ? text : `${text}\n`);
  return 0;
}

/** `converse --json` (lib/cli/output_schema.ts ConverseOutput), as one line. */
function converseJson(
  worker: Worker,
  outcome: ConverseOutput["outcome"],
  exitCode: number,
  started: number,
  reply: string,
  toolCalls: ConverseOutput["tool_calls"],
  usage: ConverseOutput["usage"],
): string {
  const document: ConverseOutput = {
    worker: worker.meta.name,
    reply,
    outcome,
    exit_code: exitCode,
    duration_ms: Date.now() - started,
    tool_calls: toolCalls,
    usage,
  };
  return `${JSON.stringify(document)}\n`;
}

/** Names the waiting call and what to do about it. */
function waitingMessage(request: ApprovalRequest): string {
  const input = JSON.stringify(request.tool_input ?? null);
  const shown = input.length > 200 ? `${input.slice(0, 200)}…` : input;
  const decide = request.kind === "question" ? "answer" : "approve or deny";
  return `csd: ${request.kind === "question" ? "question" : "tool call"} ${request.id} ` +
    `(${request.tool} ${shown}) waits for a decision until ${request.deadline}: ${decide} it, ` +
    "then wait-for-turn";
}

async function timedOut(worker: Worker, timeout: number, why: string): Promise<number> {
  const unrecorded = eventsUnrecordable(worker);
  err(
    unrecorded
      ? `error: Timed out after ${timeout}s: ${why}, as far as csd can tell: events not ` +
        `recorded: ${unrecorded}. The worker keeps running; status and wait-for-turn cannot ` +
        "see its turn end until space is freed (read-turn shows the transcript)\n"
      : `error: Timed out after ${timeout}s: ${why}. The worker keeps running; run \`status\` ` +
        "(idle: the turn has ended since, read it with read-turn; working: wait-for-turn)\n",
  );
  const diagFile = setting("CSD_CONVERSE_DIAG_FILE");
  if (diagFile) {
    try {
      await writeDiagnostic(worker, diagFile, `converse timed out after ${timeout}s: ${why}`);
      err(`csd-diagnostic: ${diagFile}\n`);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      err(`warning: Cannot write the diagnostic to "${diagFile}": ${why}\n`);
    }
  }
  return ExitCode.timeout;
}

if (import.meta.main) await runMain(main, HELP);
