/**
 * Tests for the mock model server's dialect-neutral core (kit/mock_model.ts), through
 * real HTTP: routing, rule and default replies, delays, the request log. The dialects have their
 * own files (mock_model_<dialect>_test.ts); the CLI entry is in mock_model_main_test.ts.
 *
 * @module
 */

import { assert, assertEquals } from "./support/assert.ts";
import { MockModel, selectTurn } from "../kit/mock_model.ts";
import { body, post, turn, user, withMock } from "./support/mock_model_client.ts";

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

Deno.test("MockModel delays a reply and logs the request before answering", async () => {
  let held: Promise<string> = Promise.resolve("");
  await withMock({
    rules: [
      { match: "slow", replies: [{ kind: "text", text: "late", delayMs: 3000 }] },
      { match: "held", replies: [{ kind: "text", text: "cut short", delayMs: 600_000 }] },
    ],
  }, async (mock) => {
    // Logged before the delay: the wait gives up long before a 10-minute delay would end, so it
    // sees the request only if the log entry comes first. No clock enters the assertion.
    let heldSettled = false;
    held = post(mock, body([user("held one")])).then((r) => r.text()).catch(() => "")
      .finally(() => heldSettled = true);
    const seen = await mock.waitForRequests(1, { timeoutMs: 10_000 });
    assertEquals(seen[0]?.prompt, "held one");

    // Delay honoured, by order not by clock: a request sent after the slow one was logged is
    // answered first.
    const order: string[] = [];
    const pending = turn(mock, [user("slow one")]).finally(() => order.push("slow"));
    await mock.waitForRequests(2, { timeoutMs: 10_000 });
    await turn(mock, [user("quick one")]).finally(() => order.push("quick"));
    assertEquals((await pending).blocks, [{ type: "text", text: "late" }]);
    assertEquals(mock.requests[1]?.prompt, "slow one");
    assertEquals(order, ["quick", "slow"], "the slow reply waited out its delay");
    // The delay holds only its own reply: a later request was answered while this one waits.
    assert(!heldSettled, "the held reply is still held");
  });
  await held; // close() cut the delay short
});

Deno.test("MockModel.close() cuts a pending delay short", async () => {
  const mock = await MockModel.start({
    rules: [{ match: "x", replies: [{ kind: "text", text: "y", delayMs: 600_000 }] }],
  });
  const pending = post(mock, body([user("x")])).then((r) => r.text()).catch(() => "");
  await mock.waitForRequests(1, { timeoutMs: 2000 });
  // Bounded far below the 10-minute delay, so it ends in time only if close cuts the delay.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error("close() waited for the delay instead of cutting it short")),
      30_000,
    );
  });
  await Promise.race([Promise.all([mock.close(), pending]), timeout])
    .finally(() => clearTimeout(timer));
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
