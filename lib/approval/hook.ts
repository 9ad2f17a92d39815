/**
 * The gate as the PreToolUse hook runs it (hooks/event_hook.ts, for Claude Code and Codex; and
 * for Pi, whose extension runs under Node and asks `csd-hook pi` through a child process). Kept
 * apart from the event mapping so an ungated worker's hook does no more than before: one stat of
 * the policy copy, and only for PreToolUse.
 */
import { approvalPathsForEvents } from "../paths.ts";
// DEFAULT_APPROVAL_TIMEOUT_S from vocabulary.ts, not timeout.ts: that one imports cli.ts, whose
// node:util would load Node's compatibility layer into the hook.
import { DEFAULT_APPROVAL_TIMEOUT_S, type HarnessName } from "../vocabulary.ts";
import { gate } from "./gate.ts";
import { type HookAnswer, hookAnswer } from "./output.ts";
import { toolKind } from "./tools.ts";
import { ancestors } from "./ancestry.ts";
import { readInstalledPolicy } from "./worker_policy.ts";

/**
 * The hook's answer to a PreToolUse payload, or undefined when the call needs no gate (the worker
 * is not gated and the call is no question): the hook then prints nothing, as before.
 * @param eventsFile CSD_EVENTS_FILE (the approvals folder sits next to it)
 */
export async function gatePreToolUse(
  harness: HarnessName,
  payload: Record<string, unknown>,
  eventsFile: string,
  options: {
    sessionId?: string;
    pollMs?: number;
    /** Called with the approval timeout once the call is gated (the hook extends its bound). */
    onWait?: (timeoutS: number) => void;
  } = {},
): Promise<HookAnswer | undefined> {
  const tool = typeof payload.tool_name === "string" ? payload.tool_name : undefined;
  const paths = approvalPathsForEvents(eventsFile);
  if (!tool || !paths) return undefined;
  const policy = readInstalledPolicy(paths);
  const question = toolKind(harness, tool) === "question";
  if (!policy && !question) return undefined;
  // A question on an ungated worker waits as long as a gated call would (resolved at launch).
  const timeoutS = policy?.policy.timeout_s ?? workerTimeoutS();
  options.onWait?.(timeoutS);
  const verdict = await gate(
    {
      harness,
      tool,
      input: payload.tool_input,
      toolUseId: typeof payload.tool_use_id === "string" ? payload.tool_use_id : undefined,
    },
    {
      paths,
      eventsFile,
      policy,
      timeoutS,
      launch: Deno.env.get("CSD_LAUNCH_ID"),
      sessionId: options.sessionId ??
        (typeof payload.session_id === "string" ? payload.session_id : undefined),
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      watchPids: ancestors(),
    },
  );
  // Pi reads the same JSON deny and returns it as {block, reason} (pi/csd_extension.ts).
  return hookAnswer(harness === "pi" ? "codex" : harness, verdict, payload.tool_input);
}

/** The worker's approval timeout (CSD_APPROVAL_TIMEOUT_S, set by launch), else the default. */
function workerTimeoutS(): number {
  const seconds = Number(Deno.env.get("CSD_APPROVAL_TIMEOUT_S"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_APPROVAL_TIMEOUT_S;
}
