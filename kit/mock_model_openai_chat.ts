/**
 * The OpenAI Chat Completions dialect of the mock model server (what Pi speaks with
 * `"api": "openai-completions"`).
 *
 * Pi 0.73.1 sends only `POST {baseUrl}/chat/completions` with `stream: true` and
 * `stream_options.include_usage`, so with `baseUrl = "http://127.0.0.1:PORT/v1"` the path is
 * `/v1/chat/completions` (see docs/harnesses.md). It sends no title request. `stream: false` is
 * answered with a plain `chat.completion` object.
 *
 * Conversation view: `messages` entries with role `user` are user messages (string content or
 * `text` parts); role `tool` (tool results) are user messages with no text, so they continue the
 * turn; role `assistant` is one model call; `system` / `developer` are `other`. Pi adds a user
 * message `Attached image(s) from tool result:` after tool results with images; it is not a
 * prompt.
 *
 * Tool mapping. A `tool` {@link Reply} whose name is shell-like (`Bash`, `bash`, `shell`,
 * `exec_command`) becomes Pi's `bash` tool with arguments `{"command": input.command ??
 * input.cmd}` (plus a numeric `timeout` in seconds when given). So one script
 * `{kind:"tool", name:"Bash", input:{command:"touch x"}}` drives all three harnesses. Any other
 * name (Pi's `read`, `write`, `edit`…) is sent verbatim with `arguments = JSON.stringify(input)`.
 *
 * Thinking: sent as `delta.reasoning_content` before the text (Pi shows it as a thinking block and
 * stores it in the session).
 *
 * SSE: `data:` chunks (role, then reasoning, content, tool calls), a chunk carrying
 * `finish_reason` (`stop` | `tool_calls`), a usage chunk with `choices: []`, then `data: [DONE]`.
 *
 * @module
 */

import type {
  Dialect,
  NeutralMessage,
  RenderContext,
  Reply,
  RequestAnalysis,
} from "./mock_model_types.ts";
import { isRecord, shellCommand, toolCalls } from "./mock_model_tools.ts";
import { openAiError } from "./mock_model_openai_responses.ts";

/** Texts Pi puts in user messages that are not prompts. */
const INJECTED = new Set(["Attached image(s) from tool result:"]);

function textsOf(content: unknown): string[] {
  const raw = typeof content === "string"
    ? [content]
    : Array.isArray(content)
    ? content.flatMap((p) =>
      isRecord(p) && p.type === "text" && typeof p.text === "string" ? [p.text] : []
    )
    : [];
  return raw.filter((t) => !INJECTED.has(t));
}

/**
 * The tool call a `tool` reply becomes for Pi. Shell-like names map to `bash` with `{command}`;
 * other names pass through verbatim.
 */
export function piToolCall(
  reply: Extract<Reply, { kind: "tool" }>,
): { name: string; arguments: string } {
  const command = shellCommand(reply, "bash");
  if (command === null) return { name: reply.name, arguments: JSON.stringify(reply.input) };
  const args: Record<string, unknown> = { command };
  if (typeof reply.input.timeout === "number") args.timeout = reply.input.timeout;
  return { name: "bash", arguments: JSON.stringify(args) };
}

/** The assistant message of a reply, in non-streamed Chat Completions shape. */
function messageFor(reply: Exclude<Reply, { kind: "error" }>, ctx: RenderContext) {
  const message: Record<string, unknown> = { role: "assistant", content: null };
  if (reply.thinking !== undefined) message.reasoning_content = reply.thinking;
  if (reply.kind === "text" || (reply.text !== undefined && reply.text !== "")) {
    message.content = reply.text ?? "";
  }
  if (reply.kind === "tool") {
    message.tool_calls = toolCalls(reply).map((call) => ({
      id: ctx.nextId("call"),
      type: "function",
      function: piToolCall(call),
    }));
  }
  return message;
}

/** The OpenAI Chat Completions API (`POST /v1/chat/completions`). */
export const openaiChatDialect: Dialect = {
  name: "openai-chat",
  reportsCacheWrite: false,

  accepts(method, path) {
    return method === "POST" && path === "/v1/chat/completions";
  },

  analyze(body): RequestAnalysis {
    if (!isRecord(body) || !Array.isArray(body.messages)) {
      throw new Error("Cannot read Chat Completions request: body has no messages array");
    }
    const messages: NeutralMessage[] = body.messages.map((m): NeutralMessage => {
      if (!isRecord(m)) return { role: "other", texts: [] };
      if (m.role === "user") return { role: "user", texts: textsOf(m.content) };
      if (m.role === "tool" || m.role === "function") return { role: "user", texts: [] };
      if (m.role === "assistant") return { role: "assistant", texts: [] };
      return { role: "other", texts: [] };
    });
    return {
      messages,
      stream: body.stream === true,
      model: typeof body.model === "string" ? body.model : "mock-model",
    };
  },

  render(reply, ctx) {
    if (reply.kind === "error") return openAiError(reply.status, reply.message, ctx.nextId("req"));
    let message: Record<string, unknown>;
    try {
      message = messageFor(reply, ctx);
    } catch (err) {
      return openAiError(400, `mock model: ${(err as Error).message}`, ctx.nextId("req"));
    }
    const finish = reply.kind === "tool" ? "tool_calls" : "stop";
    // Chat Completions `prompt_tokens` includes the cached part; `cached_tokens` says how much.
    const prompt = ctx.usage.input + ctx.usage.cacheRead;
    const completion = ctx.usage.output;
    const usage = {
      prompt_tokens: prompt,
      prompt_tokens_details: { cached_tokens: ctx.usage.cacheRead },
      completion_tokens: completion,
      total_tokens: prompt + completion,
    };
    const id = ctx.nextId("chatcmpl");
    const model = ctx.analysis.model;
    const created = Math.floor(Date.now() / 1000);
    if (!ctx.analysis.stream) {
      return Response.json({
        id,
        object: "chat.completion",
        created,
        model,
        choices: [{ index: 0, message, finish_reason: finish }],
        usage,
      });
    }
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${
        JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices, ...extra })
      }\n\n`;
    const delta = (d: Record<string, unknown>) =>
      chunk([{ index: 0, delta: d, finish_reason: null }]);
    let out = delta({ role: "assistant", content: "" });
    if (typeof message.reasoning_content === "string") {
      out += delta({ reasoning_content: message.reasoning_content });
    }
    if (typeof message.content === "string" && message.content !== "") {
      out += delta({ content: message.content });
    }
    const calls = message.tool_calls as
      | { id: string; type: string; function: { name: string; arguments: string } }[]
      | undefined;
    calls?.forEach((call, index) => {
      out += delta({ tool_calls: [{ index, ...call }] });
    });
    out += chunk([{ index: 0, delta: {}, finish_reason: finish }]);
    out += chunk([], { usage });
    out += "data: [DONE]\n\n";
    return new Response(out, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-request-id": ctx.nextId("req"),
      },
    });
  },
};
