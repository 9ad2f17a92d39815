/**
 * The approval event lines (`approval_request`, `approval_decision`), appended to the worker's
 * events file with the same single-write append as every other line.
 */
import { appendEventLine } from "../events/append.ts";
import type { ApprovalDecision, ApprovalRequest, EventLine } from "../schema.ts";
import { checkEventLine } from "../shapes.gen.ts";

/** The approval_request line for a waiting call. */
export function requestEvent(request: ApprovalRequest, sessionId?: string): EventLine {
  return {
    ts: new Date().toISOString(),
    event: "approval_request",
    harness: request.harness,
    ...(sessionId ? { session_id: sessionId } : {}),
    id: request.id,
    kind: request.kind,
    tool: request.tool,
    tool_input: request.tool_input,
    ...(request.tool_use_id ? { tool_use_id: request.tool_use_id } : {}),
    ...(request.questions ? { questions: request.questions } : {}),
    deadline: request.deadline,
  };
}

/** The approval_decision line for a decision (`tool` names the call for readers). */
export function decisionEvent(
  decision: ApprovalDecision,
  context: { harness?: ApprovalRequest["harness"]; tool?: string; sessionId?: string },
): EventLine {
  return {
    ts: new Date().toISOString(),
    event: "approval_decision",
    ...(context.harness ? { harness: context.harness } : {}),
    ...(context.sessionId ? { session_id: context.sessionId } : {}),
    id: decision.id,
    ...(context.tool ? { tool: context.tool } : {}),
    decision: decision.decision,
    by: decision.by,
    ...(decision.rule !== undefined ? { rule: decision.rule } : {}),
    ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
    ...(decision.answers !== undefined ? { answers: decision.answers } : {}),
  };
}

/**
 * Appends an approval line. Never throws: a worker must not fail over its record (the events
 * file is gone while the worker is being stopped).
 */
export function appendApprovalEvent(
  eventsFile: string | undefined,
  line: EventLine,
  launch: string | undefined,
) {
  if (!eventsFile || !checkEventLine(line).success) return;
  try {
    // Stamped like every other line of the worker (readers skip other launches' lines).
    appendEventLine(eventsFile, launch ? { ...line, launch } : line);
  } catch {
    // See above.
  }
}
