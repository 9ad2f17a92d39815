/** `csd grant-consent`: record the one-time consent to run workers with prompts bypassed. */
import { err, parse, printHelpIfAsked, runMain } from "../lib/cli.ts";
import { UsageError } from "../lib/errors.ts";
import { consentFile } from "../lib/paths.ts";

export const HELP = `csd grant-consent — allow csd to run workers with permission prompts bypassed

USAGE:
  csd grant-consent [--revoke]

Workers run their harness with permission prompts bypassed (claude
--dangerously-skip-permissions): they execute every tool call, shell commands included, without
asking. launch refuses to start a worker until this consent is recorded once per user (in
~/.claude/.claude-session-driver-consent).

OPTIONS:
  --revoke    remove the consent again
  -h, --help  show this help`;

export async function main(argv: string[]): Promise<number> {
  const parsed = parse(argv, { revoke: { type: "boolean" } });
  if (printHelpIfAsked(parsed, HELP)) return 0;
  if (parsed.positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[0]}"`);
  }
  const path = consentFile();
  if (parsed.values.revoke === true) {
    await Deno.remove(path).catch(() => {});
    err(`Consent revoked (${path} removed).\n`);
    return 0;
  }
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(
    path,
    `consented ${new Date().toISOString()}: csd workers run with permission prompts bypassed\n`,
  );
  err(
    `Consent recorded in ${path}.\n` +
      "csd workers run with permission prompts bypassed: they execute tool calls without asking.\n",
  );
  return 0;
}

if (import.meta.main) await runMain(main, HELP);
