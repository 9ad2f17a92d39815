/** Small queries over a worker's event lines. */
import type { EventLine } from "./schema.ts";
import type { WorkerStatus } from "./status.ts";

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

/**
 * The status the events alone imply, or undefined when they hold no event at all. The last
 * turn event decides; session_start only counts when nothing else happened since launch, because
 * Claude also fires it mid-turn (compaction) and Codex only at the first prompt.
 */
export function statusFromEvents(events: EventLine[]): WorkerStatus | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    switch (events[i]!.event) {
      case "session_end":
        return "terminated";
      case "stop":
      case "stop_failure":
        return "idle";
      case "user_prompt_submit":
      case "pre_tool_use":
      case "post_tool_use":
      case "subagent_start":
      case "subagent_stop":
      case "pre_compact":
        return "working";
      case "session_start":
      case "notification":
        continue;
    }
  }
  return events.length > 0 ? "idle" : undefined;
}

/**
 * True when the harness's last lifecycle event is a session_end: a session_start after it is a
 * new session in the same process (Pi's /new and /reload, Claude's /clear), which takes prompts.
 */
export function sessionEnded(events: EventLine[]): boolean {
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i]!.event === "session_start") return false;
    if (events[i]!.event === "session_end") return true;
  }
  return false;
}
