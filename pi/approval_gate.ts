/**
 * Pi's side of the tool-approval gate. Pi runs the csd extension under Node, while the gate
 * (lib/approval/gate.ts: Deno file APIs, inotify wait) runs under Deno; so a gated Pi worker's
 * `tool_call` handler hands the call to `csd-hook pi` as a PreToolUse payload, awaits it (Pi
 * awaits an async handler: measured on 0.73.1 and 1.6.0) and returns `{block: true, reason}` on a
 * denial. An ungated worker (no policy copy) costs one existsSync and spawns nothing.
 *
 * Unlike the Claude/Codex hook, which fails OPEN (the harness runs the call when a hook breaks),
 * a gated Pi call whose gate breaks (cannot start, crashes, runs past its bound) is BLOCKED: the
 * user asked for every call to be checked.
 */
import { approvalPathsForEvents } from "../lib/paths.ts";

interface ChildProcess {
  stdout: { on(e: "data", f: (chunk: Uint8Array) => void): void };
  stdin: { end(data: string): void; on(e: "error", f: () => void): void };
  on(e: "close", f: (code: number | null) => void): void;
  on(e: "error", f: (error: Error) => void): void;
  kill(signal?: string): void;
}
interface NodeBuiltins {
  spawn(cmd: string, args: string[], opts: Record<string, unknown>): ChildProcess;
  existsSync(path: string): boolean;
}

function node(): NodeBuiltins {
  const proc = (globalThis as unknown as {
    process: { getBuiltinModule(name: string): Record<string, unknown> };
  }).process;
  const cp = proc.getBuiltinModule("node:child_process") as unknown as NodeBuiltins;
  const fs = proc.getBuiltinModule("node:fs") as unknown as NodeBuiltins;
  return { spawn: cp.spawn, existsSync: fs.existsSync };
}

/** Pi's `tool_call` event, as far as the gate reads it. */
export interface PiToolCall {
  toolName?: unknown;
  toolCallId?: unknown;
  input?: unknown;
}

/** What the gate needs from the extension. */
export interface PiGateOptions {
  /** The hook program (`<bin>/csd-hook`). */
  hook: string;
  /** CSD_EVENTS_FILE: the approvals folder sits next to it. */
  eventsFile: string;
  sessionId: string | undefined;
  /** Kill the gate after this long (the policy timeout plus a margin). */
  boundMs: number;
  env: Record<string, string | undefined>;
}

/** Whether the worker is gated (launch wrote its policy copy). */
export function piWorkerGated(eventsFile: string): boolean {
  const paths = approvalPathsForEvents(eventsFile);
  return paths !== undefined && node().existsSync(paths.policy);
}

/** The `tool_call` return value: `{block, reason}` on a denial, undefined to let the call run. */
export function piGate(
  event: PiToolCall,
  options: PiGateOptions,
): Promise<{ block: true; reason: string } | undefined> {
  const payload = JSON.stringify({
    hook_event_name: "PreToolUse",
    session_id: options.sessionId,
    tool_name: String(event.toolName ?? "tool"),
    tool_input: event.input,
    ...(typeof event.toolCallId === "string" ? { tool_use_id: event.toolCallId } : {}),
  });
  return new Promise((resolve) => {
    let out = "";
    let settled = false;
    const finish = (value: { block: true; reason: string } | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const broken = (why: string) =>
      finish({ block: true, reason: `csd's approval gate failed (${why}): the call was blocked` });
    let child: ChildProcess;
    try {
      child = node().spawn(options.hook, ["pi"], {
        env: options.env,
        stdio: ["pipe", "pipe", "ignore"],
      });
    } catch (error) {
      broken(error instanceof Error ? error.message : String(error));
      return;
    }
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      broken(`no answer within ${Math.round(options.boundMs / 1000)} s`);
    }, options.boundMs);
    child.on("error", (error) => broken(error.message));
    child.stdout.on("data", (chunk) => out += new TextDecoder().decode(chunk));
    child.stdin.on("error", () => {});
    child.stdin.end(payload);
    child.on("close", (code) => {
      if (code !== 0) return broken(`exit ${code}`);
      finish(piAnswerFromHook(out));
    });
  });
}

/** Maps the hook's stdout (nothing: allow; the JSON deny) to Pi's return value. */
export function piAnswerFromHook(stdout: string): { block: true; reason: string } | undefined {
  if (stdout.trim() === "") return undefined;
  try {
    const output = JSON.parse(stdout).hookSpecificOutput;
    if (output?.permissionDecision !== "deny") return undefined;
    return { block: true, reason: String(output.permissionDecisionReason ?? "Denied") };
  } catch {
    return { block: true, reason: "csd's approval gate answered garbage: the call was blocked" };
  }
}
