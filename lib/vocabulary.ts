/**
 * The fixed vocabularies and limits of csd's data shapes, apart from the zod schemas that use them
 * (lib/schema.ts) so the hot paths (the hook, status, list, the event readers) can name them
 * without loading zod.
 */

/** The harnesses csd can drive. */
export const HARNESSES = ["claude", "codex", "pi"] as const;
export type HarnessName = typeof HARNESSES[number];

/** True when `value` names a harness csd can drive. */
export function isHarnessName(value: unknown): value is HarnessName {
  return (HARNESSES as readonly unknown[]).includes(value);
}

/** Every event type an events file may hold. `read-events --type` accepts exactly these. */
export const EVENT_TYPES = [
  "session_start",
  "user_prompt_submit",
  "pre_tool_use",
  "post_tool_use",
  "stop",
  "stop_failure",
  "session_end",
  "notification",
  "subagent_start",
  "subagent_stop",
  "pre_compact",
  "approval_request",
  "approval_decision",
] as const;
export type EventType = typeof EVENT_TYPES[number];

/** What a policy rule (or its default) does with a call. */
export const APPROVAL_DECISIONS = ["allow", "deny", "ask"] as const;

/** A policy's `default` and `on_timeout` when its file does not say. */
export const DEFAULT_POLICY_DECISION = "ask";
export const DEFAULT_ON_TIMEOUT = "allow";

/** The longest a gated call may wait: each harness's hook timeout is set above it (see
 * lib/approval/output.ts for the limits each one honours). */
export const MAX_APPROVAL_TIMEOUT_S = 3600;

/** The timeout when neither the policy nor the environment sets one (the source documents'). */
export const DEFAULT_APPROVAL_TIMEOUT_S = 30;

/** Seconds the harness may run the hook beyond the approval timeout (writing, waking, exiting). */
export const HOOK_TIMEOUT_MARGIN_S = 15;
