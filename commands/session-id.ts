/** `<shim> session-id`: the worker's harness session id. */
import { out, runMain } from "../lib/cli/main.ts";
import { CsdError } from "../lib/cli/errors.ts";
import { loadWorker } from "../lib/worker/worker.ts";
import { registerSessionId } from "../lib/worker/register.ts";
import { workerEvents } from "../lib/events/query.ts";
import { workerTranscript } from "../lib/turn/read.ts";
import { writeMeta } from "../lib/worker/meta.ts";
import { dirname } from "../lib/path.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/cli/worker_args.ts";

export const HELP = `session-id — print the worker's session id

USAGE:
  <shim> session-id

The id adopt needs to resume the conversation later: the current session's (a Claude \`/clear\`
starts a new one). Claude and Pi know it from launch; Codex mints it itself and csd registers it
(waiting up to CSD_REGISTER_TIMEOUT seconds, default 15).

OPTIONS:
  -h, --help  show this help

EXIT CODES: 0 printed, 1 no such worker or the id is not known yet.`;

export async function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, {}, HELP);
  if (!command) return 0;
  maxPositionals(command.parsed, 0);
  const worker = loadWorker(command.name);
  const registered = await registerSessionId(worker.harness, worker.meta, worker.paths);
  if (!registered) {
    throw new CsdError(
      `Worker "${worker.meta.name}" has not registered a session id within CSD_REGISTER_TIMEOUT`,
    );
  }
  // After a `/clear` the same Claude process runs a new session: its hooks report the id.
  const meta = { ...worker.meta, session_id: registered };
  const id = worker.harness.discoverSessionId(meta, workerEvents(worker)) ?? registered;
  // Recorded for list and the panel, but only once launch has written its last meta (ready).
  if (id !== registered && meta.ready) {
    const transcript = workerTranscript(worker) ?? meta.transcript_path;
    writeMeta({ ...meta, session_id: id, transcript_path: transcript }, dirname(worker.paths.meta));
  }
  out(`${id}\n`);
  return 0;
}

if (import.meta.main) await runMain(main, HELP);
