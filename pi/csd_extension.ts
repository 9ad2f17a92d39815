/**
 * csd's Pi extension (`pi -e <bundle of this file>`): writes the worker's lifecycle events in
 * the SAME schema as the hook program (lib/schema.ts, bundled in), so every reader treats Pi
 * like Claude and Codex.
 *
 * Pi facts it is built on (0.73.1): the factory re-runs on /new, /resume, /fork and /reload, so
 * process-level handlers are guarded globally; pi calls process.exit right after
 * session_shutdown, so writes are synchronous; SIGTERM kills pi before session_shutdown unless
 * another SIGTERM listener exists, and tmux kill / SIGHUP never give session_shutdown, so a last
 * session_end line is also written at process exit.
 */
import { appendEventLine } from "../lib/events/append.ts";
import { DEFAULT_APPROVAL_TIMEOUT_S, HOOK_TIMEOUT_MARGIN_S } from "../lib/vocabulary.ts";
import type { EventLine } from "../lib/schema.ts";
import { checkEventLine } from "../lib/shapes.gen.ts";
import { piGate, piWorkerGated } from "./approval_gate.ts";

// Pi's extension API, as far as csd uses it (pi ships no types we can import here).
interface SessionManager {
  getSessionId(): string;
  getSessionFile(): string | undefined;
}
interface Context {
  sessionManager?: SessionManager;
  cwd?: string;
}
interface PiApi {
  on(event: string, handler: (event: Record<string, unknown>, ctx: Context) => unknown): void;
}
interface Message {
  role?: string;
  content?: unknown;
  stopReason?: string;
  errorMessage?: string;
}

/** Process-wide state that must survive the factory re-running. */
interface Shared {
  exitHooked?: boolean;
  ended?: boolean;
  sessionId?: string | undefined;
  transcriptPath?: string | undefined;
}
const shared: Shared = ((globalThis as Record<string, unknown>).__csdPiExtension ??= {}) as Shared;

const MAX_TEXT = 64 * 1024;

/** Registers csd's handlers; does nothing outside a csd worker (no CSD_EVENTS_FILE). */
export default function csdExtension(pi: PiApi): void {
  const eventsFile = process.env.CSD_EVENTS_FILE;
  if (!eventsFile || !eventsFile.endsWith(".events.jsonl")) return;
  // The worker incarnation's stamp: readers ignore lines a dying earlier worker appends.
  const launch = process.env.CSD_LAUNCH_ID;
  const write = (line: Partial<EventLine> & Pick<EventLine, "event">) => {
    const event: EventLine = {
      ts: new Date().toISOString(),
      harness: "pi",
      ...(shared.sessionId ? { session_id: shared.sessionId } : {}),
      ...line,
      ...(launch ? { launch } : {}),
    };
    // Never break the worker over csd: a line that fails the schema is dropped, and so is an
    // error writing it.
    try {
      if (checkEventLine(event).success) appendEventLine(eventsFile, event);
    } catch {
      // The events file is gone (the worker is being stopped).
    }
  };
  hookProcessExit(write);

  pi.on("session_start", (event, ctx) => {
    shared.sessionId = ctx.sessionManager?.getSessionId() ?? shared.sessionId;
    shared.transcriptPath = ctx.sessionManager?.getSessionFile() ?? shared.transcriptPath;
    shared.ended = false;
    write({
      event: "session_start",
      ...(typeof event.reason === "string" ? { source: event.reason } : {}),
      ...(shared.transcriptPath ? { transcript_path: shared.transcriptPath } : {}),
      ...(ctx.cwd ? { cwd: ctx.cwd } : { cwd: process.cwd() }),
    });
  });
  pi.on("input", (event) => {
    write({
      event: "user_prompt_submit",
      prompt: cut(String(event.text ?? "")),
      ...(shared.transcriptPath ? { transcript_path: shared.transcriptPath } : {}),
    });
  });
  pi.on("tool_call", (event) => {
    write({
      event: "pre_tool_use",
      tool: String(event.toolName ?? "tool"),
      tool_input: event.input,
      ...(typeof event.toolCallId === "string" ? { tool_use_id: event.toolCallId } : {}),
    });
    // Tool approval (issue 12): Pi awaits an async handler, and {block, reason} stops the call.
    if (!piWorkerGated(eventsFile)) return undefined;
    return piGate(event, {
      hook: process.env.CSD_HOOK ?? "csd-hook",
      eventsFile,
      sessionId: shared.sessionId,
      boundMs: (approvalTimeoutS() + HOOK_TIMEOUT_MARGIN_S) * 1000,
      env: process.env,
    });
  });
  pi.on("tool_result", (event) => {
    const failed = event.isError === true;
    write({
      event: "post_tool_use",
      tool: String(event.toolName ?? "tool"),
      ...(typeof event.toolCallId === "string" ? { tool_use_id: event.toolCallId } : {}),
      success: !failed,
      ...(failed ? { error: cut(contentText(event.content)) } : {}),
    });
  });
  pi.on("agent_end", (event) => {
    const messages = Array.isArray(event.messages) ? event.messages as Message[] : [];
    const last = messages.findLast((m) => m.role === "assistant");
    const text = contentText(last?.content);
    const base = shared.transcriptPath ? { transcript_path: shared.transcriptPath } : {};
    if (last?.stopReason === "error" || last?.stopReason === "aborted") {
      write({
        event: "stop_failure",
        ...base,
        error: last.stopReason === "aborted" ? "aborted" : cut(last.errorMessage ?? "error"),
        ...(text ? { last_assistant_message: cut(text) } : {}),
      });
    } else {
      write({ event: "stop", ...base, last_assistant_message: cut(text) });
    }
  });
  // Pi >= 1: csd decided at launch (lib/harness/pi/harness.ts) that the worker's own cwd is trusted for
  // this process under the user's consent; any other folder (a /resume elsewhere) is left to
  // Pi. Not remembered: nothing is written to the user's trust.json.
  pi.on("project_trust", (event) => {
    const granted = process.env.CSD_PI_TRUST_CWD;
    return { trusted: granted && event.cwd === granted ? "yes" : "undecided" };
  });
  pi.on("session_shutdown", (event) => {
    shared.ended = true;
    write({ event: "session_end", reason: String(event.reason ?? "shutdown") });
  });
}

/** Process-level handlers, registered once per process whatever the factory does. */
function hookProcessExit(write: (line: Pick<EventLine, "event"> & Partial<EventLine>) => void) {
  if (shared.exitHooked) return;
  shared.exitHooked = true;
  // Pi 0.73.1 dies on SIGTERM before session_shutdown unless another listener exists; with this
  // one, pi's own shutdown runs and the session ends cleanly.
  process.on("SIGTERM", () => {});
  process.on("exit", (code) => {
    if (shared.ended) return;
    shared.ended = true;
    write({ event: "session_end", reason: `process_exit (${code})` });
  });
}

/** The worker's approval timeout as launch resolved it (CSD_APPROVAL_TIMEOUT_S). */
function approvalTimeoutS(): number {
  const seconds = Number(process.env.CSD_APPROVAL_TIMEOUT_S);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_APPROVAL_TIMEOUT_S;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.filter((b) => b?.type === "text").map((b) => String(b.text ?? "")).join("\n");
}

function cut(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT)}…[truncated]`;
}
