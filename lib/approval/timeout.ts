/**
 * How long a gated call waits, resolved ONCE at launch/adopt (and written into the worker's
 * policy copy), so the hook never parses the environment on the hot path.
 */
import { parseSeconds } from "../cli/main.ts";
import { UsageError } from "../cli/errors.ts";
import {
  DEFAULT_APPROVAL_TIMEOUT_S,
  HOOK_TIMEOUT_MARGIN_S,
  MAX_APPROVAL_TIMEOUT_S,
} from "../vocabulary.ts";
import type { ApprovalPolicy } from "./policy.ts";

export { DEFAULT_APPROVAL_TIMEOUT_S, HOOK_TIMEOUT_MARGIN_S };

/**
 * The PreToolUse hook timeout a harness is given: above the approval timeout, so the gate's own
 * timeout decision is what the harness reads (Claude and Codex let a call run when the hook
 * outlives its timeout). Set on every worker: a question waits on an ungated worker too.
 */
export function preToolUseHookTimeoutS(approvalTimeoutS: number): number {
  return Math.ceil(approvalTimeoutS) + HOOK_TIMEOUT_MARGIN_S;
}

/**
 * `CSD_APPROVAL_TIMEOUT`, else the source documents' `CLAUDE_SESSION_DRIVER_APPROVAL_TIMEOUT`,
 * else the policy's `timeout_s` (default 30), in seconds, at most MAX_APPROVAL_TIMEOUT_S (each
 * harness's hook timeout is set above it).
 * @throws {UsageError} on a value that is not a positive number of seconds within the cap
 */
export function approvalTimeoutSeconds(
  policy: ApprovalPolicy | undefined,
  env: Record<string, string | undefined>,
): number {
  for (const name of ["CSD_APPROVAL_TIMEOUT", "CLAUDE_SESSION_DRIVER_APPROVAL_TIMEOUT"]) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    const seconds = parseSeconds(raw, name);
    if (seconds > MAX_APPROVAL_TIMEOUT_S) {
      throw new UsageError(`Invalid ${name}: "${raw}" is above ${MAX_APPROVAL_TIMEOUT_S} seconds`);
    }
    return seconds;
  }
  return policy?.timeout_s ?? DEFAULT_APPROVAL_TIMEOUT_S;
}
