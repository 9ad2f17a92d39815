/**
 * Tests for the OpenAI Responses dialect of the mock model
 * (kit/mock_model_openai_responses.ts), the one Codex speaks, through real HTTP.
 *
 * @module
 */

import { assert, assertEquals } from "./support/assert.ts";
import type { MockModel } from "../kit/mock_model.ts";
import { MAKE_FILE_RULE, parseSse, withMock } from "./support/mock_model_client.ts";
import { responsesMessages } from "../kit/mock_model_openai_responses.ts";

type Item = Record<string, unknown>;

const user = (text: string): Item => ({
  type: "message",
  role: "user",
  content: [{ type: "input_text", text }],
});

/** What Codex 0.169.0 puts before the first prompt of a thread. */
const CODEX_PREAMBLE: Item[] = [
  {
    type: "message",
    role: "developer",
    content: [{ type: "input_text", text: "You are a coding agent running in the Codex CLI" }],
  },
  user("<environment_context>\n  <cwd>/w</cwd>\n  <shell>bash</shell>\n</environment_context>"),
];

/** A Codex-like Responses request body. */
function body(input: Item[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: "mock-model",
    stream: true,
    store: false,
    tools: [{ type: "function", name: "exec_command", parameters: { type: "object" } }],
    tool_choice: "auto",
    input,
    ...extra,
  };
}

async function post(mock: MockModel, b: Record<string, unknown>): Promise<Response> {
  return await fetch(`${mock.url}/v1/responses`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: "Bearer sk-mock-000000000000000000001234",
      originator: "codex-tui",
    },
    body: JSON.stringify(b),
  });
}

/** Posts a Responses request and returns the SSE events and the completed output items. */
async function turn(mock: MockModel, input: Item[], extra: Record<string, unknown> = {}) {
  const res = await post(mock, body(input, extra));
  assertEquals(res.status, 200, "status");
  assert(res.headers.get("content-type")?.startsWith("text/event-stream"), "SSE content type");
  const events = parseSse(await res.text());
  const completed = events.at(-1)!;
  assertEquals(completed.event, "response.completed");
  const response = completed.data.response as Record<string, unknown>;
  const output = response.output as Item[];
  const done = events.filter((e) => e.event === "response.output_item.done").map((e) =>
    e.data.item
  );
  assertEquals(done, output, "output_item.done items equal response.completed output");
  return { events, response, output };
}

Deno.test("Responses dialect streams a text reply as Codex reads it", async () => {
  await withMock({ rules: [{ match: "hello", replies: [{ kind: "text", text: "hi!" }] }] }, async (
    mock,
  ) => {
    const { events, response, output } = await turn(mock, [...CODEX_PREAMBLE, user("say hello")]);
    assertEquals(events.map((e) => e.event), [
      "response.created",
      "response.output_item.added",
      "response.output_text.delta",
      "response.output_item.done",
      "response.completed",
    ]);
    assertEquals(events[2]!.data.delta, "hi!");
    assertEquals([response.status, response.model], ["completed", "mock-model"]);
    assert(typeof response.id === "string" && response.id.startsWith("resp_"), "response id");
    const usage = response.usage as Record<string, number>;
    assert(usage.total_tokens === usage.input_tokens! + usage.output_tokens!, "usage adds up");
    assertEquals(output.length, 1);
    assertEquals([output[0]!.type, output[0]!.role, output[0]!.content], ["message", "assistant", [
      { type: "output_text", text: "hi!", annotations: [] },
    ]]);
    const entry = mock.requests[0]!;
    assertEquals([entry.dialect, entry.path, entry.prompt, entry.step, entry.ruleIndex], [
      "openai-responses",
      "/v1/responses",
      "say hello",
      0,
      0,
    ]);
    assertEquals(entry.headers.authorization, "…1234", "key is masked");
    assertEquals(entry.headers.originator, "codex-tui");
  });
});

Deno.test("Responses dialect maps a Bash tool reply to exec_command, then answers the result", async () => {
  await withMock({
    rules: [MAKE_FILE_RULE],
  }, async (mock) => {
    const first = await turn(mock, [...CODEX_PREAMBLE, user("make file please")]);
    assertEquals(first.output.map((i) => i.type), ["message", "function_call"]);
    const call = first.output[1]!;
    assertEquals([call.name, call.arguments], ["exec_command", '{"cmd":"touch x"}']);
    assert(typeof call.call_id === "string" && call.call_id.startsWith("call_"), "call_id");
    const added = first.events.filter((e) => e.event === "response.output_item.added")
      .map((e) => (e.data.item as Item).type);
    assertEquals(added, ["message", "function_call"]);

    // Codex sends the model's items back, then the tool output: that is step 1 of the same turn.
    const history = [
      ...CODEX_PREAMBLE,
      user("make file please"),
      ...first.output,
      { type: "function_call_output", call_id: call.call_id, output: "Process exited with code 0" },
    ];
    const second = await turn(mock, history);
    assertEquals(second.output.map((i) => i.content), [[
      { type: "output_text", text: "done", annotations: [] },
    ]]);
    assertEquals(mock.requests[1]?.step, 1, "message + function_call of one call count once");
  });
});

