/** `<shim> send`: deliver a prompt without waiting for the turn. */
import { err, runMain } from "../lib/cli/main.ts";
import { UsageError } from "../lib/cli/errors.ts";
import { clearSentMarker, lockSubmission, recordSentMarker } from "../lib/turn/submission.ts";
import { submitCommand, submitPrompt, submitTimingFromEnv } from "../lib/turn/submit.ts";
import { loadWorker } from "../lib/worker/worker.ts";
import {
  maxPositionals,
  parseWorkerCommand,
  PROMPT_ARGS,
  PROMPT_RULE,
  promptArgument,
} from "../lib/cli/worker_args.ts";

export const HELP = `send — deliver a prompt to the worker without waiting

USAGE:
  <shim> send <prompt>
  <shim> send --command <slash-command>

Pastes <prompt> (\`-\` reads it from stdin) as one bracketed paste, presses Enter, and returns
once the worker confirms it (its user_prompt_submit event), re-pressing Enter while the text
still sits in the input box — never into a dialog. A prompt starting with "/" or "!" is
delivered as text, not run as a command. A prompt is always text: a control character other
than newline and tab arrives as its visible picture (ESC as ␛; CR becomes a newline). A prompt
sent while a turn runs is queued by the harness; send then returns once the text has left the
input box.

${PROMPT_RULE}

The next \`wait-for-turn\` without --after-line waits for the end of the turn this prompt
started, even if it ended before wait-for-turn was called.

To run a real harness command (e.g. /compact, /model), use --command: the text is typed as-is
and confirmed by the input box emptying (commands fire no prompt event).

One send or converse at a time per worker: while another one holds the worker (a converse holds
it until its turn ends), send waits up to CSD_SUBMIT_TIMEOUT, then exits 1 naming the holder.

ENVIRONMENT:
  CSD_SUBMIT_TIMEOUT         seconds to wait for the confirmation (default 10)
  CSD_SUBMIT_RETRY_INTERVAL  seconds between Enter re-sends (default 2)

OPTIONS:
  --command   type a harness command instead of a prompt
  -h, --help  show this help

EXIT CODES: 0 delivered, 1 not confirmed / worker gone / busy / dialog on screen, 2 usage error,
  124 not confirmed within CSD_SUBMIT_TIMEOUT.`;

export async function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(
    argv,
    { command: { type: "boolean" } },
    HELP,
    PROMPT_ARGS,
  );
  if (!command) return 0;
  const { parsed } = command;
  maxPositionals(parsed, 1);
  const [promptArg] = parsed.positionals;
  if (promptArg === undefined) throw new UsageError("send needs a <prompt>");
  const timing = submitTimingFromEnv();
  const worker = loadWorker(command.name);
  const text = await promptArgument(promptArg);
  using _lock = await lockSubmission(worker, "send", Date.now() + timing.timeoutMs);
  if (parsed.values.command === true) {
    await submitCommand(worker, text, timing);
    err("command delivered\n");
    return 0;
  }
  // An earlier marker would make a later wait-for-turn return an older turn's end.
  clearSentMarker(worker.paths.sent);
  const submitted = await submitPrompt(worker, text, timing);
  recordSentMarker(worker.paths.sent, submitted);
  err(
    submitted.confirmation
      ? "prompt delivered (user_prompt_submit received)\n"
      : "prompt queued behind the running turn\n",
  );
  return 0;
}

if (import.meta.main) await runMain(main, HELP);
