/** `csd prune`: remove dead workers and orphaned files. */
import { err, out, parse, printHelpIfAsked, runMain } from "../lib/cli/main.ts";
import { UsageError } from "../lib/cli/errors.ts";
import { keptWorktreeNote, releaseWorktree, removeWorkerFiles } from "../lib/worker/launch.ts";
import type { WorkerMeta } from "../lib/schema.ts";
import { listWorktrees, removeWorktree } from "../lib/worker/worktree.ts";
import { processRunsIn } from "../lib/process_tree.ts";
import { listAllWorkerFileNames, scanMetas } from "../lib/worker/meta.ts";
import { findOrphanSessions, knownServers, launching } from "../lib/worker/orphans.ts";
import { approvalsDir, homesDir, shimDir, tmpDir, workerPaths } from "../lib/paths.ts";
import { workerStatuses } from "../lib/worker/status.ts";
import type { Tmux } from "../lib/tmux.ts";
import { fromMeta, killWorkerSession } from "../lib/worker/worker.ts";
import { checkWorkerDir } from "../lib/worker/dir.ts";
import { listRemoteWorkers } from "./list.ts";
import {
  commandTarget,
  remoteCsdArgv,
  removeContainer,
  removeRemote,
  scanRemotes,
  transportTo,
} from "../lib/remote/forward.ts";
import { formatTarget } from "../lib/remote/transport.ts";

export const HELP = `csd prune — remove dead workers and orphaned files

USAGE:
  csd prune

Removes every worker whose harness has exited (terminated: its tmux session is killed) or whose
tmux session is gone, and every file in the worker dir that belongs to no worker (events, shims,
staged homes left by crashes). Kills csd's orphaned tmux sessions: sessions whose pane runs a
worker's start script from this worker dir but that have no meta (the dir was wiped). Live
workers (idle, working, unknown) are never touched, nor is a worker that is still launching.
Only what is proven dead goes: a worker whose meta cannot be read, or a name without a meta
whose tmux session still runs, is kept and reported on stderr. Worktrees (launch --worktree):
a pruned worker's goes as stop's would (kept when dirty or unmerged); a worktree in a
repository's .csd-worktrees that no live worker runs in (repositories of known workers, and
the one holding the current directory) is removed when clean and no process runs in it (a worker
of another worker dir), else kept and reported. Prints one line per removal on
Workers on a target (launch --target) are pruned when their target says they are gone or
terminated; those of a target that does not answer are left alone. stdout.

OPTIONS:
  -h, --help  show this help`;

export async function main(argv: string[]): Promise<number> {
  const parsed = parse(argv);
  if (printHelpIfAsked(parsed, HELP)) return 0;
  if (parsed.positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[0]}"`);
  }
  const present = checkWorkerDir();
  const { metas, bad } = scanMetas();
  // Only what is proven dead is removed: a meta that cannot be read may belong to a live worker.
  const keep = new Set<string>();
  for (const meta of bad) {
    keep.add(meta.name);
    err(`warning: skipped "${meta.name}": ${meta.reason}\n`);
  }
  // One tmux call per server for all the statuses, not one (or two) per worker.
  const workers = metas.map(fromMeta);
  const statuses = await workerStatuses(workers);
  for (const [at, worker] of workers.entries()) {
    const { meta } = worker;
    const status = statuses[at]!;
    if (status !== "gone" && status !== "terminated") {
      keep.add(meta.name);
      continue;
    }
    await killWorkerSession(worker);
    removeWorkerFiles(worker.paths);
    out(`pruned ${meta.name} (${status})\n`);
    const tree = await releaseWorktree(meta);
    if (tree) out(`${tree}\n`);
  }
  await pruneWorktrees(keep, metas);
  await pruneRemote(keep);
  const servers = knownServers(metas);
  const named = new Set([...metas.map((m) => m.name), ...bad.map((b) => b.name)]);
  for (const orphan of await findOrphanSessions(servers, named)) {
    await orphan.tmux.killSession(orphan.sessionId);
    out(`killed orphaned tmux session ${orphan.name}\n`);
  }
  if (!present) return 0;
  for (const name of orphanNames(keep)) {
    if (launching(name)) continue;
    const running = await sessionServer(servers, name);
    if (running) {
      err(
        `warning: skipped "${name}": a tmux session of that name runs on ${running}; ` +
          `its files are kept\n`,
      );
      continue;
    }
    removeWorkerFiles(workerPaths(name));
    removeQuietly(workerPaths(name).lock);
    out(`removed orphaned files of ${name}\n`);
  }
  return 0;
}

