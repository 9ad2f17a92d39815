/**
 * csd's tmux sessions that lost their meta. When the worker dir is wiped (a reboot's tmp
 * cleaner, an `rm -rf`) the harness keeps running and spending, invisible to list and prune.
 * Such a session is proven csd's when its pane was started with csd's own start-script command
 * for that very name in this worker dir; nothing else is ever reported or killed as an orphan.
 */
import { WORKER_NAME_PATTERN, workerDir, workerPaths } from "../paths.ts";
import type { WorkerMeta } from "../schema.ts";
import { startCommand } from "./start_script.ts";
import { Tmux } from "../tmux.ts";
import { lockHolderAlive } from "./lock.ts";

/** A tmux session csd started whose worker has no meta. */
export interface OrphanSession {
  name: string;
  sessionId: string;
  paneId: string;
  tmux: Tmux;
}

/**
 * The tmux servers csd knows of: the one `CSD_TMUX_SOCKET` names (where launch puts workers)
 * and every server a meta names. Other servers (the user's default one while a private socket
 * is set) are never searched.
 */
export function knownServers(metas: WorkerMeta[]): Tmux[] {
  const sockets = new Set<string | null>([
    Tmux.fromEnv().socket,
    ...metas.map((m) => m.tmux_socket),
  ]);
  return [...sockets].map((socket) => new Tmux(socket));
}

/**
 * Sessions on `servers` that run csd's start script of a name in `dir` that has no meta file
 * (`named`: every name with a meta, readable or not) and is not being launched right now.
 */
export async function findOrphanSessions(
  servers: Tmux[],
  named: ReadonlySet<string>,
  dir: string = workerDir(),
): Promise<OrphanSession[]> {
  const found: OrphanSession[] = [];
  for (const tmux of servers) {
    for (const pane of await tmux.listStartCommands()) {
      const name = pane.sessionName;
      if (!WORKER_NAME_PATTERN.test(name) || named.has(name) || launching(name, dir)) continue;
      const expected = startCommand(workerPaths(name, dir).startScript);
      // tmux shows a one-argument command wrapped in double quotes.
      if (pane.startCommand !== expected && pane.startCommand !== `"${expected}"`) continue;
      found.push({ name, sessionId: pane.sessionId, paneId: pane.paneId, tmux });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** A launch in progress holds the name's lock with its pid: its session and files are not orphans. */
export function launching(name: string, dir: string = workerDir()): boolean {
  return lockHolderAlive(workerPaths(name, dir).lock);
}
