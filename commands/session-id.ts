/** `<shim> session-id`: the worker's harness session id. */
import { out, runMain } from "../lib/cli.ts";
import { CsdError } from "../lib/errors.ts";
import { loadWorker } from "../lib/worker.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/worker_command.ts";

export const HELP = `session-id — print the worker's session id

USAGE:
  <shim> session-id

The id adopt needs to resume the conversation later (claude --resume <id>).

OPTIONS:
  -h, --help  show this help

EXIT CODES: 0 printed, 1 no such worker or the id is not known yet.`;

export function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, {}, HELP);
  if (!command) return Promise.resolve(0);
  maxPositionals(command.parsed, 0);
  const { meta } = loadWorker(command.name);
  if (!meta.session_id) throw new CsdError(`Worker "${meta.name}" has no session id yet`);
  out(`${meta.session_id}\n`);
  return Promise.resolve(0);
}

if (import.meta.main) await runMain(main, HELP);
