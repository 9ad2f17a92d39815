/**
 * The shape every command module shares: a HELP text, a pure argument parser built on
 * `node:util` parseArgs (strict), and `main(argv)` returning an exit code. Only `runMain`
 * touches `Deno.exit`, so commands stay testable in-process.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CsdError, ExitCode, fsErrorToCsdError, UsageError } from "./errors.ts";
import { forwardIfRemote } from "./remote.ts";

export type Options = NonNullable<ParseArgsConfig["options"]>;

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
  const all: Options = { ...options, help: { type: "boolean", short: "h" } };
  const flags: string[] = [];
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
    const name = arg === "-h" ? "help" : arg.startsWith("--") ? arg.slice(2).split("=")[0]! : "";
    const spec = Object.hasOwn(all, name) ? all[name] : undefined;
    if (!spec) throw new UsageError(`Unknown option "${arg}"${rules.unknownHint ?? ""}`);
    // A value is taken as-is (`--last -1` is the value "-1", which the command then judges).
    const value = spec.type === "string" && !arg.includes("=") ? argv[i + 1] : undefined;
    if (value === undefined) {
      flags.push(arg);
    } else {
      flags.push(`${arg}=${value}`);
      i++;
    }
  }
  try {
    const { values } = parseArgs({ args: flags, options: all, strict: true });
    const help = values.help === true;
    return { values: values as Parsed["values"], positionals, help };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
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

/**
 * Parses a positive number of seconds or throws a UsageError. One rule for the command line and
 * the CSD_* variables: decimal digits with an optional fraction (`30`, `0.5`). No exponent,
 * sign, hex or blank: `1e9` was refused on the command line while `1e-9` passed in the
 * environment.
 * @param what the argument or variable, for the message
 */
export function parseSeconds(text: string, what: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(
      `Invalid ${what}: "${text}" is not a positive number of seconds ` +
        "(digits with an optional decimal point, e.g. 30 or 0.5)",
    );
  }
  return value;
}

/** Every CSD_* variable that holds seconds, by its name. */
const SECONDS_VAR = /^CSD_\w+_(TIMEOUT|INTERVAL)$/;

/**
 * A CSD_* variable of seconds (see parseSeconds), or `fallback` when unset or empty.
 * @throws UsageError on a bad value (runMain has already refused it before the command acted)
 */
export function secondsVar(name: string, fallback: number): number {
  const raw = Deno.env.get(name);
  return raw === undefined || raw === "" ? fallback : parseSeconds(raw, name);
}

/**
 * Checks every CSD_*_TIMEOUT and CSD_*_INTERVAL variable before a command acts: a bad
 * CSD_LAUNCH_TIMEOUT used to surface only after the harness had started (and been killed).
 */
export function checkSecondsVars(): void {
  for (const [name, raw] of Object.entries(Deno.env.toObject())) {
    if (SECONDS_VAR.test(name) && raw !== "") parseSeconds(raw, name);
  }
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
    checkSecondsVars();
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
