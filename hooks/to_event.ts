/**
 * Maps a harness hook payload (Claude Code or Codex) to csd's event line. Pure, so the hook
 * program stays a thin shell around it and the mapping is unit-tested.
 */
import { hookEvent } from "../lib/events/hook_events.ts";
import type { EventLine, HarnessName } from "../lib/schema.ts";

/** A hook's stdin, as far as csd reads it. */
export type HookPayload = Record<string, unknown>;

/** Tool inputs above this size are cut: one event line stays one small atomic append. */
const MAX_TOOL_INPUT_CHARS = 64 * 1024;
const MAX_TEXT_CHARS = 64 * 1024;

/**
 * The event line for a hook payload, or undefined for events csd does not record.
 * @param harness which harness ran the hook
 * @param payload the parsed hook stdin
 * @param now the event time
 */
export function toEventLine(
  harness: HarnessName,
  payload: HookPayload,
  now: Date,
): EventLine | undefined {
  const name = str(payload.hook_event_name);
  const event = hookEvent(name);
  if (event === undefined) return undefined;
  const base: EventLine = {
    ts: now.toISOString(),
    event,
    harness,
    ...optional("session_id", str(payload.session_id)),
    ...optional("turn_id", str(payload.turn_id) ?? str(payload.prompt_id)),
  };
  const transcript = optional("transcript_path", str(payload.transcript_path));
  // The fields each hook carries; the event itself comes from HOOK_EVENTS (lib/events/hook_events.ts).
  switch (name) {
    case "SessionStart":
      return {
        ...base,
        ...transcript,
        ...optional("cwd", str(payload.cwd)),
        ...optional("source", str(payload.source)),
      };
    case "UserPromptSubmit":
      return { ...base, ...transcript, ...optional("prompt", cut(str(payload.prompt))) };
    case "PreToolUse":
      return { ...base, ...tool(payload) };
    case "PostToolUse":
      return { ...base, ...tool(payload, false), success: true };
    case "PostToolUseFailure":
      return {
        ...base,
        ...tool(payload, false),
        success: false,
        ...optional("error", cut(str(payload.error))),
      };
    case "Stop":
      return {
        ...base,
        ...transcript,
        ...optional("last_assistant_message", cut(str(payload.last_assistant_message))),
      };
    case "StopFailure":
      return {
        ...base,
        ...transcript,
        ...optional("error", cut(str(payload.error))),
        ...optional("last_assistant_message", cut(str(payload.last_assistant_message))),
      };
    case "Interrupt":
      return { ...base, ...transcript, error: "interrupted" };
    case "SessionEnd":
      return { ...base, ...optional("reason", str(payload.reason)) };
    case "Notification":
      return {
        ...base,
        ...optional("notification_type", str(payload.notification_type)),
        ...optional("message", cut(str(payload.message))),
      };
    case "SubagentStart":
    case "SubagentStop":
      return {
        ...base,
        ...optional("agent_id", str(payload.agent_id)),
        ...optional("agent_type", str(payload.agent_type)),
      };
    default:
      // PreCompact: the event alone.
      return base;
  }
}

function tool(payload: HookPayload, withInput = true): Partial<EventLine> {
  const fields: Partial<EventLine> = {
    ...optional("tool", str(payload.tool_name)),
    ...optional("tool_use_id", str(payload.tool_use_id)),
  };
  if (withInput && payload.tool_input !== undefined) {
    const json = JSON.stringify(payload.tool_input);
    fields.tool_input = json.length <= MAX_TOOL_INPUT_CHARS
      ? payload.tool_input
      : { truncated: true, preview: json.slice(0, MAX_TOOL_INPUT_CHARS) };
  }
  return fields;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function cut(value: string | undefined): string | undefined {
  if (value === undefined || value.length <= MAX_TEXT_CHARS) return value;
  return `${value.slice(0, MAX_TEXT_CHARS)}…[truncated ${value.length - MAX_TEXT_CHARS} chars]`;
}

// exactOptionalPropertyTypes: a key is either present with a value or absent, never undefined.
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
