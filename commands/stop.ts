/** `<shim> stop`: quit the worker gracefully, then forcefully, and remove its files. */
import { err, runMain } from "../lib/cli.ts";
import { removeWorkerFiles } from "../lib/launch.ts";
import { fileSize } from "../lib/jsonl.ts";
import { readTailEvents } from "../lib/jsonl.ts";
import { statusFromEvents } from "../lib/events.ts";
import { followEvents } from "../lib/turn.ts";
import { loadWorker, type Worker } from "../lib/worker.ts";
import { waitUntil } from "../lib/wait.ts";
import { clearStaleInput } from "../lib/submit.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/worker_command.ts";

export const HELP = `stop — quit the worker and remove it

USAGE:
  <shim> stop

Types the harness's quit command (/exit for Claude), waits up to 10 s for its session_end
event, kills the tmux session if it is still there, and removes the worker's meta, events,
shim and staged files. The harness's own transcript is kept (adopt can resume it).
Destructive by design: the shim stops working.

OPTIONS:
  -h, --help  show this help

EXIT CODES: 0 stopped, 1 no such worker, 2 usage error.`;

const GRACEFUL_MS = 10_000;

export async function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, {}, HELP);
  if (!command) return 0;
  maxPositionals(command.parsed, 0);
  const worker = loadWorker(command.name);
  const graceful = await quitGracefully(worker);
  await worker.tmux.killSession(worker.meta.tmux_session_id);
  removeWorkerFiles(worker.paths);
  worker.harness.cleanup(worker.paths, worker.meta);
  err(`stopped ${worker.meta.name} (${graceful ? "graceful exit" : "killed"})\n`);
  return 0;
}

/** Asks the harness to quit and waits for its session_end; false when it had to be killed. */
async function quitGracefully(worker: Worker): Promise<boolean> {
  const paneId = worker.meta.tmux_pane_id;
  const pane = await worker.tmux.pane(paneId);
  if (!pane || pane.dead) return true;
  const baseline = fileSize(worker.paths.events);
  try {
    const screen = await worker.tmux.capture(paneId);
    if (worker.harness.dialogOnScreen(screen)) return false;
    if (statusFromEvents(readTailEvents(worker.paths.events)) === "working") {
      // Interrupt the running turn first; the quit command would otherwise wait in the queue.
      // Keys sent right behind a lone Escape read as one Alt-sequence, so wait for the redraw.
      await worker.tmux.sendKeys(paneId, "Escape");
      await waitUntil(
        async () => (await worker.tmux.capture(paneId)) !== screen ? true : undefined,
        { watch: [], deadline: Date.now() + 1500, pollMs: 50 },
      );
    }
    // Clear whatever sits in the input box (an interrupted prompt), then type the quit command.
    await clearStaleInput(worker);
    await worker.tmux.sendLiteral(paneId, worker.harness.quitCommand);
    await worker.tmux.sendKeys(paneId, "Enter");
  } catch {
    return false;
  }
  const ended = await followEvents<boolean>(
    worker,
    baseline,
    Date.now() + GRACEFUL_MS,
    (event) => event.event.event === "session_end" ? true : undefined,
    () => true,
  );
  return ended === true;
}

if (import.meta.main) await runMain(main, HELP);
