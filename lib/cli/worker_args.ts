/** Argument handling shared by the per-worker commands (`--worker <name>` plus their own). */
import {
  type Options,
  parse,
  type Parsed,
  type ParseRules,
  printHelpIfAsked,
  stringFlag,
} from "./main.ts";
import { UsageError } from "./errors.ts";
import { requireWorkerFlag } from "../worker/worker.ts";

/**
 * Parses a per-worker command's arguments. Returns null when help was printed. The worker is
 * loaded by the caller after it has checked its own arguments, so bad input is reported as a
 * usage error (exit 2) before anything else.
 */
export function parseWorkerCommand(
  argv: string[],
  options: Options,
  help: string,
  rules: ParseRules = {},
): { parsed: Parsed; name: string } | null {
  const parsed = parse(argv, { ...options, worker: { type: "string" } }, rules);
  if (printHelpIfAsked(parsed, help)) return null;
  return { parsed, name: requireWorkerFlag(stringFlag(parsed, "worker")) };
}

/** Throws a UsageError when there are more positionals than `max`. */
export function maxPositionals(parsed: Parsed, max: number): void {
  if (parsed.positionals.length > max) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[max]}"`);
  }
}

/** How the commands that take a prompt read their arguments. */
export const PROMPT_ARGS: ParseRules = {
  dashText: true,
  unknownHint: " (a prompt that starts with -- goes after a -- of its own)",
};

/** The argument rule and the `ps` caveat, a paragraph of the prompt commands' help texts. */
export const PROMPT_RULE =
  `<prompt> is text whatever it starts with ("-n is wrong" and "-x" are prompts); only the
options below are options, before or after it, and after \`--\` nothing is (\`-- --help\` sends
"--help"). A prompt on the command line shows in \`ps\` to every local user: pass a
confidential one on stdin (\`-\`).`;

/** Reads a prompt argument; `-` means standard input (for prompts too long for argv). */
export async function promptArgument(value: string): Promise<string> {
  if (value !== "-") return value;
  return await new Response(Deno.stdin.readable).text();
}
