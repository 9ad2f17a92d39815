/**
 * Tests for the Anthropic Messages dialect of the mock model (kit/mock_model_anthropic.ts),
 * the one Claude Code speaks, through real HTTP.
 *
 * @module
 */

import { assert, assertEquals } from "./support/assert.ts";
import type { Reply } from "../kit/mock_model.ts";
import {
  assemble,
  body,
  type Msg,
  parseSse,
  post,
  turn,
  user,
  withMock,
} from "./support/mock_model_client.ts";

Deno.test("MockModel streams a scripted text reply in the SSE order Claude Code expects", async () => {
  await withMock({ rules: [{ match: "hello", replies: [{ kind: "text", text: "hi!" }] }] }, async (
    mock,
  ) => {
    const { events, blocks, stop } = await turn(mock, [user("say hello")]);
    assertEquals(events.map((e) => e.event), [
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    assertEquals(blocks, [{ type: "text", text: "hi!" }]);
    assertEquals(stop, "end_turn");
    const start = events[0]!.data.message as Record<string, unknown>;
    assertEquals(start.model, "claude-test");
    const entry = mock.requests[0]!;
    assertEquals([entry.path, entry.search, entry.prompt, entry.step], [
      "/v1/messages",
      "?beta=true",
      "say hello",
      0,
    ]);
    assertEquals(entry.ruleIndex, 0);
    assertEquals(entry.headers["x-api-key"], "…0000", "API key is masked");
    assertEquals(entry.headers["anthropic-version"], "2023-06-01");
  });
});

Deno.test("MockModel emits a signed thinking block before the text", async () => {
  const reply: Reply = { kind: "text", text: "42", thinking: "let me think" };
  await withMock({ rules: [{ match: "answer", replies: [reply] }] }, async (mock) => {
    const { events, blocks } = await turn(mock, [user("the answer?")]);
    const deltas = events.filter((e) => e.event === "content_block_delta")
      .map((e) => (e.data.delta as Record<string, unknown>).type);
    assertEquals(deltas, ["thinking_delta", "signature_delta", "text_delta"]);
    assertEquals(blocks[0]?.type, "thinking");
    assertEquals(blocks[0]?.thinking, "let me think");
    assert(typeof blocks[0]?.signature === "string" && blocks[0].signature !== "", "signature");
    assertEquals(blocks[1], { type: "text", text: "42" });
  });
});

Deno.test("MockModel plays a tool call, then the text after the tool result", async () => {
  const input = { command: "touch /tmp/x", description: "Create x" };
  await withMock({
    rules: [{
      match: /make (a|the) file/,
      replies: [
        { kind: "tool", name: "Bash", input, text: "Creating it." },
        { kind: "text", text: "done" },
      ],
    }],
  }, async (mock) => {
    const first = await turn(mock, [user("please make a file")]);
    assertEquals(first.stop, "tool_use");
    assertEquals(first.blocks[0], { type: "text", text: "Creating it." });
    const tool = first.blocks[1]!;
    assertEquals([tool.type, tool.name, tool.input], ["tool_use", "Bash", input]);
    assert(typeof tool.id === "string" && tool.id.startsWith("toolu_"), "tool id");

    const history: Msg[] = [
      user("please make a file"),
      { role: "assistant", content: first.blocks },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: tool.id, content: "" },
          // Claude Code adds reminders next to tool results; they must not start a new turn.
          { type: "text", text: "<system-reminder>\nnote\n</system-reminder>" },
        ],
      },
    ];
    const second = await turn(mock, history);
    assertEquals(second.stop, "end_turn");
    assertEquals(second.blocks, [{ type: "text", text: "done" }]);
    assertEquals(mock.requests[1]?.step, 1);

    // Steps past the script reuse the last reply.
    const third = await turn(mock, [
      ...history,
      { role: "assistant", content: second.blocks },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t2", content: "" }] },
    ]);
    assertEquals(third.blocks, [{ type: "text", text: "done" }]);
    assertEquals(mock.requests[2]?.step, 2);
  });
});

Deno.test("MockModel returns an HTTP error reply in Messages API shape", async () => {
  await withMock({
    rules: [{ match: "fail", replies: [{ kind: "error", status: 400, message: "bad thing" }] }],
  }, async (mock) => {
    const res = await post(mock, body([user("please fail")]));
    assertEquals(res.status, 400);
    assertEquals(await res.json(), {
      type: "error",
      error: { type: "invalid_request_error", message: "bad thing" },
    });
    assertEquals(mock.requests[0]?.status, 400);
  });
});

Deno.test("MockModel answers the title side request without using the script", async () => {
  await withMock({
    title: "Scripted title",
    rules: [{
      match: "work",
      replies: [{ kind: "error", status: 400, message: "must not be used for titles" }],
    }],
  }, async (mock) => {
    const res = await post(
      mock,
      body([user("do some work")], {
        tools: [],
        output_config: {
          format: {
            type: "json_schema",
            schema: { type: "object", properties: { title: { type: "string" } } },
          },
        },
      }),
    );
    assertEquals(res.status, 200);
    const { blocks } = assemble(parseSse(await res.text()));
    assertEquals(blocks, [{ type: "text", text: '{"title":"Scripted title"}' }]);
    assertEquals(mock.requests[0]?.side, "title");
    assertEquals(mock.requests[0]?.prompt, "do some work");
  });
});

Deno.test("MockModel selects the last text block after a failed turn was merged", async () => {
  await withMock({
    rules: [
      { match: "first", replies: [{ kind: "text", text: "wrong rule" }] },
      { match: "second", replies: [{ kind: "text", text: "right rule" }] },
    ],
  }, async (mock) => {
    const messages: Msg[] = [
      { role: "system", content: "tolerated system entry" },
      {
        role: "user",
        content: [{ type: "text", text: "first prompt" }, { type: "text", text: "second prompt" }],
      },
    ];
    assertEquals((await turn(mock, messages)).blocks, [{ type: "text", text: "right rule" }]);
    assertEquals(mock.requests[0]?.prompt, "second prompt");
  });
});

Deno.test("MockModel answers stream:false with a plain JSON message", async () => {
  await withMock({}, async (mock) => {
    const res = await post(mock, body([{ role: "user", content: "plain" }], { stream: false }));
    const json = await res.json();
    assertEquals([json.type, json.stop_reason, json.content], ["message", "end_turn", [{
      type: "text",
      text: "mock reply to: plain",
    }]]);
  });
});

Deno.test("MockModel sends a reply's parallel calls (also) as several tool_use blocks", async () => {
  const also = [{ name: "Read", input: { file_path: "/tmp/b" } }];
  await withMock({
    rules: [{
      match: "two",
      replies: [{ kind: "tool", name: "Bash", input: { command: "ls" }, also }],
    }],
  }, async (mock) => {
    const reply = await turn(mock, [user("two")]);
    assertEquals(reply.stop, "tool_use");
    assertEquals(reply.blocks.map((b) => [b.type, b.name, b.input]), [
      ["tool_use", "Bash", { command: "ls" }],
      ["tool_use", "Read", { file_path: "/tmp/b" }],
    ]);
    assert(reply.blocks[0]!.id !== reply.blocks[1]!.id, "distinct ids");
  });
});
