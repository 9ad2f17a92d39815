/**
 * The handle every per-worker module passes around, in a leaf module of its own: the modules
 * that only take a Worker (reconcile, submission, final_text) must not import worker.ts, which
 * imports the harness registry (that made a type-only import cycle through lib/events/query.ts).
 */
import type { Harness } from "../harness/types.ts";
import type { WorkerPaths } from "../paths.ts";
import type { WorkerMeta } from "../schema.ts";
import type { Tmux } from "../tmux.ts";

/** Everything a per-worker command needs. */
export interface Worker {
  meta: WorkerMeta;
  paths: WorkerPaths;
  tmux: Tmux;
  harness: Harness;
}
