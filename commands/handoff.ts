/** `<shim> handoff`: how a human attaches to the worker and gives it back. */
import { out, runMain } from "../lib/cli/main.ts";
import { CsdError } from "../lib/cli/errors.ts";
import { shellJoin } from "../lib/shell.ts";
import { loadWorker, workerPane } from "../lib/worker/worker.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/cli/worker_args.ts";

export const HELP = `handoff — print how a human takes over the worker

USAGE:
  <shim> handoff

Prints the tmux commands to watch or take over the worker's session and how to detach again.
The worker keeps running; do not stop it while a human works in it. Fails (exit 1) when the
worker's tmux session is gone: a session of that name on a restarted server is someone else's.

OPTIONS:
  -h, --help  show this help`;

export async function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, {}, HELP);
  if (!command) return 0;
  maxPositionals(command.parsed, 0);
  const worker = loadWorker(command.name);
  if (!await workerPane(worker)) {
    throw new CsdError(`Worker "${worker.meta.name}" is gone (its tmux session no longer exists)`);
  }
  const tmux = [...worker.tmux.commandPrefix()];
  const target = `=${worker.meta.name}`;
  out(
    [
      `Worker "${worker.meta.name}" (${worker.meta.harness}) runs in tmux session "${worker.meta.name}".`,
      `  Watch or take over:  ${shellJoin([...tmux, "attach-session", "-t", target])}`,
      `  Read-only watch:     ${shellJoin([...tmux, "attach-session", "-r", "-t", target])}`,
      "  Give it back:        detach with Ctrl-b then d (the worker keeps running)",
      `  Working directory:   ${worker.meta.cwd}`,
      "",
    ].join("\n"),
  );
  return 0;
}

if (import.meta.main) await runMain(main, HELP);
