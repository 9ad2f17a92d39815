/**
 * One tool vocabulary shared by the three harnesses, so a policy rule says `shell` once instead
 * of `Bash` (Claude Code), the shell/exec tools (Codex) and `bash` (Pi). Also what a call
 * "touches": the command line of a shell call, the file path(s) of a file call — what a rule's
 * `match` is tested against.
 */
import type { HarnessName } from "../schema.ts";

/** The shared names. A rule's `tool` may also name a harness's own tool (`Bash`, `apply_patch`). */
export const TOOL_KINDS = [
  "shell",
  "read",
  "write",
  "edit",
  "search",
  "fetch",
  "question",
  "task",
  "mcp",
] as const;
export type ToolKind = typeof TOOL_KINDS[number];

/**
 * Harness tool names by shared name. Codex's PreToolUse hook reports its shell call as `Bash`
 * (0.169 and 0.171, measured), whatever the model called (`exec_command`, `shell`); the raw names
 * are listed too so a rule written against a model transcript still matches.
 */
const KINDS: Record<HarnessName, Record<string, ToolKind>> = {
  claude: {
    Bash: "shell",
    Read: "read",
    Write: "write",
    Edit: "edit",
    MultiEdit: "edit",
    NotebookEdit: "edit",
    Grep: "search",
    Glob: "search",
    LS: "search",
    WebFetch: "fetch",
    WebSearch: "fetch",
    AskUserQuestion: "question",
    Task: "task",
    Agent: "task",
  },
  codex: {
    Bash: "shell",
    exec_command: "shell",
    shell: "shell",
    local_shell: "shell",
    unified_exec: "shell",
    apply_patch: "edit",
    ApplyPatch: "edit",
    web_search: "fetch",
  },
  pi: {
    bash: "shell",
    read: "read",
    write: "write",
    edit: "edit",
    grep: "search",
    find: "search",
    ls: "search",
  },
};

/** The shared name of a harness's tool, or undefined for a tool outside the vocabulary. */
export function toolKind(harness: HarnessName, tool: string): ToolKind | undefined {
  if (Object.hasOwn(KINDS[harness], tool)) return KINDS[harness][tool];
  // MCP tools are named mcp__<server>__<tool> by Claude and Codex.
  if (tool.startsWith("mcp__")) return "mcp";
  return undefined;
}

/**
 * What a call touches, as the strings a rule's `match` is tested against: the command line of a
 * shell call; the file path(s) of a file call (every file an apply_patch names); the URL or
 * query of a fetch; the pattern of a search. Empty when the call touches nothing matchable.
 */
export function callSubjects(kind: ToolKind | undefined, input: unknown): string[] {
  const fields = isRecord(input) ? input : {};
  const text = (...keys: string[]) =>
    keys.map((k) => fields[k]).filter((v): v is string => typeof v === "string");
  switch (kind) {
    case "shell": {
      const command = fields.command ?? fields.cmd;
      // Codex's shell tool may carry argv (["bash", "-lc", "…"]): the script is the last word.
      if (Array.isArray(command)) {
        const words = command.filter((w): w is string => typeof w === "string");
        return words.length > 0 ? [shellScript(words)] : [];
      }
      return typeof command === "string" ? [command] : [];
    }
    case "read":
    case "write":
      return text("file_path", "path", "notebook_path");
    case "edit": {
      const patch = text("patch", "input")[0];
      return patch !== undefined ? patchPaths(patch) : text("file_path", "path", "notebook_path");
    }
    case "search":
      return text("pattern", "path", "query");
    case "fetch":
      return text("url", "query");
    default:
      return [];
  }
}

function shellScript(words: string[]): string {
  const shells = new Set(["bash", "sh", "zsh", "/bin/bash", "/bin/sh", "/usr/bin/bash"]);
  if (words.length === 3 && shells.has(words[0]!) && /^-l?c$/.test(words[1]!)) return words[2]!;
  return words.join(" ");
}

/** Every file an apply_patch envelope adds, updates, deletes or moves to. */
export function patchPaths(patch: string): string[] {
  const paths: string[] = [];
  for (const line of patch.split("\n")) {
    const m = /^\*\*\* (?:Add|Update|Delete) File: (.+)$|^\*\*\* Move to: (.+)$/.exec(line.trim());
    const path = m?.[1] ?? m?.[2];
    if (path) paths.push(path.trim());
  }
  return paths;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
