/**
 * Helpers the mock model's dialects share (kept out of mock_model.ts, which imports the dialects,
 * so no import cycle forms; the types they share live in mock_model_types.ts for the same reason).
 */
import type { Reply } from "./mock_model_types.ts";

/** True for a plain JSON object. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Rough but deterministic token count, so the harness's context meter stays quiet. */
export function tokens(s: string): number {
  return Math.max(1, Math.ceil(s.length / 4));
}

/**
 * Whether a request is the harness's title side request: no tools, and a `json_schema`
 * structured-output format whose schema has a `title` property. The format sits under
 * `output_config` (Anthropic Messages) or `text` (OpenAI Responses).
 */
export function isTitleRequest(
  body: Record<string, unknown>,
  formatKey: "output_config" | "text",
): boolean {
  const tools = body.tools;
  if (Array.isArray(tools) && tools.length > 0) return false;
  const holder = body[formatKey];
  if (!isRecord(holder) || !isRecord(holder.format)) return false;
  const format = holder.format;
  if (format.type !== "json_schema" || !isRecord(format.schema)) return false;
  const props = format.schema.properties;
  return isRecord(props) && "title" in props;
}

/** Every tool call of a `tool` reply: the reply's own, then its `also` calls. */
export function toolCalls(
  reply: Extract<Reply, { kind: "tool" }>,
): Extract<Reply, { kind: "tool" }>[] {
  return [reply, ...(reply.also ?? []).map((call) => ({ kind: "tool" as const, ...call }))];
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
