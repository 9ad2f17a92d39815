/**
 * Unit tests for the mock model server (tests/support/mock_model*.ts), through real HTTP.
 *
 * @module
 */

import { MockModel, type Reply, selectTurn } from "./support/mock_model.ts";
import { parseArgs, parseRulesFile, UsageError } from "./support/mock_model_main.ts";
import { responsesMessages } from "./support/mock_model_openai_responses.ts";

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

// ---------------------------------------------------------------------------------------------
// OpenAI Responses dialect (Codex)
// ---------------------------------------------------------------------------------------------

type Item = Record<string, unknown>;

const rUser = (text: string): Item => ({
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
  rUser("<environment_context>\n  <cwd>/w</cwd>\n  <shell>bash</shell>\n</environment_context>"),
];

/** A Codex-like Responses request body. */
function rBody(input: Item[], extra: Record<string, unknown> = {}): Record<string, unknown> {
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

async function rPost(mock: MockModel, b: Record<string, unknown>): Promise<Response> {
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
async function rTurn(mock: MockModel, input: Item[], extra: Record<string, unknown> = {}) {
  const res = await rPost(mock, rBody(input, extra));
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
    const { events, response, output } = await rTurn(mock, [...CODEX_PREAMBLE, rUser("say hello")]);
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
    rules: [{
      match: "make file",
      replies: [
        {
          kind: "tool",
          name: "Bash",
          input: { command: "touch x", description: "d" },
          text: "On it.",
        },
        { kind: "text", text: "done" },
      ],
    }],
  }, async (mock) => {
    const first = await rTurn(mock, [...CODEX_PREAMBLE, rUser("make file please")]);
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
      rUser("make file please"),
      ...first.output,
      { type: "function_call_output", call_id: call.call_id, output: "Process exited with code 0" },
    ];
    const second = await rTurn(mock, history);
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
    const a = await rTurn(mock, [rUser("cmd")]);
    assertEquals([a.output[0]!.name, a.output[0]!.arguments], ["exec_command", '{"cmd":"ls"}']);
    const b = await rTurn(mock, [rUser("plan")]);
    assertEquals([b.output[0]!.name, b.output[0]!.arguments], ["update_plan", '{"plan":[]}']);
    const res = await rPost(mock, rBody([rUser("broken")]));
    assertEquals(res.status, 400, "a shell reply without a command is a script error");
    assert(((await res.json()).error.message as string).includes("no string command"));
  });
});

Deno.test("Responses dialect sends thinking as a reasoning item before the text", async () => {
  await withMock({
    rules: [{ match: "think", replies: [{ kind: "text", text: "42", thinking: "hmm" }] }],
  }, async (mock) => {
    const { output } = await rTurn(mock, [rUser("think")]);
    assertEquals(output.map((i) => i.type), ["reasoning", "message"]);
    assertEquals(output[0]!.summary, [{ type: "summary_text", text: "hmm" }]);
  });
});

