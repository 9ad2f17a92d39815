/**
 * Unit tests for the mock model server (tests/support/mock_model*.ts), through real HTTP.
 *
 * @module
 */

import { MockModel, type Reply, selectTurn } from "./support/mock_model.ts";
import { parseArgs, parseRulesFile, UsageError } from "./support/mock_model_main.ts";

function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

function assertEquals(actual: unknown, expected: unknown, msg = ""): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${msg}${msg ? ": " : ""}expected ${e}, got ${a}`);
}

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Parses a whole SSE body into events, checking each `data.type` echoes the event name. */
function parseSse(text: string): SseEvent[] {
  return text.split("\n\n").filter((chunk) => chunk.trim() !== "").map((chunk) => {
    let event = "";
    let data = "";
    for (const line of chunk.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    const parsed = JSON.parse(data) as Record<string, unknown>;
    assertEquals(parsed.type, event, "SSE data.type");
    return { event, data: parsed };
  });
}

/** Rebuilds the content blocks and stop reason from an SSE stream, as a client would. */
function assemble(events: SseEvent[]): { blocks: Record<string, unknown>[]; stop: unknown } {
  const blocks: Record<string, unknown>[] = [];
  let stop: unknown = null;
  for (const { event, data } of events) {
    if (event === "content_block_start") {
      blocks[data.index as number] = { ...(data.content_block as Record<string, unknown>) };
    } else if (event === "content_block_delta") {
      const b = blocks[data.index as number]!;
      const d = data.delta as Record<string, string>;
      if (d.type === "text_delta") b.text = (b.text as string) + d.text;
      else if (d.type === "thinking_delta") b.thinking = (b.thinking as string) + d.thinking;
      else if (d.type === "signature_delta") b.signature = d.signature;
      else if (d.type === "input_json_delta") {
        b.partial = ((b.partial as string | undefined) ?? "") + d.partial_json;
      }
    } else if (event === "content_block_stop") {
      const b = blocks[data.index as number]!;
      if (b.type === "tool_use") {
        b.input = JSON.parse(b.partial as string);
        delete b.partial;
      }
    } else if (event === "message_delta") {
      stop = (data.delta as Record<string, unknown>).stop_reason;
    }
  }
  return { blocks, stop };
}

type Msg = { role: string; content: unknown };

/** A Claude-Code-like request body. */
function body(messages: Msg[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: "claude-test",
    max_tokens: 1000,
    stream: true,
    tools: [{ name: "Bash", input_schema: { type: "object" } }],
    messages,
    ...extra,
  };
}

async function post(mock: MockModel, b: Record<string, unknown>): Promise<Response> {
  return await fetch(`${mock.url}/v1/messages?beta=true`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": "sk-mock-000000000000000000000000",
      "anthropic-version": "2023-06-01",
    },
    body: JSON.stringify(b),
  });
}

async function turn(mock: MockModel, messages: Msg[]) {
  const res = await post(mock, body(messages));
  assertEquals(res.status, 200, "status");
  assert(res.headers.get("content-type")?.startsWith("text/event-stream"), "SSE content type");
  const events = parseSse(await res.text());
  return { events, ...assemble(events) };
}

async function withMock(
  opts: Parameters<typeof MockModel.start>[0],
  fn: (mock: MockModel) => Promise<void>,
): Promise<void> {
  const mock = await MockModel.start(opts);
  try {
    await fn(mock);
  } finally {
    await mock.close();
  }
}

const user = (text: string): Msg => ({ role: "user", content: [{ type: "text", text }] });

Deno.test("MockModel.start() listens on 127.0.0.1 and answers HEAD / with 404", async () => {
  await withMock({}, async (mock) => {
    assert(mock.url === `http://127.0.0.1:${mock.port}`, mock.url);
    assert(mock.port > 0);
    const res = await fetch(`${mock.url}/`, { method: "HEAD" });
    await res.body?.cancel();
    assertEquals(res.status, 404);
    assertEquals(mock.requests[0]?.method, "HEAD");
    assertEquals(mock.requests[0]?.reply, null);
  });
});

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