/**
 * Removes csd's worktrees that no live worker runs in (their worker's meta is gone: a wiped
 * worker dir), looking in the repositories of every known worker and the one holding the current
 * directory. Only clean ones go; a dirty or unmerged one is reported and kept.
 */
async function pruneWorktrees(keep: Set<string>, all: WorkerMeta[]): Promise<void> {
  const repos = new Set(all.flatMap((m) => m.worktree ? [m.worktree.repo] : []));
  repos.add(Deno.cwd());
  const seen = new Set<string>();
  for (const repo of repos) {
    let found;
    try {
      found = await listWorktrees(repo);
    } catch {
      continue; // Not (or no longer) a git repository.
    }
    for (const tree of found) {
      // A kept worker's name (live, or its meta unreadable) may be running in it.
      if (seen.has(tree.path) || keep.has(tree.name) || tree.prunable) continue;
      seen.add(tree.path);
      if (launching(tree.name)) continue;
      if (processRunsIn(tree.path)) {
        err(`warning: kept the worktree "${tree.path}": a process runs in it\n`);
        continue;
      }
      const removal = await removeWorktree(tree).catch((error) => ({
        removed: false as const,
        path: tree.path,
        branch: tree.branch,
        reason: error instanceof Error ? error.message : String(error),
      }));
      if (removal.removed) out(`removed orphaned worktree ${removal.path}\n`);
      else err(`warning: ${keptWorktreeNote(removal)}\n`);
    }
  }
}

/**
 * Workers on targets: those whose target says gone or terminated are pruned there (once per
 * target) and here; an unreachable target's workers are left alone. Every remote name is kept
 * from the orphan sweep below (its shim has no local meta).
 */
async function pruneRemote(keep: Set<string>): Promise<void> {
  const { remotes, bad } = scanRemotes();
  for (const record of [...remotes, ...bad]) keep.add(record.name);
  if (remotes.length === 0) return;
  const listed = new Map((await listRemoteWorkers()).map((w) => [w.name, w]));
  const prunedOn = new Set<string>();
  for (const record of remotes) {
    const status = listed.get(record.name)?.status;
    if (status === "unreachable") {
      err(`warning: kept "${record.name}": ${record.target} did not answer\n`);
      continue;
    }
    if (status !== "gone" && status !== "terminated") continue;
    const target = commandTarget(record);
    const where = formatTarget(target);
    if (!prunedOn.has(where)) {
      prunedOn.add(where);
      await transportTo(target).run(
        remoteCsdArgv(record.remote_csd, record.remote_worker_dir, "prune", []),
      ).catch(() => {});
    }
    if (record.container) await removeContainer(record.container);
    removeRemote(record.name);
    out(`pruned ${record.name} (${status}, ${record.target})\n`);
  }
}

/** The server (as a command prefix) where a session named exactly `name` runs, or null. */
async function sessionServer(servers: Tmux[], name: string): Promise<string | null> {
  for (const tmux of servers) {
    if (await tmux.hasSession(name)) return tmux.commandPrefix().join(" ");
  }
  return null;
}

/** Names that have files in the worker dir, a shim or a staged home, but no live worker. */
function orphanNames(live: Set<string>): string[] {
  const names = new Set(listAllWorkerFileNames());
  for (const dir of [shimDir(), homesDir(), tmpDir(), approvalsDir()]) {
    try {
      for (const entry of Deno.readDirSync(dir)) {
        names.add(entry.name.replace(/\.tmp-.*$/, "").replace(/\.policy\.json.*$/, ""));
      }
    } catch {
      // Folder absent.
    }
  }
  return [...names].filter((name) => !live.has(name)).sort();
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // Already gone.
  }
}

if (import.meta.main) await runMain(main, HELP);
