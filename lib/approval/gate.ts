/**
 * The gate: what the PreToolUse hook (Claude Code, Codex) and the Pi extension call before a tool
 * runs. The policy decides what it can at once (no file, no wait); anything else becomes a
 * waiting item (`<id>.request.json` + an approval_request event) and the gate waits for its
 * decision file, woken by inotify on the approvals folder (lib/wait.ts, with a slow polling
 * fallback, never a busy loop), bounded by the timeout, after which `on_timeout` is recorded
 * through the same first-decision-wins file, so a controller's decision landing at the same
 * moment is never contradicted.
 *
 * A question the worker asks the user (Claude's AskUserQuestion) waits on every worker, gated or
 * not: left alone it holds the worker at a dialog nothing reports.
 */
import type { ApprovalPaths } from "../paths.ts";
import type { ApprovalDecision, ApprovalRequest, HarnessName } from "../schema.ts";
import { waitUntil } from "../wait.ts";
import { appendApprovalEvent, decisionEvent, requestEvent } from "./events.ts";
import { type CompiledPolicy, decide } from "./policy.ts";
import { newApprovalId, readDecision, recordDecision, writeRequest } from "./store.ts";
import { toolKind } from "./tools.ts";
import { allAlive } from "./ancestry.ts";

/** A tool call about to run. */
export interface GateCall {
  harness: HarnessName;
  /** The harness's own tool name. */
  tool: string;
  input: unknown;
  toolUseId?: string | undefined;
}

/** The gate's answer: the harness output is built from it (lib/approval/output.ts). */
export interface GateVerdict {
  decision: "allow" | "deny";
  by: ApprovalDecision["by"] | "ungated";
  /** The waiting item's id, when the call waited. */
  id?: string;
  rule?: number;
  reason?: string;
  answers?: Record<string, string>;
}

/** What the gate needs besides the call. */
export interface GateOptions {
  paths: ApprovalPaths;
  /** Where the approval events go (the worker's events file). */
  eventsFile: string | undefined;
  /**
   * The worker's policy (`--approval` alone is a policy with no rules: every call asks), or
   * undefined for an ungated worker: its tool calls pass at once, only questions wait.
   */
  policy: CompiledPolicy | undefined;
  /** Seconds a waiting item waits (see approvalTimeoutSeconds). */
  timeoutS: number;
  sessionId?: string | undefined;
  /** The worker's launch stamp (CSD_LAUNCH_ID), put on the approval event lines. */
  launch?: string | undefined;
  /** The process that waits (recorded so a dead worker's items stop counting as waiting). */
  pid?: number;
  /** The fallback re-check period when no file event arrives (lib/wait.ts default). */
  pollMs?: number;
  /**
   * Processes whose death ends the wait (the hook's ancestors, see ancestry.ts): checked at each
   * fallback re-check. The call is then left undecided; the harness that asked is gone.
   */
  watchPids?: readonly number[];
  signal?: AbortSignal;
}

/** Decides `call`: by policy at once, or by whoever decides first while it waits. */
export async function gate(call: GateCall, options: GateOptions): Promise<GateVerdict> {
  const kind = toolKind(call.harness, call.tool);
  if (kind !== "question") {
    if (!options.policy) return { decision: "allow", by: "ungated" };
    const verdict = decide(options.policy, call);
    if (verdict.decision !== "ask") {
      const decision: ApprovalDecision = {
        id: newApprovalId(),
        decision: verdict.decision,
        by: "policy",
        ...(verdict.rule !== undefined ? { rule: verdict.rule } : {}),
        ...(verdict.reason !== undefined ? { reason: verdict.reason } : {}),
        decided_at: new Date().toISOString(),
      };
      appendApprovalEvent(
        options.eventsFile,
        decisionEvent(decision, eventContext(call, options)),
        options.launch,
      );
      return verdictOf(decision);
    }
  }
  return await waitForDecision(call, kind === "question" ? "question" : "tool", options);
}

async function waitForDecision(
  call: GateCall,
  kind: ApprovalRequest["kind"],
  options: GateOptions,
): Promise<GateVerdict> {
  const now = Date.now();
  const deadline = now + options.timeoutS * 1000;
  const questions = kind === "question" ? questionsOf(call.input) : undefined;
  const request: ApprovalRequest = {
    version: 1,
    id: newApprovalId(now),
    kind,
    harness: call.harness,
    tool: call.tool,
    ...withKind(call),
    tool_input: call.input,
    ...(call.toolUseId ? { tool_use_id: call.toolUseId } : {}),
    ...(questions ? { questions } : {}),
    created_at: new Date(now).toISOString(),
    deadline: new Date(deadline).toISOString(),
    pid: options.pid ?? Deno.pid,
  };
  writeRequest(options.paths, request);
  appendApprovalEvent(options.eventsFile, requestEvent(request, options.sessionId), options.launch);
  const watchPids = options.watchPids ?? [];
  const decided = await waitUntil(() => {
    const decision = readDecision(options.paths, request.id);
    if (decision || allAlive(watchPids)) return decision;
    return "abandoned" as const;
  }, {
    watch: [options.paths.dir],
    deadline,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (decided === "abandoned") {
    return { decision: "deny", by: "timeout", id: request.id, reason: "The worker is gone" };
  }
  if (decided) {
    // A controller decided: the deciding command wrote its event.
    return verdictOf(decided);
  }
  const onTimeout = timeoutDecision(request, options);
  const result = recordDecision(options.paths, onTimeout);
  if (!result.recorded) {
    // A controller won the race with the deadline: its decision stands.
    return result.existing ? verdictOf(result.existing) : verdictOf(onTimeout);
  }
  appendApprovalEvent(
    options.eventsFile,
    decisionEvent(onTimeout, eventContext(call, options)),
    options.launch,
  );
  return verdictOf(onTimeout);
}

/**
 * What the timeout decides: the policy's `on_timeout` for a tool call (allow when the worker has
 * no policy, as the source documents did); a DENIAL for a question, whose "allow" without answers
 * would leave the worker at the dialog the question is there to avoid.
 */
function timeoutDecision(request: ApprovalRequest, options: GateOptions): ApprovalDecision {
  const seconds = options.timeoutS;
  const base = { id: request.id, by: "timeout" as const, decided_at: new Date().toISOString() };
  if (request.kind === "question") {
    return {
      ...base,
      decision: "deny",
      reason:
        `Nobody answered within ${seconds} s: go on without the answer, on your best judgment`,
    };
  }
  const decision = options.policy?.policy.on_timeout ?? "allow";
  return decision === "allow"
    ? { ...base, decision }
    : { ...base, decision, reason: `No approval within ${seconds} s: the call was denied` };
}

function verdictOf(decision: ApprovalDecision): GateVerdict {
  return {
    decision: decision.decision,
    by: decision.by,
    id: decision.id,
    ...(decision.rule !== undefined ? { rule: decision.rule } : {}),
    ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
    ...(decision.answers !== undefined ? { answers: decision.answers } : {}),
  };
}

function eventContext(call: GateCall, options: GateOptions) {
  return {
    harness: call.harness,
    tool: call.tool,
    ...(options.sessionId ? { sessionId: options.sessionId } : {}),
  };
}

function withKind(call: GateCall): { tool_kind?: string } {
  const kind = toolKind(call.harness, call.tool);
  return kind ? { tool_kind: kind } : {};
}

/** AskUserQuestion's `questions` (question, header, options[{label, description}], multiSelect). */
function questionsOf(input: unknown): unknown[] {
  const questions = (input as { questions?: unknown } | null)?.questions;
  return Array.isArray(questions) ? questions : [];
}
