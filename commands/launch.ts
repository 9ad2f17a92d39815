/** `csd launch`: start a worker and print its shim path. */
import {
  err,
  out,
  parse,
  printHelp,
  runMain,
  splitPassThrough,
  stringFlag,
} from "../lib/cli/main.ts";
import { UsageError } from "../lib/cli/errors.ts";
import {
  APPROVAL_FLAGS,
  approvalRequest,
  type Started,
  startWorker,
} from "../lib/worker/launch.ts";
import type { LaunchOutput } from "../lib/cli/output_schema.ts";
import { panel } from "../lib/cli/panel.ts";
import { HarnessName } from "../lib/schema.ts";
import { startRemoteWorker } from "../lib/remote/launch.ts";

export const HELP = `csd launch — start a coding-agent worker in tmux

USAGE:
  csd launch [--target <uri>] [--harness claude|codex|pi] [--worktree [<branch>]]
             [--approval | --policy <file>] [--json] <name> <cwd> [-- harness-args...]

Starts the harness (default claude) with permission prompts bypassed in a detached tmux
session named <name>, waits until it is ready, and prints the worker's shim path on stdout.
A "Worker launched." panel goes to stderr. Requires \`csd grant-consent\` once per machine.

ARGS:
  <name>   letters, digits, "_" and "-" (becomes the tmux session and file names)
  <cwd>    an existing folder the worker runs in

OPTIONS:
  --harness <h>     claude (default), codex or pi
  --target <uri>    run the worker on ssh://[user@]host[:port] (a host alias of your ssh config
                    works), docker://<container> or docker-run://<image> (a container created
                    now, removed at stop); <cwd> is a path there. csd installs itself on the
                    target on first use; the shim printed is local and drives it the same way
  --worktree [b]    run in a new git worktree of <cwd>'s repository, at
                    <repo>/.csd-worktrees/<name> (git-ignored locally), on a new branch
                    csd/<name> from HEAD or on branch b; files .worktreeinclude lists are copied
  --approval        every tool call waits for a decision (see pending, approve, deny)
  --policy <file>   a JSON approval policy decides; what it leaves to "ask" waits
                    (schema/policy.schema.json; a bad file refuses the launch)
  --json            print one JSON document (name, shim, harness, harness_version, session_id,
                    tmux_socket, tmux_session_id, tmux_pane_id, cwd, events_file, worktree)
                    instead of the shim path (not with --target)
  -h, --help        show this help

EXIT CODES: 0 launched, 1 failed (name taken, no such cwd, no consent, not ready in time),
  2 usage error (a bad policy file or approval timeout too).`;

/** Parses launch's arguments. */
export function parseLaunchArgs(argv: string[]) {
  const { own: given, rest } = splitPassThrough(argv);
  const { own, worktree } = takeWorktreeFlag(given);
  const parsed = parse(
    own,
    { ...APPROVAL_FLAGS, json: { type: "boolean" }, target: { type: "string" } },
    {
      unknownHint: " (a worker name starts with a letter or digit; harness arguments go after --)",
    },
  );
  if (parsed.help) return { help: true as const };
  const harness = HarnessName.safeParse(stringFlag(parsed, "harness") ?? "claude");
  if (!harness.success) {
    throw new UsageError(
      `Unknown harness "${stringFlag(parsed, "harness")}": use claude, codex or pi`,
    );
  }
  const [name, cwd, ...extra] = parsed.positionals;
  if (!name || !cwd) throw new UsageError("launch needs <name> and <cwd>");
  if (extra.length > 0) {
    throw new UsageError(`Unexpected argument "${extra[0]}" (pass harness arguments after --)`);
  }
  const target = stringFlag(parsed, "target");
  return {
    help: false as const,
    harness: harness.data,
    name,
    cwd,
    args: rest,
    json: parsed.values.json === true,
    ...(worktree ? { worktree } : {}),
    ...approvalRequest(parsed),
    ...(target !== undefined ? { target } : {}),
  };
}

/**
 * `--worktree` takes an optional branch: `--worktree=<b>`, or `--worktree <b>` when three
 * positionals follow (branch, name, cwd). Taken out before parsing, which knows no optional values.
 */
function takeWorktreeFlag(argv: string[]): { own: string[]; worktree?: { branch?: string } } {
  const index = argv.findIndex((a) => a === "--worktree" || a.startsWith("--worktree="));
  if (index < 0) return { own: argv };
  const flag = argv[index]!;
  const own = argv.filter((_, i) => i !== index);
  if (flag.startsWith("--worktree=")) {
    return { own, worktree: { branch: flag.slice("--worktree=".length) } };
  }
  const next = argv[index + 1];
  const positionals = own.filter((a, i) =>
    !a.startsWith("-") && !VALUED_FLAGS.has(own[i - 1] ?? "")
  );
  if (next !== undefined && !next.startsWith("-") && positionals.length === 3) {
    return { own: own.filter((_, i) => i !== index), worktree: { branch: next } };
  }
  return { own, worktree: {} };
}

/** Flags whose value is the next argument (not a positional). */
const VALUED_FLAGS = new Set(["--harness", "--policy"]);

export async function main(argv: string[]): Promise<number> {
  const args = parseLaunchArgs(argv);
  if (args.help) {
    printHelp(HELP);
    return 0;
  }
  if (args.target !== undefined) {
    if (args.json) throw new UsageError("--json is not available with --target yet");
    return await startRemoteWorker({ ...args, target: args.target });
  }
  const started = await startWorker(args);
  err(panel("Worker launched.", started));
  if (args.json) out(`${JSON.stringify(launchOutput(started))}\n`);
  else out(`${started.shim}\n`);
  return 0;
}

/** `launch --json` (and adopt's): how to address the new worker (lib/cli/output_schema.ts). */
export function launchOutput(started: Started): LaunchOutput {
  const { meta } = started;
  return {
    name: meta.name,
    shim: started.shim,
    harness: meta.harness,
    harness_version: meta.harness_version ?? null,
    session_id: meta.session_id,
    tmux_socket: meta.tmux_socket,
    tmux_session_id: meta.tmux_session_id,
    tmux_pane_id: meta.tmux_pane_id,
    cwd: meta.cwd,
    events_file: meta.events_file,
    worktree: meta.worktree ? { path: meta.worktree.path, branch: meta.worktree.branch } : null,
  };
}

if (import.meta.main) await runMain(main, HELP);
