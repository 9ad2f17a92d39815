/** Argument handling shared by the per-worker commands (`--worker <name>` plus their own). */
import { type Options, parse, type Parsed, printHelpIfAsked, stringFlag } from "./cli.ts";
import { UsageError } from "./errors.ts";
import { requireWorkerFlag } from "./worker.ts";

/**
 * Parses a per-worker command's arguments. Returns null when help was printed. The worker is
 * loaded by the caller after it has checked its own arguments, so bad input is reported as a
 * usage error (exit 2) before anything else.
 */
export function parseWorkerCommand(
  argv: string[],
  options: Options,
  help: string,
): { parsed: Parsed; name: string } | null {
  const parsed = parse(argv, { ...options, worker: { type: "string" } });
  if (printHelpIfAsked(parsed, help)) return null;
  return { parsed, name: requireWorkerFlag(stringFlag(parsed, "worker")) };
}

/** Throws a UsageError when there are more positionals than `max`. */
export function maxPositionals(parsed: Parsed, max: number): void {
  if (parsed.positionals.length > max) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[max]}"`);
  }
}

/** Reads a prompt argument; `-` means standard input (for prompts too long for argv). */
export async function promptArgument(value: string): Promise<string> {
  if (value !== "-") return value;
  return await new Response(Deno.stdin.readable).text();
}
