/**
 * The approval policy (`launch --policy FILE`): ordered rules over the shared tool vocabulary,
 * first match wins, then the default. Validated once at launch with the one zod schema
 * (lib/schema.ts `ApprovalPolicy`); a bad file is one line naming the file, the field and why.
 *
 * Matching is text matching, not shell parsing: an `allow` glob such as `git status*` would also
 * match `git status; rm -rf ~`. So an `allow` GLOB never matches a command line holding a shell
 * control operator, substitution or redirection (`;` `&` `|` `` ` `` `$(` `>` `<` newline) unless
 * the pattern itself spells that character; a `/regex/` is taken as written. Likewise an `allow`
 * rule over the files of a multi-file edit matches only when EVERY file matches, a `deny`/`ask`
 * rule when ANY does.
 */
import { ApprovalPolicy, type ApprovalRule, type HarnessName } from "../schema.ts";
import { CsdError } from "../cli/errors.ts";
import { callSubjects, type ToolKind, toolKind } from "./tools.ts";

export type { ApprovalPolicy };

/** A policy with its patterns compiled (regexes checked at load, never at call time). */
export interface CompiledPolicy {
  policy: ApprovalPolicy;
  rules: CompiledRule[];
}

interface CompiledRule {
  rule: ApprovalRule;
  tool: RegExp;
  match: Matcher | undefined;
}

interface Matcher {
  regex: RegExp;
  /** A glob (not a /regex/): subject to the compound-command guard on allow rules. */
  glob: boolean;
  pattern: string;
}

/** The verdict of a policy on one call. */
export interface PolicyVerdict {
  decision: "allow" | "deny" | "ask";
  /** The index of the deciding rule; undefined when the default decided. */
  rule: number | undefined;
  reason: string | undefined;
}

/** A tool call as the gate sees it. */
export interface ToolCall {
  harness: HarnessName;
  /** The harness's own tool name (`Bash`, `exec_command`, `bash`). */
  tool: string;
  input: unknown;
}

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
  const policy = parsed.data;
  const rules = policy.rules.map((rule, index) => {
    try {
      return {
        rule,
        tool: globRegex(rule.tool),
        match: rule.match === undefined ? undefined : compileMatch(rule.match),
      };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new CsdError(`Cannot load policy "${source}": rules[${index}].match: ${why}`);
    }
  });
  return { policy, rules };
}

/** What the policy says about `call`: the first rule that fits, else the default. */
export function decide(compiled: CompiledPolicy, call: ToolCall): PolicyVerdict {
  const kind = toolKind(call.harness, call.tool);
  const subjects = callSubjects(kind, call.input);
  for (const [index, { rule, tool, match }] of compiled.rules.entries()) {
    if (!toolMatches(tool, call.tool, kind)) continue;
    if (match && !subjectsMatch(match, subjects, rule.decision, kind)) continue;
    return { decision: rule.decision, rule: index, reason: rule.reason };
  }
  return { decision: compiled.policy.default, rule: undefined, reason: undefined };
}

function toolMatches(tool: RegExp, name: string, kind: ToolKind | undefined): boolean {
  return tool.test(name) || (kind !== undefined && tool.test(kind));
}

/** Shell control operators, substitutions and redirections. */
const COMPOUND = /[;&|`<>\n]|\$\(/g;

function subjectsMatch(
  match: Matcher,
  subjects: string[],
  decision: ApprovalRule["decision"],
  kind: ToolKind | undefined,
): boolean {
  if (subjects.length === 0) return false;
  const one = (subject: string) => {
    if (!match.regex.test(subject)) return false;
    if (decision !== "allow" || !match.glob || kind !== "shell") return true;
    const operators = subject.match(COMPOUND) ?? [];
    return operators.every((op) => match.pattern.includes(op));
  };
  return decision === "allow" ? subjects.every(one) : subjects.some(one);
}

/** `/body/flags` is a regex (unanchored, as written); anything else is a glob over the whole. */
function compileMatch(pattern: string): Matcher {
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
  if (regex) {
    const flags = regex[2]!.replace(/[gy]/g, "");
    try {
      return { regex: new RegExp(regex[1]!, flags), glob: false, pattern };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(
        `bad regular expression "${pattern}": ${why.replace(/^Invalid regular expression: /, "")}`,
      );
    }
  }
  return { regex: globRegex(pattern), glob: true, pattern };
}

/**
 * A glob as an anchored regex: `*` is any run of characters (`/` and spaces included: a command
 * line is not a path), `?` one character, `[…]` a class; `\` escapes the next character.
 */
export function globRegex(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "\\" && i + 1 < glob.length) out += escapeRegex(glob[++i]!);
    else if (c === "*") out += "[\\s\\S]*";
    else if (c === "?") out += "[\\s\\S]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) out += "\\[";
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, "\\\\");
        out += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else out += escapeRegex(c);
  }
  return new RegExp(`^${out}$`);
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\\/]/g, "\\$&");
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
