/**
 * The approval policy (`launch --policy FILE`): ordered rules over the shared tool vocabulary,
 * first match wins, then the default. Validated once at launch by lib/approval/policy_file.ts;
 * this half (matching) is zod-free: the hook runs it on every gated call.
 *
 * Matching is text matching, not shell parsing: an `allow` glob such as `git status*` would also
 * match `git status; rm -rf ~`. So an `allow` GLOB never matches a command line holding a shell
 * control operator, substitution or redirection (`;` `&` `|` `` ` `` `$(` `>` `<` newline) unless
 * the pattern itself spells that character; a `/regex/` is taken as written. Likewise an `allow`
 * rule over the files of a multi-file edit matches only when EVERY file matches, a `deny`/`ask`
 * rule when ANY does.
 */
import type { ApprovalPolicy, ApprovalRule } from "../schema.ts";
import type { HarnessName } from "../vocabulary.ts";
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
 * Compiles a policy already checked against its shape (by lib/approval/policy_file.ts for a
 * user's file, by the hook for a worker's installed copy).
 * @throws {CsdError} naming `source` and the rule whose pattern does not compile
 */
export function compileCheckedPolicy(policy: ApprovalPolicy, source: string): CompiledPolicy {
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