Deno.test("Responses dialect accepts input.cmd and passes other tool names through", async () => {
  await withMock({
    rules: [
      { match: "cmd", replies: [{ kind: "tool", name: "exec_command", input: { cmd: "ls" } }] },
      {
        match: "plan",
        replies: [{ kind: "tool", name: "update_plan", input: { plan: [] } }],
      },
      { match: "broken", replies: [{ kind: "tool", name: "Bash", input: { nope: 1 } }] },
    ],
  }, async (mock) => {
    const a = await turn(mock, [user("cmd")]);
    assertEquals([a.output[0]!.name, a.output[0]!.arguments], ["exec_command", '{"cmd":"ls"}']);
    const b = await turn(mock, [user("plan")]);
    assertEquals([b.output[0]!.name, b.output[0]!.arguments], ["update_plan", '{"plan":[]}']);
    const res = await post(mock, body([user("broken")]));
    assertEquals(res.status, 400, "a shell reply without a command is a script error");
    assert(((await res.json()).error.message as string).includes("no string command"));
  });
});

Deno.test("Responses dialect sends thinking as a reasoning item before the text", async () => {
  await withMock({
    rules: [{ match: "think", replies: [{ kind: "text", text: "42", thinking: "hmm" }] }],
  }, async (mock) => {
    const { output } = await turn(mock, [user("think")]);
    assertEquals(output.map((i) => i.type), ["reasoning", "message"]);
    assertEquals(output[0]!.summary, [{ type: "summary_text", text: "hmm" }]);
  });
});

Deno.test("Responses dialect returns an HTTP error with an OpenAI error body", async () => {
  await withMock({
    rules: [{ match: "fail", replies: [{ kind: "error", status: 500, message: "boom" }] }],
  }, async (mock) => {
    const res = await post(mock, body([user("please fail")]));
    assertEquals(res.status, 500);
    assertEquals(await res.json(), {
      error: { message: "boom", type: "server_error", param: null, code: null },
    });
    assertEquals(mock.requests[0]?.status, 500);
  });
});

Deno.test("Responses dialect answers Codex's title request outside the script", async () => {
  await withMock({
    title: "Scripted title",
    rules: [{
      match: "work",
      replies: [{ kind: "error", status: 500, message: "not for titles" }],
    }],
  }, async (mock) => {
    const { output } = await turn(mock, [
      ...CODEX_PREAMBLE,
      user("Generate a concise, single-line task title…\n\nUser prompt:\ndo some work"),
    ], {
      tools: [],
      text: {
        format: {
          type: "json_schema",
          strict: true,
          name: "codex_output_schema",
          schema: { type: "object", properties: { title: { type: "string" } } },
        },
      },
    });
    assertEquals(output.map((i) => i.content), [[
      { type: "output_text", text: '{"title":"Scripted title"}', annotations: [] },
    ]]);
    assertEquals(mock.requests[0]?.side, "title");
  });
});

Deno.test("Responses dialect selects the newest prompt after failed turns and tool results", async () => {
  await withMock({
    rules: [
      { match: "first", replies: [{ kind: "text", text: "wrong rule" }] },
      { match: "second", replies: [{ kind: "text", text: "A" }, { kind: "text", text: "B" }] },
    ],
  }, async (mock) => {
    // A failed turn leaves its prompt as a lone user message; the next prompt follows it.
    const { output } = await turn(mock, [
      ...CODEX_PREAMBLE,
      user("first prompt"),
      user("<turn_aborted>\nThe user interrupted.\n</turn_aborted>"),
      user("second prompt"),
      { type: "reasoning", id: "rs_1", summary: [], encrypted_content: null },
      { type: "function_call", name: "exec_command", arguments: "{}", call_id: "c1" },
      { type: "function_call", name: "exec_command", arguments: "{}", call_id: "c2" },
      { type: "function_call_output", call_id: "c1", output: "" },
      { type: "function_call_output", call_id: "c2", output: "" },
    ]);
    assertEquals((output[0]!.content as Item[])[0]!.text, "B");
    assertEquals([mock.requests[0]?.prompt, mock.requests[0]?.step], ["second prompt", 1]);
  });
});

Deno.test("responsesMessages() groups one call's items and skips injected context", () => {
  assertEquals(responsesMessages("plain string input"), [{
    role: "user",
    texts: ["plain string input"],
  }]);
  assertEquals(
    responsesMessages([
      ...CODEX_PREAMBLE,
      { role: "user", content: "easy input message" },
      user("# AGENTS.md instructions for /w\n\n<INSTRUCTIONS>x</INSTRUCTIONS>"),
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "t" }] },
      { type: "function_call", call_id: "c" },
      { type: "function_call_output", call_id: "c", output: "" },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] },
      { type: "something_new" },
    ]),
    [
      { role: "other", texts: [] },
      { role: "user", texts: [] },
      { role: "user", texts: ["easy input message"] },
      { role: "user", texts: [] },
      { role: "assistant", texts: [] },
      { role: "user", texts: [] },
      { role: "assistant", texts: [] },
      { role: "other", texts: [] },
    ],
  );
});

Deno.test("Responses dialect answers stream:false with a plain response object", async () => {
  await withMock({}, async (mock) => {
    const res = await post(mock, body([user("plain")], { stream: false }));
    const json = await res.json();
    assertEquals([json.object, json.status, json.output[0].content[0].text], [
      "response",
      "completed",
      "mock reply to: plain",
    ]);
  });
});

Deno.test("Responses dialect sends a reply's parallel calls (also) as several function_calls", async () => {
  const also = [{ name: "Bash", input: { command: "touch b" } }];
  await withMock({
    rules: [{
      match: "two",
      replies: [{ kind: "tool", name: "Bash", input: { command: "touch a" }, also }],
    }],
  }, async (mock) => {
    const reply = await turn(mock, [...CODEX_PREAMBLE, user("two")]);
    const calls = reply.output.filter((i) => i.type === "function_call");
    assertEquals(calls.map((c) => c.arguments), ['{"cmd":"touch a"}', '{"cmd":"touch b"}']);
    assert(calls[0]!.call_id !== calls[1]!.call_id, "distinct call ids");
  });
});
