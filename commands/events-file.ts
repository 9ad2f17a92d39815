/** `<shim> events-file`: the path of the worker's events file. */
import { out, runMain } from "../lib/cli/main.ts";
import { loadWorker } from "../lib/worker/worker.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/cli/worker_args.ts";

export const HELP = `events-file — print the path of the worker's events file (JSONL)

USAGE:
  <shim> events-file

OPTIONS:
  -h, --help  show this help`;

export function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, {}, HELP);
  if (!command) return Promise.resolve(0);
  maxPositionals(command.parsed, 0);
  out(`${loadWorker(command.name).paths.events}\n`);
  return Promise.resolve(0);
}

if (import.meta.main) await runMain(main, HELP);
