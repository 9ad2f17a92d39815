/** `<shim> approve [<id>]`: lets a waiting tool call run. */
import { out, runMain } from "../lib/cli/main.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/cli/worker_args.ts";
import { controllerDecides } from "../lib/approval/controller.ts";

export const HELP = `approve — let a waiting tool call run

USAGE:
  <shim> approve [<id>]

Without <id>, the oldest waiting tool call (see pending). Prints the approval_decision event
line. The first decision wins: a call another controller (or the timeout) already decided is
an error and changes nothing.

OPTIONS:
  -h, --help  show this help

EXIT CODES: 0 decided, 1 no such worker, nothing waits, unknown or already decided id.`;

export function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, {}, HELP);
  if (!command) return Promise.resolve(0);
  maxPositionals(command.parsed, 1);
  const { line } = controllerDecides(command.name, {
    id: command.parsed.positionals[0],
    decision: "allow",
    kind: "tool",
  });
  out(`${line}\n`);
  return Promise.resolve(0);
}

if (import.meta.main) await runMain(main, HELP);