Deno.test("MockModel answers unmatched prompts with the default reply", async () => {
  await withMock({}, async (mock) => {
    const long = "x".repeat(100);
    const { blocks } = await turn(mock, [user(long)]);
    assertEquals(blocks, [{ type: "text", text: `mock reply to: ${"x".repeat(80)}` }]);
  });
  await withMock({ defaultReply: { kind: "text", text: "fixed" } }, async (mock) => {
    assertEquals((await turn(mock, [user("anything")])).blocks, [{ type: "text", text: "fixed" }]);
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

Deno.test("MockModel delays a reply and logs the request before answering", async () => {
  await withMock({
    rules: [{ match: "slow", replies: [{ kind: "text", text: "late", delayMs: 300 }] }],
  }, async (mock) => {
    const t0 = Date.now();
    const pending = turn(mock, [user("slow one")]);
    const seen = await mock.waitForRequests(1, { timeoutMs: 2000 });
    assert(Date.now() - t0 < 250, "request logged before the delay ends");
    assertEquals(seen[0]?.prompt, "slow one");
    assertEquals((await pending).blocks, [{ type: "text", text: "late" }]);
    assert(Date.now() - t0 >= 290, `delay honoured (${Date.now() - t0} ms)`);
  });
});

Deno.test("MockModel.close() cuts a pending delay short", async () => {
  const mock = await MockModel.start({
    rules: [{ match: "x", replies: [{ kind: "text", text: "y", delayMs: 60_000 }] }],
  });
  const pending = post(mock, body([user("x")])).then((r) => r.text()).catch(() => "");
  await mock.waitForRequests(1, { timeoutMs: 2000 });
  const t0 = Date.now();
  await mock.close();
  await pending;
  assert(Date.now() - t0 < 5000, "close did not wait for the delay");
});

Deno.test("MockModel.waitForRequests() times out with a clear error", async () => {
  await withMock({}, async (mock) => {
    let error: unknown = null;
    try {
      await mock.waitForRequests(1, { timeoutMs: 50 });
    } catch (err) {
      error = err;
    }
    assert(error instanceof Error && error.message.startsWith("Cannot wait for 1"), `${error}`);
  });
});

Deno.test("MockModel.addRule() adds a rule after the existing ones", async () => {
  await withMock({ rules: [{ match: "a", replies: [{ kind: "text", text: "first" }] }] }, async (
    mock,
  ) => {
    mock.addRule({ match: "ab", replies: [{ kind: "text", text: "second" }] });
    mock.addRule({ match: "zz", replies: [{ kind: "text", text: "third" }] });
    assertEquals((await turn(mock, [user("ab")])).blocks, [{ type: "text", text: "first" }]);
    assertEquals((await turn(mock, [user("zz")])).blocks, [{ type: "text", text: "third" }]);
  });
});

Deno.test("selectTurn() ignores other roles and returns null without a prompt", () => {
  assertEquals(selectTurn([]), null);
  assertEquals(selectTurn([{ role: "user", texts: [] }]), null);
  assertEquals(
    selectTurn([
      { role: "user", texts: ["p1"] },
      { role: "assistant", texts: [] },
      { role: "other", texts: [] },
      { role: "user", texts: [] },
      { role: "assistant", texts: [] },
      { role: "user", texts: [] },
    ]),
    { prompt: "p1", step: 2 },
  );
});

Deno.test("parseRulesFile() reads regex rules and options; parseArgs() checks usage", () => {
  const opts = parseRulesFile(
    JSON.stringify({
      rules: [{ match: { regex: "^he", flags: "i" }, replies: [{ kind: "text", text: "x" }] }],
      title: "T",
    }),
    "rules.json",
  );
  const match = opts.rules?.[0]?.match;
  assert(match instanceof RegExp && match.test("Hello"), "regex rule");
  assertEquals(opts.title, "T");
  assertEquals(parseRulesFile("[]", "r").rules, []);
  let error: unknown = null;
  try {
    parseRulesFile('[{"match":"a","replies":[{"kind":"nope"}]}]', "bad.json");
  } catch (err) {
    error = err;
  }
  assert(error instanceof Error && error.message.includes('"bad.json"'), `${error}`);
  assertEquals(parseArgs(["--rules", "r.json", "--log", "l"]), {
    help: false,
    port: 0,
    rules: "r.json",
    log: "l",
  });
  let usage: unknown = null;
  try {
    parseArgs(["--bogus"]);
  } catch (err) {
    usage = err;
  }
  assert(usage instanceof UsageError, `${usage}`);
});

Deno.test("mock_model_main.ts prints its URL, logs requests and stops on SIGTERM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mock_model_main_" });
  try {
    const rules = `${dir}/rules.json`;
    const log = `${dir}/log.jsonl`;
    await Deno.writeTextFile(
      rules,
      JSON.stringify([{ match: "ping", replies: [{ kind: "text", text: "pong" }] }]),
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./support/mock_model_main.ts", import.meta.url).pathname]
        .concat(["--rules", rules, "--log", log]),
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    try {
      let line = "";
      const deadline = Date.now() + 20_000;
      while (!line.includes("\n")) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("no port line")), deadline - Date.now());
        });
        const { value, done } = await Promise.race([reader.read(), timeout])
          .finally(() => clearTimeout(timer));
        if (done) throw new Error("mock_model_main.ts exited before printing its port");
        line += value;
      }
      const { url } = JSON.parse(line) as { url: string };
      const res = await fetch(`${url}/v1/messages`, {
        method: "POST",
        body: JSON.stringify(body([user("ping")], { stream: false })),
      });
      assertEquals((await res.json()).content, [{ type: "text", text: "pong" }]);
      const logged = (await Deno.readTextFile(log)).trim().split("\n").map((l) => JSON.parse(l));
      assertEquals(logged.map((e) => [e.prompt, e.reply?.text]), [["ping", "pong"]]);
    } finally {
      child.kill("SIGTERM");
      reader.releaseLock();
      await child.stdout.cancel().catch(() => {});
    }
    const status = await child.status;
    assertEquals(status.code, 0, "exit code after SIGTERM");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
