/**
 * A worker's policy copy (`<worker dir>/approvals/<name>.policy.json`, 0600): written by
 * launch/adopt (lib/approval/policy_file.ts installPolicy) from `--policy FILE` or `--approval`
 * (no rules: every call asks); read here by the hook on each tool call, without zod. No file: the
 * worker is not gated (its tool calls pass with no added work; only questions wait).
 */
import type { ApprovalPaths } from "../paths.ts";
import { checkInstalledPolicy } from "../shapes.gen.ts";
import {
  DEFAULT_APPROVAL_TIMEOUT_S,
  DEFAULT_ON_TIMEOUT,
  DEFAULT_POLICY_DECISION,
} from "../vocabulary.ts";
import { compileCheckedPolicy, type CompiledPolicy } from "./policy.ts";

/**
 * The worker's policy, or undefined when it is not gated. A copy that no longer parses (edited
 * by hand) gates every call with the default policy rather than letting everything through.
 */
export function readInstalledPolicy(paths: ApprovalPaths): CompiledPolicy | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(paths.policy);
  } catch {
    return undefined;
  }
  try {
    const checked = checkInstalledPolicy(JSON.parse(text));
    if (checked.success) return compileCheckedPolicy(checked.data, paths.policy);
  } catch {
    // Not JSON, or a pattern that no longer compiles: the default policy below.
  }
  return compileCheckedPolicy({
    rules: [],
    default: DEFAULT_POLICY_DECISION,
    timeout_s: DEFAULT_APPROVAL_TIMEOUT_S,
    on_timeout: DEFAULT_ON_TIMEOUT,
  }, paths.policy);
}
