/** Small queries over a worker's event lines. */
import type { EventLine } from "./schema.ts";

/** The newest transcript path a hook reported, if any. */
export function reportedTranscriptPath(events: EventLine[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const path = events[i]!.transcript_path;
    if (path) return path;
  }
  return undefined;
}

/** The newest session id a hook reported, if any. */
export function reportedSessionId(events: EventLine[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const id = events[i]!.session_id;
    if (id) return id;
  }
  return undefined;
}
