/** `csd launch`: start a worker and print its shim path. */
import { err, out, parse, printHelp, runMain, splitPassThrough, stringFlag } from "../lib/cli.ts";
import { UsageError } from "../lib/errors.ts";
import { APPROVAL_FLAGS, approvalRequest, startWorker } from "../lib/launch.ts";
import { panel } from "../lib/panel.ts";
import { HarnessName } from "../lib/schema.ts";

export const HELP = `csd launch — start a coding-agent worker in tmux

USAGE:
  csd launch [--harness claude|codex|pi] [--approval | --policy <file>] <name> <cwd>
             [-- harness-args...]

Starts the harness (default claude) with permission prompts bypassed in a detached tmux
session named <name>, waits until it is ready, and prints the worker's shim path on stdout.
A "Worker launched." panel goes to stderr. Requires \`csd grant-consent\` once per machine.

ARGS:
  <name>   letters, digits, "_" and "-" (becomes the tmux session and file names)
  <cwd>    an existing folder the worker runs in

OPTIONS:
  --harness <h>     claude (default), codex or pi
  --approval        every tool call waits for a decision (see pending, approve, deny)
  --policy <file>   a JSON approval policy decides; what it leaves to "ask" waits
                    (schema/policy.schema.json; a bad file refuses the launch)
  -h, --help        show this help

EXIT CODES: 0 launched, 1 failed (name taken, no such cwd, no consent, not ready in time),
  2 usage error (a bad policy file or approval timeout too).`;

/** Parses launch's arguments. */
export function parseLaunchArgs(argv: string[]) {
  const { own, rest } = splitPassThrough(argv);
  const parsed = parse(own, APPROVAL_FLAGS, {
    unknownHint: " (a worker name starts with a letter or digit; harness arguments go after --)",
  });
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
  return {
    help: false as const,
    harness: harness.data,
    name,
    cwd,
    args: rest,
    ...approvalRequest(parsed),
  };
}

export async function main(argv: string[]): Promise<number> {
  const args = parseLaunchArgs(argv);
  if (args.help) {
    printHelp(HELP);
    return 0;
  }
  const started = await startWorker(args);
  err(panel("Worker launched.", started));
  out(`${started.shim}\n`);
  return 0;
}

if (import.meta.main) await runMain(main, HELP);
