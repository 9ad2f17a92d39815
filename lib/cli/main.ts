/**
 * The shape every command module shares: a HELP text, a pure strict argument parser, and
 * `main(argv)` returning an exit code. Only `runMain` touches `Deno.exit`, so commands stay
 * testable in-process. The parser is csd's own, not node:util's parseArgs: importing node:util
 * starts Deno's Node compatibility layer, ~6 ms of every command's start-up.
 */
import { checkSettings } from "./config.ts";
import { CsdError, ExitCode, fsErrorToCsdError, UsageError } from "./errors.ts";
import { forwardIfRemote } from "../remote/forward.ts";

/** Timeout arguments parse like the seconds variables (lib/cli/config.ts owns the rule). */
export { parseSeconds } from "./config.ts";

/** A command's flags: `--name VALUE` / `--name=VALUE` (string) or `--name` (boolean). */
export type Options = Record<string, { type: "string" | "boolean" }>;

/** Parsed flags and positionals, with `-h/--help` already recognised. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  help: boolean;
}

/** An option: `--name` or `--name=value`. */
const LONG_OPTION = /^--[A-Za-z][A-Za-z0-9-]*(?:=[\s\S]*)?$/;
/** A short option (csd has only `-h`): a dash and a letter, so "-5" stays a number. */
const SHORT_OPTION = /^-[A-Za-z]/;

/** How `parse` treats arguments that start with a dash. */
export interface ParseRules {
  /**
   * Only long options and `-h` are options; any other argument that starts with "-" is text.
   * For commands that take a prompt: node's parseArgs refused "-n is not an option here" as
   * the unknown option `-n`.
   */
  dashText?: boolean;
  /** Appended to the unknown-option error (how to pass such text instead). */
  unknownHint?: string;
}

/**
 * Parses `argv` strictly: options may come before, between and after the arguments; after a
 * `--`, everything is an argument. An unknown option is a UsageError with csd's own message
 * (node's suggests `--`, which launch and adopt reserve for harness arguments).
 * @param argv the arguments after the subcommand name
 * @param options flag definitions; `help` is added
 */
export function parse(argv: string[], options: Options = {}, rules: ParseRules = {}): Parsed {
  const isOption = (arg: string) =>
    LONG_OPTION.test(arg) || (rules.dashText ? arg === "-h" : SHORT_OPTION.test(arg));
  const all: Options = { ...options, help: { type: "boolean" } };
  const values: Parsed["values"] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!isOption(arg)) {
      positionals.push(arg);
      continue;
    }
    const [flag, inline] = splitInlineValue(arg);
    const name = flag === "-h" ? "help" : flag.startsWith("--") ? flag.slice(2) : "";
    const spec = Object.hasOwn(all, name) ? all[name] : undefined;
    if (!spec) throw new UsageError(`Unknown option "${arg}"${rules.unknownHint ?? ""}`);
    if (spec.type === "boolean") {
      if (inline !== undefined) throw new UsageError(`Option "${flag}" takes no value`);
      values[name] = true;
      continue;
    }
    // A value is taken as-is (`--last -1` is the value "-1", which the command then judges).
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`Option "${flag}" needs a value`);
    values[name] = value;
  }
  return { values, positionals, help: values.help === true };
}

/** `--name=value` as ["--name", "value"]; any other argument as [argument, undefined]. */
function splitInlineValue(arg: string): [string, string | undefined] {
  const at = arg.startsWith("--") ? arg.indexOf("=") : -1;
  return at < 0 ? [arg, undefined] : [arg.slice(0, at), arg.slice(at + 1)];
}

/** Splits `argv` at the first `--`: everything after it passes through to the harness. */
export function splitPassThrough(argv: string[]): { own: string[]; rest: string[] } {
  const at = argv.indexOf("--");
  if (at < 0) return { own: argv, rest: [] };
  return { own: argv.slice(0, at), rest: argv.slice(at + 1) };
}

/** Reads a string flag, or undefined. */
export function stringFlag(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === "string" ? value : undefined;
}

/** Parses a non-negative integer or throws a UsageError. */
export function parseCount(text: string, what: string): number {
  if (!/^\d+$/.test(text)) {
    throw new UsageError(`Invalid ${what}: "${text}" is not a non-negative integer`);
  }
  return Number(text);
}

/** Writes text to stdout as-is. */
export function out(text: string): void {
  writeAll(Deno.stdout, text);
}

/** Writes text to stderr as-is. */
export function err(text: string): void {
  writeAll(Deno.stderr, text);
}

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = new TextEncoder().encode(text);
  let done = 0;
  while (done < bytes.length) done += stream.writeSync(bytes.subarray(done));
}

/** A command's entry point: parse, act, return an exit code. */
export type Main = (argv: string[]) => Promise<number>;

/**
 * Runs a command's main and exits with its code. Errors print one `error: …` line on stderr;
 * usage errors add the command's usage line, so a caller sees what was expected.
 */
export async function runMain(main: Main, help: string): Promise<never> {
  let code: number;
  try {
    checkSettings();
    code = await forwardIfRemote(Deno.args) ?? await main(Deno.args);
  } catch (error) {
    code = reportError(error, help);
  }
  Deno.exit(code);
}

/** Prints an error the documented way and returns its exit code. */
export function reportError(error: unknown, help: string): number {
  if (error instanceof UsageError) {
    err(`error: ${error.message}\n${usageLine(help)}`);
    return error.exitCode;
  }
  const known = error instanceof CsdError ? error : fsErrorToCsdError(error);
  if (known) {
    err(`error: ${known.message}\n`);
    return known.exitCode;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  err(`error: ${message}\n`);
  return ExitCode.failure;
}

/** The first USAGE line of a help text, as a hint after a usage error. */
function usageLine(help: string): string {
  const match = help.match(/^USAGE:?\s*\n\s*(.+)$/m) ?? help.match(/^usage:\s*(.+)$/im);
  return match ? `usage: ${match[1]!.trim()}\n` : "";
}

/** Prints help to stdout when asked for; returns true if it did. */
export function printHelpIfAsked(parsed: Parsed, help: string): boolean {
  if (!parsed.help) return false;
  printHelp(help);
  return true;
}

/** Prints a help text to stdout. */
export function printHelp(help: string): void {
  out(help.endsWith("\n") ? help : `${help}\n`);
}
