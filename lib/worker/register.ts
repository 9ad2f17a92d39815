/**
 * Registering a session id the harness minted itself. Codex picks its id at launch but reports
 * it through hooks only at the first prompt; its thread lock file shows it about a second after
 * start. Until registered, csd still drives the worker by name.
 */
import { dirname } from "../path.ts";
import type { Harness } from "../harness/types.ts";
import { readEventsFrom } from "../events/jsonl.ts";
import { isOwnEvent } from "../events/query.ts";
import { writeMeta } from "./meta.ts";
import type { WorkerPaths } from "../paths.ts";
import type { WorkerMeta } from "../schema.ts";
import { secondsSetting } from "../cli/config.ts";
import { waitUntil } from "../wait.ts";

/**
 * The worker's session id, waiting up to CSD_REGISTER_TIMEOUT (default 15 s) for the harness to
 * reveal it; null when it has not. A newly found id is written to the meta.
 */
export async function registerSessionId(
  harness: Harness,
  meta: WorkerMeta,
  paths: WorkerPaths,
): Promise<string | null> {
  if (meta.session_id) return meta.session_id;
  const seconds = secondsSetting("CSD_REGISTER_TIMEOUT");
  const watch = [dirname(paths.events), ...(meta.harness_home ? [meta.harness_home] : [])];
  const found = await waitUntil<string>(
    () =>
      harness.discoverSessionId(
        meta,
        // A dying earlier worker of this name may report its own (old) session id.
        readEventsFrom(paths.events).map((e) => e.event).filter((e) => isOwnEvent(meta, e)),
      ) ?? undefined,
    { watch, deadline: Date.now() + seconds * 1000, pollMs: 100 },
  );
  if (!found) return null;
  writeMeta({ ...meta, session_id: found }, dirname(paths.meta));
  return found;
}
