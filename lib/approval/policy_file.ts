/**
 * A user's policy file (`launch --policy FILE`), validated with the one zod schema (lib/schema.ts
 * `ApprovalPolicy`, defaults filled in), and the worker's policy copy launch/adopt write from it.
 * A bad file is one line naming the file, the field and why. The hook never loads this module
 * (zod costs its start-up): it reads the copy through lib/approval/worker_policy.ts.
 */
import type { ApprovalPaths } from "../paths.ts";
import { ApprovalPolicy } from "../schema.ts";
import { CsdError } from "../cli/errors.ts";
import { compileCheckedPolicy, type CompiledPolicy } from "./policy.ts";
import { ensureApprovalDir } from "./store.ts";

/**
 * Reads, validates and compiles a policy file.
 * @throws {CsdError} one line: `Cannot load policy FILE: FIELD: REASON`
 */
export function loadPolicy(path: string): CompiledPolicy {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : error instanceof Deno.errors.IsADirectory
      ? "is a directory"
      : (error instanceof Error ? error.message : String(error));
    throw new CsdError(`Cannot load policy "${path}": ${why}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new CsdError(`Cannot load policy "${path}": not JSON: ${why}`);
  }
  return compilePolicy(raw, path);
}

/**
 * Validates and compiles a parsed policy.
 * @throws {CsdError} naming `source`, the first bad field and the reason
 */
export function compilePolicy(raw: unknown, source: string): CompiledPolicy {
  const parsed = ApprovalPolicy.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CsdError(
      `Cannot load policy "${source}": ${fieldName(issue.path)}: ${describeIssue(issue)}`,
    );
  }
  return compileCheckedPolicy(parsed.data, source);
}

/** Writes the worker's policy copy with its resolved timeout (read by the hook on each call). */
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

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(top level)";
  return path.map((p, i) => typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)
    .join("");
}

interface Issue {
  code: string;
  path: readonly PropertyKey[];
  expected?: unknown;
  values?: readonly unknown[];
  keys?: readonly string[];
  minimum?: unknown;
  origin?: string;
  inclusive?: boolean;
  maximum?: unknown;
  input?: unknown;
}

/** zod/mini carries no messages: say it in the project's voice. */
function describeIssue(raw: unknown): string {
  const issue = raw as Issue;
  switch (issue.code) {
    case "invalid_type":
      return `expected ${issue.expected}`;
    case "invalid_value":
      return `expected one of ${(issue.values ?? []).map((v) => `"${String(v)}"`).join(", ")}`;
    case "unrecognized_keys":
      return `unknown field${(issue.keys ?? []).length > 1 ? "s" : ""} ${
        (issue.keys ?? []).map((k) => `"${k}"`).join(", ")
      }`;
    case "too_small":
      if (issue.origin === "number") {
        return issue.inclusive === false
          ? `must be greater than ${issue.minimum}`
          : `must be at least ${issue.minimum}`;
      }
      return issue.minimum === 1 ? "must not be empty" : `must be at least ${issue.minimum}`;
    case "too_big":
      return `must be at most ${issue.maximum}`;
    default:
      return "invalid value";
  }
}
