/**
 * The OpenAI Responses dialect of the mock model server (what Codex speaks).
 *
 * Codex 0.169.0 sends only `POST {base_url}/responses` with `stream: true`, so with
 * `base_url = "http://127.0.0.1:PORT/v1"` the path is `/v1/responses` (see docs/harnesses.md).
 * `stream: false` is answered with a plain JSON response object so other clients work too.
 *
 * Conversation view. `input` is a flat list of items; the dialect folds it into neutral messages:
 * - `message` items with role `user` are user messages; their `input_text` parts are the texts,
 *   except the context Codex injects as user messages (`<environment_context>…`, AGENTS.md
 *   instructions, `<turn_aborted>` notes…), which are never the prompt.
 * - Tool results (`function_call_output`, `custom_tool_call_output`, …) are user messages with
 *   no text, so they continue the running turn.
 * - Everything the model produced in ONE call (`reasoning`, assistant `message`,
 *   `function_call`…) sits consecutively in `input`; each such run is ONE assistant message, so
 *   the core's step (assistant messages after the prompt) counts model calls, as with Anthropic.
 * - `developer` / `system` messages are `other`.
 *
 * Tool mapping. A `tool` {@link Reply} whose name is shell-like (`Bash`, `bash`, `shell`,
 * `exec_command`) becomes Codex's shell tool: a `function_call` named `exec_command` with
 * arguments `{"cmd": input.command ?? input.cmd}` (plus `workdir` when given). So one script
 * `{kind:"tool", name:"Bash", input:{command:"touch x"}}` drives Claude Code and Codex alike.
 * Any other name is sent verbatim as a `function_call` with `arguments = JSON.stringify(input)`.
 *
 * Thinking. `thinking` becomes a `reasoning` output item with one `summary_text` part, placed
 * before the text / tool call.
 *
 * Title request. Codex asks for a thread title in a side request with `tools: []` and a
 * `text.format` json_schema whose properties include `title`; the core answers it with
 * `{"title": …}` text, outside the script.
 *
 * SSE sequence (as the real API): `response.created`, then per output item
 * `response.output_item.added` / (`response.output_text.delta` for messages) /
 * `response.output_item.done`, then `response.completed{response:{id,status,output,usage}}`.
 * Errors are HTTP errors with an OpenAI error body; Codex with `request_max_retries = 0` fails the
 * turn on a 5xx.
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
import { isRecord, isTitleRequest, shellCommand, toolCalls } from "./mock_model_tools.ts";

/**
 * Context Codex sends as `role: "user"` messages around the real prompt. A text that is wholly
 * one of these is not the user's prompt.
 */
const INJECTED = [
  /^\s*<(environment_context|user_instructions|turn_aborted|user_shell_command|subagent_notification|permissions instructions|collaboration_mode|skill)\b[^>]*>[\s\S]*<\/\1>\s*$/,
  /^\s*# AGENTS\.md instructions for /,
];

/** Items the model produced (they group into one assistant message per model call). */
const MODEL_ITEMS = new Set([
  "reasoning",
  "function_call",
  "custom_tool_call",
  "local_shell_call",
  "web_search_call",
  "tool_search_call",
  "image_generation_call",
]);

/** Tool results: user side, no text. */
const RESULT_ITEMS = new Set([
  "function_call_output",
  "custom_tool_call_output",
  "local_shell_call_output",
  "tool_search_output",
]);

/** The texts of a message item's `content` (a string or a part array). */
function textsOf(content: unknown): string[] {
  const raw = typeof content === "string"
    ? [content]
    : Array.isArray(content)
    ? content.flatMap((part) =>
      isRecord(part) && typeof part.text === "string" &&
        (part.type === "input_text" || part.type === "output_text" || part.type === "text")
        ? [part.text]
        : []
    )
    : [];
  return raw.filter((t) => !INJECTED.some((re) => re.test(t)));
}

/** Where one input item belongs: a user message, a model-call part, or neither. */
function classify(item: unknown): { role: "user"; texts: string[] } | "model" | "other" {
  if (typeof item === "string") return { role: "user", texts: [item] };
  if (!isRecord(item)) return "other";
  const type = typeof item.type === "string" ? item.type : "message";
  if (type === "message") {
    if (item.role === "user") return { role: "user", texts: textsOf(item.content) };
    if (item.role === "assistant") return "model";
    return "other";
  }
  if (MODEL_ITEMS.has(type)) return "model";
  if (RESULT_ITEMS.has(type)) return { role: "user", texts: [] };
  return "other";
}

/**
 * Folds Responses `input` into neutral messages: consecutive model items become one assistant
 * message (one model call).
 *
 * @param input The request's `input` (a string or an item array).
 */
export function responsesMessages(input: unknown): NeutralMessage[] {
  const items = typeof input === "string" ? [input] : Array.isArray(input) ? input : [];
  const out: NeutralMessage[] = [];
  let inModelRun = false;
  for (const item of items) {
    const c = classify(item);
    if (c === "model") {
      if (!inModelRun) out.push({ role: "assistant", texts: [] });
      inModelRun = true;
      continue;
    }
    inModelRun = false;
    out.push(c === "other" ? { role: "other", texts: [] } : c);
  }
  return out;
}

