/** `csd help`: the whole command surface. */
import { out, runMain } from "../lib/cli.ts";

export const HELP = `csd — drive Claude Code, Codex and Pi sessions as workers in tmux

USAGE:
  csd launch [--target <uri>] [--harness claude|codex|pi] <name> <cwd> [-- harness-args...]
  csd adopt [--target <uri>] [--harness claude|codex|pi] <name> <cwd> <session-id> [-- args...]
  csd list [--all] [--json] [<pattern>]
  csd prune
  csd grant-consent [--yes | --revoke]
  csd doctor [--json]
  csd help

  <shim> converse [--with-turn] <prompt> [timeout=120]
  <shim> send [--command] <prompt>
  <shim> wait-for-turn [timeout=60] [--after-line N]
  <shim> status
  <shim> read-events [--last N] [--type T] [--follow]
  <shim> read-turn [--full]
  <shim> stop
  <shim> handoff
  <shim> session-id
  <shim> events-file

<shim> is the path launch prints: <worker dir>/bin/<name> (default /tmp/csd-workers/bin/<name>).
\`csd --worker <name> <sub> ...\` does the same without the shim. Every command takes -h/--help.
A <prompt> is text whatever it starts with ("-x" is a prompt; after \`--\` so is "--help"); \`-\`
reads it from stdin, where other local users cannot see it (\`ps\` shows command lines).
--target runs the worker on ssh://[user@]host[:port], docker://<container> or
docker-run://<image>; its shim is local and every per-worker command works the same.

ENVIRONMENT:
  CSD_WORKER_DIR             worker dir (default /tmp/csd-workers)
  CSD_CLAUDE_BIN             the claude executable (default: claude on PATH)
  CSD_CODEX_BIN, CSD_PI_BIN  the codex / pi executables (default: on PATH)
  CSD_CODEX_MODEL            codex workers: model (default: the user's Codex config)
  CSD_PI_MODEL               pi workers: --model pattern (default: the user's Pi settings)
  CSD_PI_NODE                pi workers: the node binary pi runs on (default: node on PATH;
                             Pi >= 1 needs Node >= 22)
  CSD_REGISTER_TIMEOUT       seconds to wait for a self-minted session id (Codex; default 15)
  CSD_TMUX_SOCKET            tmux server socket name (tmux -L) for new workers
  CSD_SUBMIT_TIMEOUT         send: seconds to wait for prompt confirmation (default 10)
  CSD_SUBMIT_RETRY_INTERVAL  send: seconds between Enter re-sends (default 2)
  CSD_LAUNCH_TIMEOUT         launch/adopt: seconds to wait for the worker to be ready (default 30)
  CSD_CONVERSE_DIAG_FILE     converse: write a diagnostic here on timeout
  HOME                       ~/.claude (transcripts, consent), ~/.codex and ~/.pi/agent (seeds
                             of the staged per-worker homes; their sessions folders keep rollouts)
  Seconds (variables and timeout arguments) are digits with an optional decimal point (30, 0.5);
  a bad value in any CSD_*_TIMEOUT or CSD_*_INTERVAL variable exits 2 before a command acts.

EXIT CODES:
  0 success, 1 error, 2 usage error, 3 the turn failed (API error, worker exited mid-turn),
  124 timeout`;

export function main(_argv: string[]): Promise<number> {
  out(`${HELP}\n`);
  return Promise.resolve(0);
}

if (import.meta.main) await runMain(main, HELP);
