/** `<shim> read-turn`: the last turn as markdown. */
import { out, runMain } from "../lib/cli/main.ts";
import { CsdError } from "../lib/cli/errors.ts";
import { currentTurn, workerTranscript } from "../lib/turn/read.ts";
import { renderTurn, turnAsData } from "../lib/transcript/markdown.ts";
import { loadWorker } from "../lib/worker/worker.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/cli/worker_args.ts";

export const HELP = `read-turn — print the worker's last turn as markdown

USAGE:
  <shim> read-turn [--full] [--json]

Renders the last turn from the harness's own transcript: the prompt, thinking as quotes, tool
calls as code blocks, their results (the first 5 lines unless --full), and the reply text.

OPTIONS:
  --full      show tool results in full
  --json      the turn as one JSON document: {prompt, thinking[], tool_calls[{tool, id, input,
              result, ok}], text} (results always in full)
  -h, --help  show this help

EXIT CODES: 0 printed, 1 no such worker or no turn yet, 2 usage error.`;

export async function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(
    argv,
    { full: { type: "boolean" }, json: { type: "boolean" } },
    HELP,
  );
  if (!command) return 0;
  maxPositionals(command.parsed, 0);
  const worker = loadWorker(command.name);
  const turn = await currentTurn(worker);
  if (!turn) {
    throw new CsdError(
      `No turn in the transcript yet (${workerTranscript(worker) ?? "transcript not known yet"})`,
    );
  }
  if (command.parsed.values.json === true) out(`${JSON.stringify(turnAsData(turn))}\n`);
  else out(renderTurn(turn, { full: command.parsed.values.full === true }));
  return 0;
}

if (import.meta.main) await runMain(main, HELP);