type OutItem = Record<string, unknown> & { type: string };

/**
 * The function call a `tool` reply becomes. Shell-like names map to Codex's `exec_command`
 * with `{cmd}`; other names pass through verbatim.
 */
export function codexToolCall(
  reply: Extract<Reply, { kind: "tool" }>,
): { name: string; arguments: string } {
  const cmd = shellCommand(reply, "exec_command");
  if (cmd === null) return { name: reply.name, arguments: JSON.stringify(reply.input) };
  const args: Record<string, unknown> = { cmd };
  if (typeof reply.input.workdir === "string") args.workdir = reply.input.workdir;
  return { name: "exec_command", arguments: JSON.stringify(args) };
}

function outputItems(reply: Exclude<Reply, { kind: "error" }>, ctx: RenderContext): OutItem[] {
  const items: OutItem[] = [];
  if (reply.thinking !== undefined) {
    items.push({
      type: "reasoning",
      id: ctx.nextId("rs"),
      summary: [{ type: "summary_text", text: reply.thinking }],
    });
  }
  if (reply.kind === "text" || (reply.text !== undefined && reply.text !== "")) {
    items.push({
      type: "message",
      id: ctx.nextId("msg"),
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text: reply.text ?? "", annotations: [] }],
    });
  }
  if (reply.kind === "tool") {
    for (const call of toolCalls(reply)) {
      items.push({
        type: "function_call",
        id: ctx.nextId("fc"),
        call_id: ctx.nextId("call"),
        status: "completed",
        ...codexToolCall(call),
      });
    }
  }
  return items;
}

/** Maps an HTTP status to an OpenAI error `type`. */
function errorType(status: number): string {
  if (status === 401) return "invalid_api_key";
  if (status === 429) return "rate_limit_exceeded";
  return status >= 500 ? "server_error" : "invalid_request_error";
}

/** An OpenAI-style error body (shared with the Chat Completions dialect). */
export function openAiError(status: number, message: string, requestId: string): Response {
  return Response.json(
    { error: { message, type: errorType(status), param: null, code: null } },
    { status, headers: { "x-request-id": requestId } },
  );
}

function sse(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

function responseObject(
  id: string,
  model: string,
  status: "in_progress" | "completed",
  output: OutItem[],
  usage: Record<string, unknown> | null,
): Record<string, unknown> {
  return {
    id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status,
    model,
    output,
    usage,
  };
}

function streamBody(id: string, model: string, items: OutItem[], usage: Record<string, unknown>) {
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>) =>
    sse(type, { sequence_number: seq++, ...data });
  let out = ev("response.created", {
    response: responseObject(id, model, "in_progress", [], null),
  });
  items.forEach((item, output_index) => {
    if (item.type === "message") {
      out += ev("response.output_item.added", {
        output_index,
        item: { ...item, status: "in_progress", content: [] },
      });
      const text = ((item.content as { text: string }[])[0]!).text;
      out += ev("response.output_text.delta", {
        item_id: item.id,
        output_index,
        content_index: 0,
        delta: text,
      });
    } else if (item.type === "function_call") {
      out += ev("response.output_item.added", {
        output_index,
        item: { ...item, status: "in_progress", arguments: "" },
      });
    } else {
      out += ev("response.output_item.added", { output_index, item: { ...item, summary: [] } });
    }
    out += ev("response.output_item.done", { output_index, item });
  });
  out += ev("response.completed", {
    response: responseObject(id, model, "completed", items, usage),
  });
  return out;
}

/** The OpenAI Responses API (`POST /v1/responses`). */
export const openaiResponsesDialect: Dialect = {
  name: "openai-responses",
  reportsCacheWrite: false,

  accepts(method, path) {
    return method === "POST" && path === "/v1/responses";
  },

  analyze(body): RequestAnalysis {
    if (!isRecord(body) || !(Array.isArray(body.input) || typeof body.input === "string")) {
      throw new Error("Cannot read Responses request: body has no input");
    }
    const analysis: RequestAnalysis = {
      messages: responsesMessages(body.input),
      stream: body.stream === true,
      model: typeof body.model === "string" ? body.model : "mock-model",
    };
    if (isTitleRequest(body, "text")) analysis.side = "title";
    return analysis;
  },

  render(reply, ctx) {
    if (reply.kind === "error") return openAiError(reply.status, reply.message, ctx.nextId("req"));
    let items: OutItem[];
    try {
      items = outputItems(reply, ctx);
    } catch (err) {
      return openAiError(400, `mock model: ${(err as Error).message}`, ctx.nextId("req"));
    }
    // Responses `input_tokens` includes the cached part; `cached_tokens` says how much of it.
    const input = ctx.usage.input + ctx.usage.cacheRead;
    const output = ctx.usage.output;
    const usage = {
      input_tokens: input,
      input_tokens_details: { cached_tokens: ctx.usage.cacheRead },
      output_tokens: output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: input + output,
    };
    const id = ctx.nextId("resp");
    const model = ctx.analysis.model;
    if (!ctx.analysis.stream) {
      return Response.json(responseObject(id, model, "completed", items, usage));
    }
    return new Response(streamBody(id, model, items, usage), {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-request-id": ctx.nextId("req"),
      },
    });
  },
};
