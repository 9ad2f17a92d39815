/**
 * Helpers the mock model's dialects share (kept out of mock_model.ts, which imports the dialects,
 * so no import cycle forms; the types they share live in mock_model_types.ts for the same reason).
 */
import type { Reply } from "./mock_model_types.ts";

/** True for a plain JSON object. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Tool names the OpenAI dialects translate into their harness's own shell tool. */
const SHELL_TOOL_NAMES = new Set(["Bash", "bash", "shell", "exec_command"]);

/**
 * The shell command of a `tool` reply that names a shell tool (`input.command`, or `input.cmd`),
 * or null for any other tool, whose call passes through verbatim.
 * @throws Error when a shell tool reply carries no string command (a script mistake)
 */
export function shellCommand(
  reply: Extract<Reply, { kind: "tool" }>,
  target: string,
): string | null {
  if (!SHELL_TOOL_NAMES.has(reply.name)) return null;
  const command = reply.input.command ?? reply.input.cmd;
  if (typeof command !== "string") {
    throw new Error(`Cannot map tool reply "${reply.name}" to ${target}: no string command`);
  }
  return command;
}
