/**
 * The usage the mock model reports: each dialect puts the logged figures in its own wire fields
 * (the ones the harnesses read), and `reportedUsage()` sums exactly what was sent.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { parseSse, withMock } from "./support/mock_model_client.ts";
import type { RequestLogEntry } from "../kit/mock_model.ts";

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
};

const lastUsage = (requests: RequestLogEntry[]) => {
  const usage = requests[requests.length - 1]!.usage;
  assert(usage, "the answer carried usage");
  return usage;
};

Deno.test("mock model: Anthropic SSE carries the logged usage in message_start and message_delta", async () => {
  await withMock({}, async (mock) => {
    const { text } = await post(`${mock.url}/v1/messages`, {
      model: "m",
      stream: true,
      messages: [{ role: "user", content: "a prompt long enough to have some tokens" }],
    });
    const events = parseSse(text);
    const start = events.find((e) => e.event === "message_start")!.data.message as {
      usage: Record<string, number>;
    };
    const delta = events.find((e) => e.event === "message_delta")!.data.usage as {
      output_tokens: number;
    };
    const u = lastUsage(mock.requests);
    assert(u.input > 0 && u.cacheRead > 0 && u.cacheWrite > 0 && u.output > 0, "all non-zero");
    assertEquals(start.usage.input_tokens, u.input);
    assertEquals(start.usage.cache_read_input_tokens, u.cacheRead);
    assertEquals(start.usage.cache_creation_input_tokens, u.cacheWrite);
    assertEquals(delta.output_tokens, u.output);
  });
});

Deno.test("mock model: Responses and Chat Completions count cached tokens inside the prompt", async () => {
  await withMock({}, async (mock) => {
    const responses = parseSse(
      (await post(`${mock.url}/v1/responses`, {
        model: "m",
        stream: true,
        input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
      })).text,
    );
    const completed = responses.find((e) => e.event === "response.completed")!.data.response as {
      usage: {
        input_tokens: number;
        input_tokens_details: { cached_tokens: number };
        output_tokens: number;
      };
    };
    const r = lastUsage(mock.requests);
    assertEquals(completed.usage.input_tokens, r.input + r.cacheRead);
    assertEquals(completed.usage.input_tokens_details.cached_tokens, r.cacheRead);
    assertEquals(completed.usage.output_tokens, r.output);
    assertEquals(r.cacheWrite, 0);

    const chat = (await post(`${mock.url}/v1/chat/completions`, {
      model: "m",
      stream: true,
      messages: [{ role: "user", content: "hi there" }],
    })).text.split("\n\n").filter((c) => c.startsWith("data: {")).map((c) =>
      JSON.parse(c.slice(6))
    );
    const usage = chat.find((c) => c.usage)!.usage;
    const c = lastUsage(mock.requests);
    assertEquals(usage.prompt_tokens, c.input + c.cacheRead);
    assertEquals(usage.prompt_tokens_details.cached_tokens, c.cacheRead);
    assertEquals(usage.completion_tokens, c.output);

    assertEquals(mock.reportedUsage(), {
      input: r.input + c.input,
      output: r.output + c.output,
      cacheRead: r.cacheRead + c.cacheRead,
      cacheWrite: 0,
    });
  });
});

Deno.test("mock model: error answers report no usage and the same request gets the same figures", async () => {
  await withMock({
    rules: [{ match: "fail", replies: [{ kind: "error", status: 400, message: "no" }] }],
  }, async (mock) => {
    const body = { model: "m", stream: false, messages: [{ role: "user", content: "same" }] };
    await post(`${mock.url}/v1/messages`, body);
    await post(`${mock.url}/v1/messages`, body);
    const failed = await post(`${mock.url}/v1/messages`, {
      ...body,
      messages: [{ role: "user", content: "fail now" }],
    });
    assertEquals(failed.status, 400);
    const [a, b, e] = mock.requests;
    assertEquals(a!.usage, b!.usage);
    assertEquals(e!.usage, null);
    assertEquals(mock.reportedUsage().output, a!.usage!.output * 2);
  });
});
