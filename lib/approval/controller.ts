/**
 * What the controller commands (pending, approve, deny, answer) share: the worker's approval
 * files, and a decision recorded first-wins then announced with an approval_decision event.
 */
import { loadWorker } from "../worker/worker.ts";
import { type ApprovalPaths, approvalPaths } from "../paths.ts";
import type { ApprovalDecision, ApprovalRequest } from "../schema.ts";
import { appendApprovalEvent, decisionEvent } from "./events.ts";
import { type ControllerDecision, decideAsController } from "./store.ts";

/** The approval files of a known worker (an unknown name is the usual clear error). */
export function workerApprovals(
  name: string,
): { paths: ApprovalPaths; events: string; sessionId: string | null; launch?: string } {
  const worker = loadWorker(name);
  return {
    paths: approvalPaths(worker.meta.name),
    events: worker.paths.events,
    sessionId: worker.meta.session_id,
    ...(worker.meta.launch_id ? { launch: worker.meta.launch_id } : {}),
  };
}

/**
 * Records a controller's decision on worker `name` and appends its approval_decision event.
 * @returns the event line, for the command to print
 * @throws {CsdError} (exit 1) nothing waits, unknown id, already decided
 */
export function controllerDecides(
  name: string,
  wanted: ControllerDecision,
): { request: ApprovalRequest; decision: ApprovalDecision; line: string } {
  const { paths, events, sessionId, launch } = workerApprovals(name);
  const { request, decision } = decideAsController(paths, wanted);
  const event = decisionEvent(decision, {
    harness: request.harness,
    tool: request.tool,
    ...(sessionId ? { sessionId } : {}),
  });
  appendApprovalEvent(events, event, launch);
  return { request, decision, line: JSON.stringify(event) };
}

/** A waiting item as `pending` prints it: the request without csd's bookkeeping. */
export function pendingView(request: ApprovalRequest): Record<string, unknown> {
  const { version: _version, pid: _pid, ...view } = request;
  return view;
}
