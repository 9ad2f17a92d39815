/** `<shim> status`: idle | working | terminated | gone | unknown. */
import { out, runMain } from "../lib/cli.ts";
import { workerStatus } from "../lib/status.ts";
import { loadWorker } from "../lib/worker.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/worker_command.ts";

export const HELP = `status — print the worker's status

USAGE:
  <shim> status

Prints one word, derived from the worker's events and its tmux pane:
  idle        ready for a prompt (the last turn ended, or the session just started)
  working     a prompt was submitted and its turn has not ended
  terminated  the harness exited (its pane remains until stop or prune)
  gone        the tmux session no longer exists
  unknown     the pane runs but the harness has reported nothing yet

OPTIONS:
  -h, --help  show this help

EXIT CODES: 0 printed, 1 no such worker, 2 usage error.`;

export async function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, {}, HELP);
  if (!command) return 0;
  maxPositionals(command.parsed, 0);
  out(`${await workerStatus(loadWorker(command.name))}\n`);
  return 0;
}

if (import.meta.main) await runMain(main, HELP);
