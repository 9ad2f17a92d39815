/** `<shim> deny [<id>] [--reason TEXT]`: stops a waiting tool call; the model reads the reason. */
import { out, runMain, stringFlag } from "../lib/cli/main.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/cli/worker_args.ts";
import { controllerDecides } from "../lib/approval/controller.ts";

export const HELP = `deny — stop a waiting tool call

USAGE:
  <shim> deny [<id>] [--reason TEXT]

Without <id>, the oldest waiting tool call (see pending). The reason reaches the model as the
call's result, so it can adapt. Prints the approval_decision event line. The first decision
wins: a call already decided is an error and changes nothing.

OPTIONS:
  --reason TEXT  what the model is told (default: "Denied by the controller")
  -h, --help     show this help

EXIT CODES: 0 decided, 1 no such worker, nothing waits, unknown or already decided id.`;

export function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, { reason: { type: "string" } }, HELP);
  if (!command) return Promise.resolve(0);
  maxPositionals(command.parsed, 1);
  const reason = stringFlag(command.parsed, "reason");
  const { line } = controllerDecides(command.name, {
    id: command.parsed.positionals[0],
    decision: "deny",
    kind: "tool",
    ...(reason !== undefined ? { reason } : {}),
  });
  out(`${line}\n`);
  return Promise.resolve(0);
}

if (import.meta.main) await runMain(main, HELP);
