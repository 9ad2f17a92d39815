/** `<shim> converse`: send a prompt, wait for the turn, print the final assistant text. */
import { err, out, parseSeconds, runMain } from "../lib/cli.ts";
import { ExitCode, UsageError } from "../lib/errors.ts";
import { writeDiagnostic } from "../lib/diagnostic.ts";
import { finalTextOfTurn, turnForPrompt } from "../lib/final_text.ts";
import { submitPrompt, submitTimingFromEnv } from "../lib/submit.ts";
import { renderTurn } from "../lib/transcript/markdown.ts";
import { waitForPromptTurnEnd } from "../lib/turn.ts";
import { loadWorker, type Worker } from "../lib/worker.ts";
import { maxPositionals, parseWorkerCommand, promptArgument } from "../lib/worker_command.ts";

export const HELP = `converse — send a prompt, wait for the turn to end, print the reply

USAGE:
  <shim> converse [--with-turn] <prompt> [timeout=120]

Delivers <prompt> (\`-\` reads it from stdin), waits up to <timeout> seconds for the turn it
started to end, and prints that turn's final assistant text on stdout — never an earlier
turn's. With --with-turn, prints the whole turn as markdown instead (as read-turn does).

On a timeout, when CSD_CONVERSE_DIAG_FILE is set, a diagnostic (process tree, pane, transcript
and events tails) is written there and \`csd-diagnostic: <path>\` is printed on stderr. The
worker keeps running: check \`status\` (idle means the turn ended meanwhile; read-turn shows it).

OPTIONS:
  --with-turn  print the whole turn as markdown
  -h, --help   show this help

EXIT CODES: 0 reply printed, 1 error (worker gone, prompt not confirmed), 2 usage error,
  3 the turn failed (API error, the worker exited mid-turn), 124 timeout.`;

export async function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, { "with-turn": { type: "boolean" } }, HELP);
  if (!command) return 0;
  const { parsed } = command;
  maxPositionals(parsed, 2);
  const [promptArg, timeoutArg] = parsed.positionals;
  if (promptArg === undefined) throw new UsageError("converse needs a <prompt>");
  const timeout = timeoutArg === undefined ? 120 : parseSeconds(timeoutArg, "timeout");
  const worker = loadWorker(command.name);
  const prompt = await promptArgument(promptArg);
  const deadline = Date.now() + timeout * 1000;

  // A marker from an earlier `send` would make a later wait-for-turn return this turn's end.
  await Deno.remove(worker.paths.sent).catch(() => {});
  const submitted = await submitPrompt(worker, prompt, submitTimingFromEnv());
  const outcome = await waitForPromptTurnEnd(
    worker,
    { offset: submitted.baseline, prompt: submitted.delivered },
    deadline,
  );
  if (outcome.kind === "timeout") {
    const why = outcome.started ? "the turn did not end" : "the queued prompt never started";
    return await timedOut(worker, timeout, why);
  }
  if (outcome.kind === "failed") {
    err(`error: ${outcome.why}\n`);
    return ExitCode.turnFailed;
  }
  const stop = outcome.event.event;
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

async function timedOut(worker: Worker, timeout: number, why: string): Promise<number> {
  err(
    `error: timed out after ${timeout}s: ${why}. The worker keeps running; run \`status\` ` +
      "(idle: the turn has ended since, read it with read-turn; working: wait-for-turn)\n",
  );
  const diagFile = Deno.env.get("CSD_CONVERSE_DIAG_FILE");
  if (diagFile) {
    try {
      await writeDiagnostic(worker, diagFile, `converse timed out after ${timeout}s: ${why}`);
      err(`csd-diagnostic: ${diagFile}\n`);
    } catch (error) {
      err(`warning: cannot write the diagnostic to ${diagFile}: ${error}\n`);
    }
  }
  return ExitCode.timeout;
}

if (import.meta.main) await runMain(main, HELP);
