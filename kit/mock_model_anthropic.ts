/**
 * The Anthropic Messages dialect of the mock model server (what Claude Code speaks).
 *
 * Claude Code 2.1.197 sends only `POST /v1/messages?beta=true` with `stream: true`; the SSE
 * sequence below is the one it accepts (see docs/harnesses.md). `stream: false` is answered with
 * a plain JSON message so other Anthropic clients work too.
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
import { isRecord, isTitleRequest, toolCalls } from "./mock_model_tools.ts";

/** A content block of the answer, in Messages API shape. */
type OutBlock =
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

/**
 * Claude Code injects `<system-reminder>` text blocks into user messages (context notes, also
 * next to tool results). They are not the user's prompt: counting them would turn a tool result
 * into a new "prompt" and reset the step.
 */
const REMINDER = /^\s*<system-reminder>[\s\S]*<\/system-reminder>\s*$/;

/** The user-written texts of one message's `content` (a string or a block array). */
function textsOf(content: unknown): string[] {
  if (typeof content === "string") return REMINDER.test(content) ? [] : [content];
  if (!Array.isArray(content)) return [];
  const out: string[] = [];
  for (const block of content) {
    if (!isRecord(block) || block.type !== "text" || typeof block.text !== "string") continue;
    if (REMINDER.test(block.text)) continue;
    out.push(block.text);
  }
  return out;
}

function blocksFor(reply: Exclude<Reply, { kind: "error" }>, ctx: RenderContext): OutBlock[] {
  const blocks: OutBlock[] = [];
  if (reply.thinking !== undefined) {
    // Claude Code sends thinking blocks back in later requests and expects a signature; the
    // mock never checks it, so any stable string does.
    blocks.push({ type: "thinking", thinking: reply.thinking, signature: ctx.nextId("sig") });
  }
  // A text reply always has its text block (even empty); a tool call's preamble only if given.
  if (reply.kind === "text" || (reply.text !== undefined && reply.text !== "")) {
    blocks.push({ type: "text", text: reply.text ?? "" });
  }
  if (reply.kind === "tool") {
    for (const call of toolCalls(reply)) {
      blocks.push({
        type: "tool_use",
        id: ctx.nextId("toolu"),
        name: call.name,
        input: call.input,
      });
    }
  }
  return blocks;
}

/** Maps an HTTP status to the Messages API error `type`, as the SDK inspects it. */
function errorType(status: number): string {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

function sse(event: string, data: Record<string, unknown>): string {
  return `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;
}

/** The Messages API usage object. */
interface AnthropicUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

/** The SSE body for a whole message: one start/delta/stop triple per block. */
function streamBody(
  id: string,
  model: string,
  blocks: OutBlock[],
  stopReason: string,
  usage: AnthropicUsage,
): string {
  let out = sse("message_start", {
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // As the real API: message_start carries the prompt figures and a placeholder output
      // count; the final output count comes in message_delta.
      usage: { ...usage, output_tokens: 1 },
    },
  });
  blocks.forEach((block, index) => {
    switch (block.type) {
      case "thinking":
        out += sse("content_block_start", {
          index,
          content_block: { type: "thinking", thinking: "", signature: "" },
        });
        out += sse("content_block_delta", {
          index,
          delta: { type: "thinking_delta", thinking: block.thinking },
        });
        out += sse("content_block_delta", {
          index,
          delta: { type: "signature_delta", signature: block.signature },
        });
        break;
      case "text":
        out += sse("content_block_start", { index, content_block: { type: "text", text: "" } });
        out += sse("content_block_delta", {
          index,
          delta: { type: "text_delta", text: block.text },
        });
        break;
      case "tool_use":
        out += sse("content_block_start", {
          index,
          content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
        });
        out += sse("content_block_delta", {
          index,
          delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) },
        });
        break;
    }
    out += sse("content_block_stop", { index });
  });
  out += sse("message_delta", {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  out += sse("message_stop", {});
  return out;
}

/** The Anthropic Messages API (`POST /v1/messages`). */
export const anthropicDialect: Dialect = {
  name: "anthropic",
  reportsCacheWrite: true,

  accepts(method, path) {
    return method === "POST" && path === "/v1/messages";
  },

  analyze(body): RequestAnalysis {
    if (!isRecord(body) || !Array.isArray(body.messages)) {
      throw new Error("Cannot read Messages request: body has no messages array");
    }
    const messages: NeutralMessage[] = body.messages.map((m): NeutralMessage => {
      if (!isRecord(m)) return { role: "other", texts: [] };
      // Claude Code may put `role: "system"` entries in `messages`; they are neither side of
      // the turn, so they must not count as assistant steps nor be taken for the prompt.
      const role = m.role === "user" ? "user" : m.role === "assistant" ? "assistant" : "other";
      return { role, texts: role === "user" ? textsOf(m.content) : [] };
    });
    const analysis: RequestAnalysis = {
      messages,
      stream: body.stream === true,
      model: typeof body.model === "string" ? body.model : "mock-model",
    };
    // Claude Code sends its title request in parallel with the first turn.
    if (isTitleRequest(body, "output_config")) analysis.side = "title";
    return analysis;
  },

  render(reply, ctx) {
    if (reply.kind === "error") {
      return Response.json(
        { type: "error", error: { type: errorType(reply.status), message: reply.message } },
        { status: reply.status, headers: { "request-id": ctx.nextId("req") } },
      );
    }
    const blocks = blocksFor(reply, ctx);
    const stopReason = reply.kind === "tool" ? "tool_use" : "end_turn";
    const id = ctx.nextId("msg");
    const usage: AnthropicUsage = {
      input_tokens: ctx.usage.input,
      cache_creation_input_tokens: ctx.usage.cacheWrite,
      cache_read_input_tokens: ctx.usage.cacheRead,
      output_tokens: ctx.usage.output,
    };
    const model = ctx.analysis.model;
    if (!ctx.analysis.stream) {
      return Response.json({
        id,
        type: "message",
        role: "assistant",
        model,
        content: blocks,
        stop_reason: stopReason,
        stop_sequence: null,
        usage,
      });
    }
    return new Response(streamBody(id, model, blocks, stopReason, usage), {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "request-id": ctx.nextId("req"),
      },
    });
  },
};
