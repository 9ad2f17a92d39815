/** `<shim> stop`: quit the worker gracefully, then forcefully, and remove its files. */
import { err, runMain } from "../lib/cli/main.ts";
import { releaseWorktree, removeWorkerFiles } from "../lib/worker/launch.ts";
import { fileSize } from "../lib/events/jsonl.ts";
import { readTailEvents } from "../lib/events/jsonl.ts";
import { statusFromEvents } from "../lib/events/query.ts";
import { followEvents } from "../lib/turn/wait.ts";
import { killWorkerSession, loadWorker, workerPane } from "../lib/worker/worker.ts";
import type { Worker } from "../lib/worker/handle.ts";
import { waitUntil } from "../lib/wait.ts";
import { clearStaleInput } from "../lib/turn/submit.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/cli/worker_args.ts";

export const HELP = `stop — quit the worker and remove it

USAGE:
  <shim> stop

Types the harness's quit command (/exit for Claude), waits up to 10 s for its session_end
event, kills the tmux session if it is still there (and SIGKILLs harness processes that outlive
it by 3 s), and removes the worker's meta, events, shim and staged files. A pane that is no
longer the worker's (its tmux server restarted) is never typed into or killed. The harness's
own transcript is kept (adopt can resume it). Destructive by design: the shim stops working.
A worker launched with --worktree: its worktree is removed with its csd-made branch when clean;
one with uncommitted changes or commits on no other branch is kept, and stop says where
(path, branch) on stderr.

OPTIONS:
  -h, --help  show this help

EXIT CODES: 0 stopped, 1 no such worker, 2 usage error.`;

const GRACEFUL_MS = 10_000;

export async function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, {}, HELP);
  if (!command) return 0;
  maxPositionals(command.parsed, 0);
  const worker = loadWorker(command.name);
  const how = await quit(worker);
  const { survivors } = await killWorkerSession(worker);
  removeWorkerFiles(worker.paths);
  const reaped = survivors > 0
    ? `; SIGKILLed ${survivors} ${survivors === 1 ? "process" : "processes"} that outlived ` +
      "its tmux session"
    : "";
  err(`stopped ${worker.meta.name} (${how}${reaped})\n`);
  // After the harness is dead: nothing writes into the worktree while it is inspected.
  const tree = await releaseWorktree(worker.meta);
  if (tree) err(`${tree}\n`);
  return 0;
}

/** Quits the harness, and says how: graceful exit, killed, or it had ended already. */
async function quit(worker: Worker): Promise<string> {
  const pane = await workerPane(worker);
  if (!pane) return "already gone";
  const status = exitStatus(worker);
  if (pane.dead || status !== null) {
    return status ? `already exited with status ${status}` : "already exited";
  }
  return await quitGracefully(worker) ? "graceful exit" : "killed";
}

/** The harness's exit status as the start script recorded it, or null before it exited. */
function exitStatus(worker: Worker): string | null {
  try {
    return Deno.readTextFileSync(worker.paths.exitStatus).trim() || null;
  } catch {
    return null;
  }
}

/** Asks the harness to quit and waits for its session_end; false when it had to be killed. */
async function quitGracefully(worker: Worker): Promise<boolean> {
  const paneId = worker.meta.tmux_pane_id;
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
