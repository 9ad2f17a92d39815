/**
 * A worker's policy copy (`<worker dir>/approvals/<name>.policy.json`, 0600): written by
 * launch/adopt from `--policy FILE` (validated there, timeout resolved from the environment) or
 * `--approval` (no rules: every call asks); read by the hook on each tool call. No file: the
 * worker is not gated (its tool calls pass with no added work; only questions wait).
 */
import type { ApprovalPaths } from "../paths.ts";
import { ApprovalPolicy } from "../schema.ts";
import { type CompiledPolicy, compilePolicy } from "./policy.ts";
import { ensureApprovalDir } from "./store.ts";

/** Writes the worker's policy copy with its resolved timeout. */
export function installPolicy(
  paths: ApprovalPaths,
  policy: ApprovalPolicy | undefined,
  timeoutS: number,
): void {
  ensureApprovalDir(paths);
  const resolved: ApprovalPolicy = {
    ...(policy ?? ApprovalPolicy.parse({})),
    timeout_s: timeoutS,
  };
  const temp = `${paths.policy}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  Deno.writeTextFileSync(temp, JSON.stringify(resolved, null, 2) + "\n", {
    createNew: true,
    mode: 0o600,
  });
  Deno.renameSync(temp, paths.policy);
}

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
    return compilePolicy(JSON.parse(text), paths.policy);
  } catch {
    return compilePolicy({}, paths.policy);
  }
}
