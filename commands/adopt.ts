/** `csd adopt`: bring an existing harness session back as a live worker. */
import {
  err,
  out,
  parse,
  printHelp,
  runMain,
  splitPassThrough,
  stringFlag,
} from "../lib/cli/main.ts";
import { CsdError, UsageError } from "../lib/cli/errors.ts";
import { APPROVAL_FLAGS, approvalRequest, startWorker } from "../lib/worker/launch.ts";
import { homeDir } from "../lib/paths.ts";
import { HarnessName } from "../lib/schema.ts";
import { harnessFor } from "../lib/harness/mod.ts";
import { startRemoteWorker } from "../lib/remote/launch.ts";
import { panel } from "../lib/cli/panel.ts";

export const HELP =
  `csd adopt — resume an existing session as a worker (after a reboot wiped the worker dir)

USAGE:
  csd adopt [--target <uri>] [--harness claude|codex|pi] [--approval | --policy <file>] <name>
            <cwd> <session-id> [-- harness-args...]

Resumes the session in tmux session <name> with the same id and transcript, so the
conversation continues with all its context, and prints the shim path like launch:
  claude  claude --resume <id>         (transcript in ~/.claude/projects/<cwd>/<id>.jsonl)
  codex   codex resume <id>            (rollout in ~/.codex/sessions/YYYY/MM/DD/)
  pi      pi --session <session file>  (in ~/.pi/agent/sessions/--<cwd>--/)
When a tmux session <name> already exists (restored by tmux-resurrect), its pane is respawned
in place, keeping the layout. \`<shim> session-id\` prints the id to keep for this.

OPTIONS:
  --harness <h>     claude (default), codex or pi
  --target <uri>    adopt the session on that target (see csd launch --help)
  --approval        every tool call waits for a decision (as launch)
  --policy <file>   a JSON approval policy decides (as launch)
  -h, --help        show this help

EXIT CODES: 0 adopted, 1 failed, 2 usage error.`;

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{7,127}$/;

export function parseAdoptArgs(argv: string[]) {
  const { own, rest } = splitPassThrough(argv);
  const parsed = parse(own, { ...APPROVAL_FLAGS, target: { type: "string" } });
  if (parsed.help) return { help: true as const };
  const harness = HarnessName.safeParse(stringFlag(parsed, "harness") ?? "claude");
  if (!harness.success) {
    throw new UsageError(
      `Unknown harness "${stringFlag(parsed, "harness")}": use claude, codex or pi`,
    );
  }
  const [name, cwd, sessionId, ...extra] = parsed.positionals;
  if (!name || !cwd || !sessionId) throw new UsageError("adopt needs <name> <cwd> <session-id>");
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"`);
  if (!SESSION_ID.test(sessionId)) throw new UsageError(`Invalid session id "${sessionId}"`);
  const target = stringFlag(parsed, "target");
  return {
    help: false as const,
    harness: harness.data,
    name,
    cwd,
    sessionId,
    args: rest,
    ...approvalRequest(parsed),
    ...(target !== undefined ? { target } : {}),
  };
}

export async function main(argv: string[]): Promise<number> {
  const args = parseAdoptArgs(argv);
  if (args.help) {
    printHelp(HELP);
    return 0;
  }
  if (args.target !== undefined) return await startRemoteWorker({ ...args, target: args.target });
  const transcript = requireResumable(args.harness, args.sessionId);
  const started = await startWorker({
    name: args.name,
    cwd: args.cwd,
    harness: args.harness,
    args: args.args,
    resumeSessionId: args.sessionId,
    resumeTranscriptPath: transcript,
    ...(args.approval ? { approval: args.approval } : {}),
  });
  err(
    panel(
      started.respawned ? "Worker adopted (pane respawned in place)." : "Worker adopted.",
      started,
    ),
  );
  out(`${started.shim}\n`);
  return 0;
}

/**
 * Each harness resumes only sessions it has a transcript for: say so before starting anything.
 * Returns the transcript, which the harness's prepare reuses.
 */
function requireResumable(harness: HarnessName, sessionId: string): string {
  const found = harnessFor(harness).findSession(sessionId, Deno.env.toObject(), homeDir());
  if (!found.path) {
    throw new CsdError(
      `No ${harness} transcript for session "${sessionId}" under "${found.searched}"`,
    );
  }
  return found.path;
}

if (import.meta.main) await runMain(main, HELP);
