/** `csd launch`: start a worker and print its shim path. */
import { err, out, parse, printHelp, runMain, splitPassThrough, stringFlag } from "../lib/cli.ts";
import { UsageError } from "../lib/errors.ts";
import { startWorker } from "../lib/launch.ts";
import { panel } from "../lib/panel.ts";
import { HarnessName } from "../lib/schema.ts";
import { startRemoteWorker } from "../lib/remote_launch.ts";

export const HELP = `csd launch — start a coding-agent worker in tmux

USAGE:
  csd launch [--target <uri>] [--harness claude|codex|pi] <name> <cwd> [-- harness-args...]

Starts the harness (default claude) with permission prompts bypassed in a detached tmux
session named <name>, waits until it is ready, and prints the worker's shim path on stdout.
A "Worker launched." panel goes to stderr. Requires \`csd grant-consent\` once per machine.

ARGS:
  <name>   letters, digits, "_" and "-" (becomes the tmux session and file names)
  <cwd>    an existing folder the worker runs in

OPTIONS:
  --harness <h>   claude (default), codex or pi
  --target <uri>  run the worker on ssh://[user@]host[:port] (a host alias of your ssh config
                  works), docker://<container> or docker-run://<image> (a container created
                  now, removed at stop); <cwd> is a path there. csd installs itself on the
                  target on first use; the shim printed is local and drives it the same way
  -h, --help      show this help

EXIT CODES: 0 launched, 1 failed (name taken, no such cwd, no consent, not ready in time),
  2 usage error.`;

/** Parses launch's arguments. */
export function parseLaunchArgs(argv: string[]) {
  const { own, rest } = splitPassThrough(argv);
  const parsed = parse(own, { harness: { type: "string" }, target: { type: "string" } }, {
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
  const target = stringFlag(parsed, "target");
  return {
    help: false as const,
    harness: harness.data,
    name,
    cwd,
    args: rest,
    ...(target !== undefined ? { target } : {}),
  };
}

export async function main(argv: string[]): Promise<number> {
  const args = parseLaunchArgs(argv);
  if (args.help) {
    printHelp(HELP);
    return 0;
  }
  if (args.target !== undefined) return await startRemoteWorker({ ...args, target: args.target });
  const started = await startWorker(args);
  err(panel("Worker launched.", started));
  out(`${started.shim}\n`);
  return 0;
}

if (import.meta.main) await runMain(main, HELP);
