/** A live handle on one worker: its meta, its tmux server, and its harness. */
import { CsdError, UsageError } from "./errors.ts";
import { harnessFor } from "./harness/mod.ts";
import type { Harness } from "./harness/types.ts";
import { readMeta } from "./meta.ts";
import { WORKER_NAME_PATTERN, workerDir, type WorkerPaths, workerPaths } from "./paths.ts";
import type { WorkerMeta } from "./schema.ts";
import { Tmux } from "./tmux.ts";

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

/** Everything a per-worker command needs. */
export interface Worker {
  meta: WorkerMeta;
  paths: WorkerPaths;
  tmux: Tmux;
  harness: Harness;
}

/** Loads worker `name` from the worker dir, or throws a clear error when it is unknown. */
export function loadWorker(name: string): Worker {
  validateWorkerName(name);
  const meta = readMeta(name);
  if (!meta) {
    throw new CsdError(`No worker named "${name}" in ${workerDir()} (see csd list --all)`);
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

/** The worker name a per-worker command was given (`--worker`, added by the shim). */
export function requireWorkerFlag(value: string | undefined): string {
  if (!value) {
    throw new UsageError(
      "Missing --worker <name> (run this through the worker's shim or `csd --worker <name>`)",
    );
  }
  return validateWorkerName(value);
}

/**
 * The newest transcript path: a hook's `transcript_path` beats the launch-time guess (Claude
 * cuts and hashes long project paths).
 */
export function transcriptPath(meta: WorkerMeta, reported: string | undefined): string | null {
  return reported ?? meta.transcript_path;
}
