/**
 * Every subcommand, once. The dispatcher's lists (tools/subcommands.sh, generated from this by
 * `make subcommands`, which the Makefile's SUBCOMMANDS also reads), the shim's list and `csd
 * help`'s USAGE section all come from here; tests/registry_test.ts fails when any of them
 * disagrees. A new subcommand is one entry here plus its module commands/<name>.ts.
 */

/** `top` runs as `csd <name>`; `worker` acts on one worker (its shim or `csd --worker`). */
export type Scope = "top" | "worker";

export interface Subcommand {
  readonly name: string;
  readonly scope: Scope;
  /** The arguments after the name, as `csd help` shows them. */
  readonly usage: string;
}

export const SUBCOMMANDS: readonly Subcommand[] = [
  {
    name: "launch",
    scope: "top",
    usage:
      "[--harness claude|codex|pi] [--worktree [<branch>]] [--approval | --policy <file>] [--json] <name> <cwd> [-- harness-args...]",
  },
  {
    name: "adopt",
    scope: "top",
    usage:
      "[--harness claude|codex|pi] [--approval | --policy <file>] <name> <cwd> <session-id> [-- harness-args...]",
  },
  { name: "list", scope: "top", usage: "[--all] [--json] [<pattern>]" },
  { name: "prune", scope: "top", usage: "" },
  { name: "grant-consent", scope: "top", usage: "[--yes | --revoke]" },
  { name: "doctor", scope: "top", usage: "[--json]" },
  { name: "wait", scope: "top", usage: "[--all] [--timeout S] [--json] <name|shim>..." },
  { name: "help", scope: "top", usage: "" },
  { name: "converse", scope: "worker", usage: "[--with-turn] [--json] <prompt> [timeout=120]" },
  { name: "send", scope: "worker", usage: "[--command] <prompt>" },
  { name: "wait-for-turn", scope: "worker", usage: "[timeout=60] [--after-line N] [--json]" },
  { name: "status", scope: "worker", usage: "[--json]" },
  { name: "read-events", scope: "worker", usage: "[--last N] [--type T] [--follow]" },
  { name: "read-turn", scope: "worker", usage: "[--full] [--json]" },
  { name: "stop", scope: "worker", usage: "" },
  { name: "handoff", scope: "worker", usage: "" },
  { name: "session-id", scope: "worker", usage: "" },
  { name: "events-file", scope: "worker", usage: "" },
  { name: "usage", scope: "worker", usage: "[--json]" },
  { name: "pending", scope: "worker", usage: "" },
  { name: "approve", scope: "worker", usage: "[<id>]" },
  { name: "deny", scope: "worker", usage: "[<id>] [--reason TEXT]" },
  { name: "answer", scope: "worker", usage: "[<id>] <text>..." },
];

/**
 * Command modules written ahead of their wiring (issue 13's groundwork on main): in commands/
 * but not installed, dispatched or in help. Wiring one is moving it into SUBCOMMANDS.
 */
export const NOT_WIRED_YET: readonly string[] = [];

/** The names of one scope, in registry order. */
export function subcommandNames(scope: Scope): string[] {
  return SUBCOMMANDS.filter((sub) => sub.scope === scope).map((sub) => sub.name);
}

/** `csd help`'s USAGE lines: top-level commands, a blank line, then the worker commands. */
export function usageLines(): string {
  const line = (prefix: string, sub: Subcommand) =>
    `  ${prefix} ${sub.name}${sub.usage ? ` ${sub.usage}` : ""}`;
  const top = SUBCOMMANDS.filter((sub) => sub.scope === "top").map((sub) => line("csd", sub));
  const worker = SUBCOMMANDS.filter((sub) => sub.scope === "worker").map((sub) =>
    line("<shim>", sub)
  );
  return [...top, "", ...worker].join("\n");
}

/** tools/subcommands.sh, which the dispatcher sources and the Makefile reads. */
export function renderShellList(): string {
  return [
    "# Generated from commands/registry.ts by `make subcommands`: do not edit.",
    "# Sourced by tools/dispatcher.sh and read by the Makefile (SUBCOMMANDS).",
    `TOP_SUBCOMMANDS="${subcommandNames("top").join(" ")}"`,
    `WORKER_SUBCOMMANDS="${subcommandNames("worker").join(" ")}"`,
    "",
  ].join("\n");
}
