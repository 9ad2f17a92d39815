/**
 * The hook events csd records, per harness that reports through hooks (Pi reports through csd's
 * extension instead): the hook's name → the csd event it becomes. The one list the settings
 * writers (Claude's `--settings`, Codex's hooks.json) wire and the hook program maps; a name
 * added to only one of them was silently dropped. tests/hook_test.ts ties it to what the hook
 * records. Imports no value: the hook program loads it on every tool call.
 */
import type { EventType } from "../schema.ts";

/** Claude's hook events (WorktreeCreate/Remove are left alone: a hook there changes how worktrees
 * are created). */
const CLAUDE = {
  SessionStart: "session_start",
  UserPromptSubmit: "user_prompt_submit",
  PreToolUse: "pre_tool_use",
  PostToolUse: "post_tool_use",
  PostToolUseFailure: "post_tool_use",
  Stop: "stop",
  StopFailure: "stop_failure",
  SessionEnd: "session_end",
  Notification: "notification",
  SubagentStart: "subagent_start",
  SubagentStop: "subagent_stop",
  PreCompact: "pre_compact",
} as const satisfies Record<string, EventType>;

/** Codex 0.169's hook events. It fires Interrupt (and no Stop) when a turn is cut short: a turn
 * end, not a success. */
const CODEX = {
  SessionStart: "session_start",
  UserPromptSubmit: "user_prompt_submit",
  PreToolUse: "pre_tool_use",
  PostToolUse: "post_tool_use",
  Stop: "stop",
  Interrupt: "stop_failure",
  SessionEnd: "session_end",
  SubagentStart: "subagent_start",
  SubagentStop: "subagent_stop",
  PreCompact: "pre_compact",
} as const satisfies Record<string, EventType>;

/** Hook name → csd event, per hooked harness. */
export const HOOK_EVENTS = { claude: CLAUDE, codex: CODEX } as const;

/** The hook names a harness's settings wire, in a stable order. */
export function hookNames<H extends keyof typeof HOOK_EVENTS>(
  harness: H,
): (keyof (typeof HOOK_EVENTS)[H])[] {
  return Object.keys(HOOK_EVENTS[harness]) as (keyof (typeof HOOK_EVENTS)[H])[];
}

/**
 * The csd event a hook named `name` becomes, or undefined when csd does not record it. Looked up
 * across harnesses, as the hook always did (a name means the same event in each).
 */
export function hookEvent(name: string | undefined): EventType | undefined {
  if (name === undefined) return undefined;
  for (const events of Object.values(HOOK_EVENTS)) {
    if (Object.hasOwn(events, name)) return (events as Record<string, EventType>)[name];
  }
  return undefined;
}
