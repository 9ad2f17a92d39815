/** `csd prune`: remove dead workers and orphaned files. */
import { out, parse, printHelpIfAsked, runMain } from "../lib/cli.ts";
import { UsageError } from "../lib/errors.ts";
import { removeWorkerFiles } from "../lib/launch.ts";
import { listAllWorkerFileNames, listMetas } from "../lib/meta.ts";
import { homesDir, shimDir, tmpDir, workerPaths } from "../lib/paths.ts";
import { workerStatus } from "../lib/status.ts";
import { fromMeta, killWorkerSession } from "../lib/worker.ts";
import { checkWorkerDir } from "../lib/worker_dir.ts";

export const HELP = `csd prune — remove dead workers and orphaned files

USAGE:
  csd prune

Removes every worker whose harness has exited (terminated: its tmux session is killed) or whose
tmux session is gone, and every file in the worker dir that belongs to no worker (events, shims,
staged homes left by crashes). Live workers (idle, working, unknown) are never touched, nor is a
worker that is still launching. Prints one line per removal on stdout.

OPTIONS:
  -h, --help  show this help`;

export async function main(argv: string[]): Promise<number> {
  const parsed = parse(argv);
  if (printHelpIfAsked(parsed, HELP)) return 0;
  if (parsed.positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[0]}"`);
  }
  if (!checkWorkerDir()) return 0;
  const live = new Set<string>();
  for (const meta of listMetas()) {
    const worker = fromMeta(meta);
    const status = await workerStatus(worker);
    if (status !== "gone" && status !== "terminated") {
      live.add(meta.name);
      continue;
    }
    await killWorkerSession(worker);
    removeWorkerFiles(worker.paths);
    worker.harness.cleanup(worker.paths, worker.meta);
    out(`pruned ${meta.name} (${status})\n`);
  }
  for (const name of orphanNames(live)) {
    if (launching(name)) continue;
    removeWorkerFiles(workerPaths(name));
    removeQuietly(workerPaths(name).lock);
    out(`removed orphaned files of ${name}\n`);
  }
  return 0;
}

/** Names that have files in the worker dir, a shim or a staged home, but no live worker. */
function orphanNames(live: Set<string>): string[] {
  const names = new Set(listAllWorkerFileNames());
  for (const dir of [shimDir(), homesDir(), tmpDir()]) {
    try {
      for (const entry of Deno.readDirSync(dir)) names.add(entry.name.replace(/\.tmp-.*$/, ""));
    } catch {
      // Folder absent.
    }
  }
  return [...names].filter((name) => !live.has(name)).sort();
}

/** A launch in progress holds the lock with its pid: its files are not orphans yet. */
function launching(name: string): boolean {
  try {
    const pid = Number(Deno.readTextFileSync(workerPaths(name).lock).trim());
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // Already gone.
  }
}

if (import.meta.main) await runMain(main, HELP);
