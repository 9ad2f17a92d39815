/**
 * A gate verdict in the form each harness honours, measured on the real CLIs under the bypass
 * flags csd launches with (tests/approval_probe_real_test.ts; Claude Code 2.1.197 and 2.1.332,
 * Codex 0.169.0 and 0.171.0, Pi 0.73.1 and 1.6.0):
 *
 * - Claude Code PreToolUse: `permissionDecision: "deny"` (JSON on stdout, exit 0) blocks even under
 *   --dangerously-skip-permissions, and the model's next request carries the reason as the tool
 *   result; exit 2 with the reason on stderr blocks the same way. `"ask"` opens a confirmation
 *   dialog EVEN under bypass (the worker then sits at it; converse times out): never answer ask.
 *   No output, malformed output, exit 1 and a hook past its `timeout` all let the call run.
 *   `"allow"` + `updatedInput: {questions, answers: {<question>: <label>}}` answers
 *   AskUserQuestion on 2.1.332 (the model gets `Your questions have been answered: "Q"="A"…`).
 * - Codex PreToolUse (tool_name "Bash" for its shell tool): only `permissionDecision: "deny"`, the
 *   legacy `{"decision":"block","reason"}` or exit 2 + stderr block, each with the reason in the
 *   next request's function_call_output. `"ask"`, `"allow"`, malformed output, exit 1 and a hook
 *   past its `timeout` (killed at exactly the timeout) all FAIL OPEN: the call runs. So allow is
 *   no output at all, and deny is the JSON deny.
 * - Pi `tool_call`: an async handler is awaited; `{block: true, reason}` stops the call and the
 *   model gets the reason; undefined or `{block: false}` lets it run; a handler that throws blocks
 *   it ("Extension failed, blocking execution").
 */
import type { GateVerdict } from "./gate.ts";

/** What a hook program prints and exits with. */
export interface HookAnswer {
  stdout: string;
  exitCode: number;
}

/** The PreToolUse hook's answer for Claude Code or Codex. */
export function hookAnswer(
  harness: "claude" | "codex",
  verdict: GateVerdict,
  toolInput: unknown,
): HookAnswer {
  if (verdict.decision === "deny") {
    return {
      stdout: JSON.stringify({
        hookSpecificOutput: {
          hookEventName: "PreToolUse",
          permissionDecision: "deny",
          permissionDecisionReason: denialReason(verdict),
        },
      }) + "\n",
      exitCode: 0,
    };
  }
  // Claude: an answered question is an allow carrying the answers in the tool's own input.
  if (harness === "claude" && verdict.answers !== undefined) {
    const input = toolInput && typeof toolInput === "object" ? toolInput : {};
    return {
      stdout: JSON.stringify({
        hookSpecificOutput: {
          hookEventName: "PreToolUse",
          permissionDecision: "allow",
          updatedInput: { ...input, answers: verdict.answers },
        },
      }) + "\n",
      exitCode: 0,
    };
  }
  // Under the bypass flags no output is an allow for both; for Codex it is the only safe one.
  return { stdout: "", exitCode: 0 };
}

/** The Pi extension's `tool_call` return value. */
export function piAnswer(verdict: GateVerdict): { block: true; reason: string } | undefined {
  return verdict.decision === "deny" ? { block: true, reason: denialReason(verdict) } : undefined;
}

/** The text the model reads on a denial: the decider's reason, or who denied it. */
export function denialReason(verdict: GateVerdict): string {
  if (verdict.reason) return verdict.reason;
  switch (verdict.by) {
    case "policy":
      return verdict.rule === undefined
        ? "Denied by the approval policy's default"
        : `Denied by approval policy rule ${verdict.rule}`;
    case "timeout":
      return "Denied: no approval arrived in time";
    default:
      return "Denied by the controller";
  }
}