Deno.test("Responses dialect returns an HTTP error with an OpenAI error body", async () => {
  await withMock({
    rules: [{ match: "fail", replies: [{ kind: "error", status: 500, message: "boom" }] }],
  }, async (mock) => {
    const res = await rPost(mock, rBody([rUser("please fail")]));
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
    const { output } = await rTurn(mock, [
      ...CODEX_PREAMBLE,
      rUser("Generate a concise, single-line task title…\n\nUser prompt:\ndo some work"),
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
    const { output } = await rTurn(mock, [
      ...CODEX_PREAMBLE,
      rUser("first prompt"),
      rUser("<turn_aborted>\nThe user interrupted.\n</turn_aborted>"),
      rUser("second prompt"),
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
      rUser("# AGENTS.md instructions for /w\n\n<INSTRUCTIONS>x</INSTRUCTIONS>"),
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
    const res = await rPost(mock, rBody([rUser("plain")], { stream: false }));
    const json = await res.json();
    assertEquals([json.object, json.status, json.output[0].content[0].text], [
      "response",
      "completed",
      "mock reply to: plain",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// OpenAI Chat Completions dialect (Pi)
// ---------------------------------------------------------------------------------------------

type ChatMsg = Record<string, unknown>;

const cUser = (text: string): ChatMsg => ({ role: "user", content: [{ type: "text", text }] });

/** A Pi-like Chat Completions request body. */
function cBody(messages: ChatMsg[], extra: Record<string, unknown> = {}): Record<string, unknown> {
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

async function cPost(mock: MockModel, b: Record<string, unknown>): Promise<Response> {
  return await fetch(`${mock.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer mock-key" },
    body: JSON.stringify(b),
  });
}

/** Parses `data:` chunks up to `[DONE]` and rebuilds the message as the OpenAI SDK would. */
async function cTurn(mock: MockModel, messages: ChatMsg[]) {
  const res = await cPost(mock, cBody(messages));
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
    const r = await cTurn(mock, [cUser("say hello")]);
    assertEquals([r.content, r.finish, r.calls], ["hi!", "stop", []]);
    const usage = r.usage as Record<string, number>;
    assert(usage.total_tokens === usage.prompt_tokens! + usage.completion_tokens!, "usage");
    assertEquals((r.chunks[0]!.choices as Item[])[0]!.delta, { role: "assistant", content: "" });
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
    rules: [{
      match: "make file",
      replies: [
        {
          kind: "tool",
          name: "Bash",
          input: { command: "touch x", description: "d" },
          text: "On it.",
        },
        { kind: "text", text: "done" },
      ],
    }],
  }, async (mock) => {
    const first = await cTurn(mock, [cUser("make file please")]);
    assertEquals([first.content, first.finish], ["On it.", "tool_calls"]);
    assertEquals(first.calls.map((c) => [c.name, c.arguments]), [[
      "bash",
      '{"command":"touch x"}',
    ]]);
    const id = first.calls[0]!.id;
    assert(id.startsWith("call_"), id);
    const second = await cTurn(mock, [
      cUser("make file please"),
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
    const a = await cTurn(mock, [cUser("cmd")]);
    assertEquals(a.calls.map((c) => [c.name, c.arguments]), [[
      "bash",
      '{"command":"ls","timeout":5}',
    ]]);
    const b = await cTurn(mock, [cUser("read")]);
    assertEquals(b.calls.map((c) => [c.name, c.arguments]), [["read", '{"path":"a.txt"}']]);
  });
});

Deno.test("Chat dialect sends thinking as reasoning_content", async () => {
  await withMock({
    rules: [{ match: "think", replies: [{ kind: "text", text: "42", thinking: "hmm" }] }],
  }, async (mock) => {
    const r = await cTurn(mock, [cUser("think")]);
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
    const res = await cPost(mock, cBody([cUser("please fail")]));
    assertEquals(res.status, 500);
    assertEquals((await res.json()).error, {
      message: "boom",
      type: "server_error",
      param: null,
      code: null,
    });
    const bad = await cPost(mock, cBody([cUser("bad one")]));
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
    const r = await cTurn(mock, [
      cUser("first prompt"),
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
    const res = await cPost(mock, cBody([cUser("plain")], { stream: false }));
    const json = await res.json();
    assertEquals([json.object, json.choices[0].message.content, json.choices[0].finish_reason], [
      "chat.completion",
      "mock reply to: plain",
      "stop",
    ]);
    const tool = await (await cPost(mock, cBody([cUser("tool")], { stream: false }))).json();
    assertEquals(tool.choices[0].message.tool_calls[0].function, {
      name: "bash",
      arguments: '{"command":"ls"}',
    });
    assertEquals(tool.choices[0].finish_reason, "tool_calls");
  });
});

Deno.test("MockModel routes each API path to its dialect and 404s the rest", async () => {
  await withMock({}, async (mock) => {
    for (const path of ["/v1/responses", "/v1/chat/completions", "/v1/messages"]) {
      const res = await fetch(`${mock.url}${path}`, { method: "POST", body: "{}" });
      await res.body?.cancel();
      assertEquals(res.status, 400, `${path} rejects a body of the wrong shape`);
    }
    const res = await fetch(`${mock.url}/v1/completions`, { method: "POST", body: "{}" });
    await res.body?.cancel();
    assertEquals(res.status, 404);
    assertEquals(mock.requests.map((r) => r.dialect), [
      "openai-responses",
      "openai-chat",
      "anthropic",
      null,
    ]);
  });
});
