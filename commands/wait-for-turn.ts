/** `<shim> wait-for-turn`: block until the worker's turn ends. */
import { err, out, parseCount, parseSeconds, runMain, stringFlag } from "../lib/cli/main.ts";
import { ExitCode } from "../lib/cli/errors.ts";
import { fileSize, offsetAfterLines } from "../lib/events/jsonl.ts";
import { clearSentMarker, readSentMarker } from "../lib/turn/submission.ts";
import { waitForPromptTurnEnd, waitForTurnEnd, waitingNow, waitLine } from "../lib/turn/wait.ts";
import { loadWorker } from "../lib/worker/worker.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/cli/worker_args.ts";

export const HELP = `wait-for-turn — block until the worker's turn ends

USAGE:
  <shim> wait-for-turn [timeout=60] [--after-line N] [--json]

Waits for the next turn end (a stop event) and prints that event line. The baseline is, in
order: line N of the events file (--after-line N: only events after the first N lines count);
else the prompt the last \`send\` (or a timed-out \`converse\`) delivered (so a turn that ended
before this call is still caught, and a prompt that waited behind a running turn gets its own
turn's end, not that turn's); else the current end of the events file. A subagent's stop never
counts.

A turn that fails (API error: stop_failure) or a worker that exits or disappears ends the wait
at once with exit 3 — not after the timeout.

A tool call or question that waits for a decision (tool approval) ends the wait at once with
exit 4 and its approval_request line on stdout; decide it (approve, deny, answer), then call
wait-for-turn again: it waits on for the same turn (decided calls are skipped).

OPTIONS:
  --after-line N  count only events after line N of the events file
  --json          add a "worker" field to the line (as csd wait prints it), and print a
                  session_end line (derived_from "pane") when the worker died without one
  -h, --help      show this help

EXIT CODES: 0 the turn ended, 1 error, 2 usage error, 3 the turn failed or the worker
  ended, 4 a call waits for a decision, 124 timeout (the worker may still be working: check
  status).`;

export async function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(
    argv,
    { "after-line": { type: "string" }, json: { type: "boolean" } },
    HELP,
  );
  if (!command) return 0;
  const { parsed } = command;
  maxPositionals(parsed, 1);
  const timeoutArg = parsed.positionals[0];
  const timeout = timeoutArg === undefined ? 60 : parseSeconds(timeoutArg, "timeout");
  const afterLine = stringFlag(parsed, "after-line");
  const lines = afterLine === undefined ? undefined : parseCount(afterLine, "--after-line");
  const worker = loadWorker(command.name);
  const sent = lines === undefined ? readSentMarker(worker.paths.sent) : undefined;
  const deadline = Date.now() + timeout * 1000;
  // After a `send`, the turn its prompt started — the marker holds where it was pasted — even
  // when that prompt waited behind another turn; otherwise the next turn end after the baseline.
  const outcome = waitingNow(worker) ??
    (sent !== undefined ? await waitForPromptTurnEnd(worker, sent, deadline) : await waitForTurnEnd(
      worker,
      lines !== undefined
        ? offsetAfterLines(worker.paths.events, lines)
        : fileSize(worker.paths.events),
      deadline,
    ));
  if (outcome.kind === "timeout") {
    err(`error: No turn end within ${timeout}s; the worker may still be working (check status)\n`);
    return ExitCode.timeout;
  }
  if (outcome.kind === "waiting") {
    // The marker stays: after the decision, the next wait-for-turn follows the same turn.
    out(`${outcome.line}\n`);
    return ExitCode.waiting;
  }
  if (sent !== undefined) clearSentMarker(worker.paths.sent);
  if (parsed.values.json === true) {
    out(
      waitLine(worker.meta.name, outcome.event?.text, outcome.kind === "failed" ? outcome.why : ""),
    );
  } else if (outcome.event) out(`${outcome.event.text}\n`);
  if (outcome.kind === "failed") {
    err(`error: ${outcome.why}\n`);
    return ExitCode.turnFailed;
  }
  return 0;
}

if (import.meta.main) await runMain(main, HELP);
