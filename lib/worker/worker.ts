/** A live handle on one worker: its meta, its tmux server, and its harness. */
import { CsdError, UsageError } from "../cli/errors.ts";
import { harnessFor } from "../harness/mod.ts";
import type { Worker } from "./handle.ts";
import { readMeta } from "./meta.ts";
import { WORKER_NAME_PATTERN, workerDir, workerPaths } from "../paths.ts";
import { killSurvivors, paneProcesses } from "../process_tree.ts";
import type { WorkerMeta } from "../schema.ts";
import { type PaneIdentity, type PaneInfo, paneMatches, Tmux } from "../tmux.ts";

/** Throws a UsageError unless `name` is a valid worker name. */
export function validateWorkerName(name: string): string {
  if (!WORKER_NAME_PATTERN.test(name)) {
    throw new UsageError(
      `Invalid worker name "${name}": use 1-64 letters, digits, "_" or "-", starting with a ` +
        `letter or digit (tmux rewrites "." and ":", and the name becomes a file name)`,
    );
  }
  return name;
}

/** Loads worker `name` from the worker dir, or throws a clear error when it is unknown. */
export function loadWorker(name: string): Worker {
  validateWorkerName(name);
  const meta = readMeta(name);
  if (!meta) {
    throw new CsdError(`No worker named "${name}" in "${workerDir()}" (see csd list --all)`);
  }
  return fromMeta(meta);
}

/** A worker handle from its meta. */
export function fromMeta(meta: WorkerMeta): Worker {
  return {
    meta,
    paths: workerPaths(meta.name),
    tmux: new Tmux(meta.tmux_socket),
    harness: harnessFor(meta.harness),
  };
}

/**
 * A wiped worker dir (`rm -rf`, a tmp cleaner) leaves the harness running with nowhere to report
 * to: converse waited out its whole timeout, then pointed at a `status` that knew no such worker.
 * The meta is the mark; the events file alone may vanish and come back (the hook recreates it).
 */
export function assertStillRegistered(worker: Worker): void {
  try {
    Deno.statSync(worker.paths.meta);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) return;
    throw new CsdError(
      `The files of worker "${worker.meta.name}" are gone from ${workerDir()} ` +
        `(was the worker dir wiped?): its harness may still run in tmux session ` +
        `"${worker.meta.name}"; see csd list --all, then csd adopt or csd prune`,
    );
  }
}

/** What the worker's pane must be (session name and id, pane id, server). */
export function paneIdentity(meta: WorkerMeta): PaneIdentity {
  return {
    sessionName: meta.name,
    sessionId: meta.tmux_session_id,
    paneId: meta.tmux_pane_id,
    ...(meta.tmux_server ? { server: meta.tmux_server } : {}),
    existedAt: Date.parse(meta.created_at),
  };
}

/** The worker's pane, verified to be the worker's, or null (gone). */
export async function workerPane(worker: Worker): Promise<PaneInfo | null> {
  return await worker.tmux.pane(paneIdentity(worker.meta));
}

/** `listed` (a pane of the worker's server listed by id) if it is the worker's, else null. */
export function listedPane(worker: Worker, listed: PaneInfo | null): PaneInfo | null {
  return listed && paneMatches(listed, paneIdentity(worker.meta)) ? listed : null;
}

/** `workerPane` and the pane's visible screen, in one tmux call (see Tmux.paneWithScreen). */
export async function workerPaneWithScreen(
  worker: Worker,
): Promise<{ pane: PaneInfo; screen: string } | null> {
  return await worker.tmux.paneWithScreen(paneIdentity(worker.meta));
}

/** How long a harness gets to die of the hangup kill-session sends before it is SIGKILLed. */
const HANGUP_GRACE_MS = 3000;

/** What killing a session found. */
export interface Killed {
  /** False when the pane was not (or no longer) the expected one: nothing was killed. */
  verified: boolean;
  /** Harness processes that outlived the session and were SIGKILLed. */
  survivors: number;
}

/**
 * Kills the session of the pane `expected` describes, only once the pane is verified (a stale
 * id may name a user's session), then SIGKILLs whatever of the pane's process tree outlives
 * the hangup.
 */
export async function killVerified(tmux: Tmux, expected: PaneIdentity): Promise<Killed> {
  const pane = await tmux.pane(expected);
  if (!pane) return { verified: false, survivors: 0 };
  const processes = pane.dead ? [] : paneProcesses(pane.pid);
  await tmux.killSession(pane.sessionId);
  return { verified: true, survivors: await killSurvivors(processes, HANGUP_GRACE_MS) };
}

/** Kills the worker's tmux session (see killVerified). */
export async function killWorkerSession(worker: Worker): Promise<Killed> {
  return await killVerified(worker.tmux, paneIdentity(worker.meta));
}

/** The worker name a per-worker command was given (`--worker`, added by the shim). */
export function requireWorkerFlag(value: string | undefined): string {
  if (!value) {
    throw new UsageError(
      "Missing --worker <name> (run this through the worker's shim or `csd --worker <name>`)",
    );
  }
  return validateWorkerName(value);
}
