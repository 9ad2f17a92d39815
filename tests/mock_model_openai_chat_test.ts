/**
 * Tests for the OpenAI Chat Completions dialect of the mock model
 * (kit/mock_model_openai_chat.ts), the one Pi speaks, through real HTTP.
 *
 * @module
 */

import { assert, assertEquals } from "./support/assert.ts";
import type { MockModel } from "../kit/mock_model.ts";
import { MAKE_FILE_RULE, withMock } from "./support/mock_model_client.ts";

type ChatMsg = Record<string, unknown>;

const user = (text: string): ChatMsg => ({ role: "user", content: [{ type: "text", text }] });

/** A Pi-like Chat Completions request body. */
function body(messages: ChatMsg[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: "mock-model",
    stream: true,
    stream_options: { include_usage: true },
    store: false,
    max_completion_tokens: 4096,
    tools: [{ type: "function", function: { name: "bash", parameters: { type: "object" } } }],
    messages: [{ role: "system", content: "You are an expert coding assistant" }, ...messages],
    ...extra,
  };
}

async function post(mock: MockModel, b: Record<string, unknown>): Promise<Response> {
  return await fetch(`${mock.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer mock-key" },
    body: JSON.stringify(b),
  });
}

/** Parses `data:` chunks up to `[DONE]` and rebuilds the message as the OpenAI SDK would. */
async function turn(mock: MockModel, messages: ChatMsg[]) {
  const res = await post(mock, body(messages));
  assertEquals(res.status, 200, "status");
  assert(res.headers.get("content-type")?.startsWith("text/event-stream"), "SSE content type");
  const datas = (await res.text()).split("\n\n").filter((c) => c.trim() !== "").map((c) => {
    assert(c.startsWith("data: "), `data line: ${c}`);
    return c.slice(6);
  });
  assertEquals(datas.at(-1), "[DONE]");
  const chunks = datas.slice(0, -1).map((d) => JSON.parse(d) as Record<string, unknown>);
  let content = "";
  let reasoning = "";
  let finish: unknown = null;
  let usage: unknown = null;
  const calls: { id: string; name: string; arguments: string }[] = [];
  for (const chunk of chunks) {
    assertEquals(chunk.object, "chat.completion.chunk");
    if (chunk.usage) usage = chunk.usage;
    const choice = (chunk.choices as Record<string, unknown>[])[0];
    if (!choice) continue;
    if (choice.finish_reason) finish = choice.finish_reason;
    const delta = choice.delta as Record<string, unknown>;
    if (typeof delta.content === "string") content += delta.content;
    if (typeof delta.reasoning_content === "string") reasoning += delta.reasoning_content;
    for (const tc of (delta.tool_calls ?? []) as Record<string, unknown>[]) {
      const fn = tc.function as Record<string, string>;
      const at = tc.index as number;
      calls[at] ??= { id: tc.id as string, name: "", arguments: "" };
      calls[at]!.name += fn.name ?? "";
      calls[at]!.arguments += fn.arguments ?? "";
    }
  }
  return { chunks, content, reasoning, finish, usage, calls };
}

Deno.test("Chat dialect streams a text reply as Pi reads it", async () => {
  await withMock({ rules: [{ match: "hello", replies: [{ kind: "text", text: "hi!" }] }] }, async (
    mock,
  ) => {
    const r = await turn(mock, [user("say hello")]);
    assertEquals([r.content, r.finish, r.calls], ["hi!", "stop", []]);
    const usage = r.usage as Record<string, number>;
    assert(usage.total_tokens === usage.prompt_tokens! + usage.completion_tokens!, "usage");
    assertEquals((r.chunks[0]!.choices as ChatMsg[])[0]!.delta, { role: "assistant", content: "" });
    const entry = mock.requests[0]!;
    assertEquals([entry.dialect, entry.path, entry.prompt, entry.step], [
      "openai-chat",
      "/v1/chat/completions",
      "say hello",
      0,
    ]);
  });
});

Deno.test("Chat dialect maps a Bash tool reply to Pi's bash tool, then answers the result", async () => {
  await withMock({
    rules: [MAKE_FILE_RULE],
  }, async (mock) => {
    const first = await turn(mock, [user("make file please")]);
    assertEquals([first.content, first.finish], ["On it.", "tool_calls"]);
    assertEquals(first.calls.map((c) => [c.name, c.arguments]), [[
      "bash",
      '{"command":"touch x"}',
    ]]);
    const id = first.calls[0]!.id;
    assert(id.startsWith("call_"), id);
    const second = await turn(mock, [
      user("make file please"),
      {
        role: "assistant",
        content: "On it.",
        tool_calls: [{ id, type: "function", function: first.calls[0] }],
      },
      { role: "tool", content: "(no output)", tool_call_id: id },
    ]);
    assertEquals([second.content, second.finish], ["done", "stop"]);
    assertEquals(mock.requests[1]?.step, 1);
  });
});

Deno.test("Chat dialect accepts input.cmd and passes other tool names through", async () => {
  await withMock({
    rules: [
      { match: "cmd", replies: [{ kind: "tool", name: "bash", input: { cmd: "ls", timeout: 5 } }] },
      { match: "read", replies: [{ kind: "tool", name: "read", input: { path: "a.txt" } }] },
    ],
  }, async (mock) => {
    const a = await turn(mock, [user("cmd")]);
    assertEquals(a.calls.map((c) => [c.name, c.arguments]), [[
      "bash",
      '{"command":"ls","timeout":5}',
    ]]);
    const b = await turn(mock, [user("read")]);
    assertEquals(b.calls.map((c) => [c.name, c.arguments]), [["read", '{"path":"a.txt"}']]);
  });
});

Deno.test("Chat dialect sends thinking as reasoning_content", async () => {
  await withMock({
    rules: [{ match: "think", replies: [{ kind: "text", text: "42", thinking: "hmm" }] }],
  }, async (mock) => {
    const r = await turn(mock, [user("think")]);
    assertEquals([r.reasoning, r.content], ["hmm", "42"]);
  });
});

Deno.test("Chat dialect returns an HTTP error with an OpenAI error body", async () => {
  await withMock({
    rules: [
      { match: "fail", replies: [{ kind: "error", status: 500, message: "boom" }] },
      { match: "bad", replies: [{ kind: "error", status: 400, message: "nope" }] },
    ],
  }, async (mock) => {
    const res = await post(mock, body([user("please fail")]));
    assertEquals(res.status, 500);
    assertEquals((await res.json()).error, {
      message: "boom",
      type: "server_error",
      param: null,
      code: null,
    });
    const bad = await post(mock, body([user("bad one")]));
    assertEquals([bad.status, (await bad.json()).error.type], [400, "invalid_request_error"]);
  });
});

Deno.test("Chat dialect selects the newest prompt after failed turns and tool results", async () => {
  await withMock({
    rules: [
      { match: "first", replies: [{ kind: "text", text: "wrong rule" }] },
      { match: "second", replies: [{ kind: "text", text: "A" }, { kind: "text", text: "B" }] },
    ],
  }, async (mock) => {
    // Pi drops a failed turn's error message, so failed prompts sit next to each other.
    const r = await turn(mock, [
      user("first prompt"),
      { role: "user", content: "second prompt" },
      { role: "assistant", content: null, tool_calls: [] },
      { role: "tool", content: "(no output)", tool_call_id: "c1" },
      { role: "user", content: [{ type: "text", text: "Attached image(s) from tool result:" }] },
    ]);
    assertEquals(r.content, "B");
    assertEquals([mock.requests[0]?.prompt, mock.requests[0]?.step], ["second prompt", 1]);
  });
});

Deno.test("Chat dialect answers stream:false with a plain chat.completion", async () => {
  await withMock({
    rules: [{ match: "tool", replies: [{ kind: "tool", name: "Bash", input: { command: "ls" } }] }],
  }, async (mock) => {
    const res = await post(mock, body([user("plain")], { stream: false }));
    const json = await res.json();
    assertEquals([json.object, json.choices[0].message.content, json.choices[0].finish_reason], [
      "chat.completion",
      "mock reply to: plain",
      "stop",
    ]);
    const tool = await (await post(mock, body([user("tool")], { stream: false }))).json();
    assertEquals(tool.choices[0].message.tool_calls[0].function, {
      name: "bash",
      arguments: '{"command":"ls"}',
    });
    assertEquals(tool.choices[0].finish_reason, "tool_calls");
  });
});

Deno.test("Chat dialect sends a reply's parallel calls (also) as several tool_calls", async () => {
  const also = [{ name: "Bash", input: { command: "touch b" } }];
  await withMock({
    rules: [{
      match: "two",
      replies: [{ kind: "tool", name: "Bash", input: { command: "touch a" }, also }],
    }],
  }, async (mock) => {
    const reply = await turn(mock, [user("two")]);
    assertEquals(reply.calls.map((c) => [c.name, c.arguments]), [
      ["bash", '{"command":"touch a"}'],
      ["bash", '{"command":"touch b"}'],
    ]);
    assert(reply.calls[0]!.id !== reply.calls[1]!.id, "distinct call ids");
  });
});
