/** `csd grant-consent`: record the one-time consent to run workers with prompts bypassed. */
import { err, parse, printHelpIfAsked, runMain } from "../lib/cli/main.ts";
import { CsdError, UsageError } from "../lib/cli/errors.ts";
import { consentFile } from "../lib/paths.ts";

export const HELP = `csd grant-consent — allow csd to run workers with permission prompts bypassed

USAGE:
  csd grant-consent [--yes | --revoke]

Workers run their harness with permission prompts bypassed (claude
--dangerously-skip-permissions): they execute every tool call, shell commands included, without
asking. launch refuses to start a worker until this consent is recorded once per user (in
~/.claude/.claude-session-driver-consent).

grant-consent explains this on stderr and reads one line from stdin: "y" or "yes" (any case)
records the consent; anything else, or the end of input, records nothing and exits 1.

OPTIONS:
  --yes       record the consent without asking (for scripts run by the consenting user)
  --revoke    remove the consent again
  -h, --help  show this help

EXIT CODES: 0 consent recorded (or revoked), 1 not given, 2 usage error.`;

const WARNING = "csd workers run with permission prompts bypassed: they execute every tool " +
  "call, shell commands included, without asking.\n";

export async function main(argv: string[]): Promise<number> {
  const parsed = parse(argv, { revoke: { type: "boolean" }, yes: { type: "boolean" } });
  if (printHelpIfAsked(parsed, HELP)) return 0;
  if (parsed.positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[0]}"`);
  }
  const path = consentFile();
  if (parsed.values.revoke === true) {
    if (parsed.values.yes === true) throw new UsageError("--yes and --revoke exclude each other");
    await Deno.remove(path).catch(() => {});
    err(`Consent revoked (${path} removed).\n`);
    return 0;
  }
  if (parsed.values.yes !== true) {
    err(`${WARNING}Allow this for every csd worker you launch? [y/N] `);
    const answer = await readLine(Deno.stdin);
    // A terminal echoed the answer and its Enter; otherwise the question's line is still open.
    if (answer === null || !Deno.stdin.isTerminal()) err("\n");
    if (!/^y(es)?$/i.test(answer?.trim() ?? "")) {
      throw new CsdError(
        'Consent not given: nothing recorded (answer "y" to grant it, or pass --yes)',
      );
    }
  }
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(
    path,
    `consented ${new Date().toISOString()}: csd workers run with permission prompts bypassed\n`,
  );
  err(`Consent recorded in ${path}.\n`);
  return 0;
}

/**
 * One line from `input` without its newline, or null at the end of input (no stdin counts).
 * Reads only up to the first newline so a caller's later input stays unread; lines are capped
 * at 4 KB (an answer is a word).
 */
export async function readLine(
  input: { read(p: Uint8Array): Promise<number | null> },
): Promise<string | null> {
  const bytes: number[] = [];
  const chunk = new Uint8Array(1);
  while (bytes.length < 4096) {
    let n: number | null;
    try {
      n = await input.read(chunk);
    } catch {
      n = null; // stdin closed or not readable: no answer
    }
    if (n === null || n === 0) {
      return bytes.length === 0 ? null : new TextDecoder().decode(new Uint8Array(bytes));
    }
    if (chunk[0] === 0x0a) break;
    bytes.push(chunk[0]!);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

if (import.meta.main) await runMain(main, HELP);
