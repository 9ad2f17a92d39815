/** `csd help`: the whole command surface. */
import { out, runMain } from "../lib/cli/main.ts";
import { environmentHelp } from "../lib/cli/config.ts";
import { usageLines } from "./registry.ts";

export const HELP = `csd — drive Claude Code, Codex and Pi sessions as workers in tmux

USAGE:
${usageLines()}

<shim> is the path launch prints: <worker dir>/bin/<name> (default /tmp/csd-workers/bin/<name>).
\`csd --worker <name> <sub> ...\` does the same without the shim. Every command takes -h/--help.
A <prompt> is text whatever it starts with ("-x" is a prompt; after \`--\` so is "--help"); \`-\`
reads it from stdin, where other local users cannot see it (\`ps\` shows command lines).
--target runs the worker on ssh://[user@]host[:port], docker://<container> or
docker-run://<image>; its shim is local and every per-worker command works the same.

ENVIRONMENT:
${environmentHelp()}
  HOME                       ~/.claude (transcripts, consent), ~/.codex and ~/.pi/agent (seeds
                             of the staged per-worker homes; their sessions folders keep rollouts)
  Seconds (variables and timeout arguments) are digits with an optional decimal point (30, 0.5);
  a bad value in any CSD_*_TIMEOUT or CSD_*_INTERVAL variable exits 2 before a command acts.

EXIT CODES:
  0 success, 1 error, 2 usage error, 3 the turn failed (API error, worker exited mid-turn),
  4 a tool call or question waits for a decision (wait-for-turn, converse, csd wait), 124 timeout`;

export function main(_argv: string[]): Promise<number> {
  out(`${HELP}\n`);
  return Promise.resolve(0);
}

if (import.meta.main) await runMain(main, HELP);
