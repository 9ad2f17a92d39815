/** lib/usage.ts on hand-written transcripts: the parts the real harnesses rarely show. */
import { assertEquals } from "./support/assert.ts";
import { fileLines, readUsage } from "../lib/usage.ts";

async function withFile(text: string, fn: (path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    await Deno.writeTextFile(path, text);
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

const jsonl = (...lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join("\n") + "\n";

Deno.test("fileLines() drops an over-long line and a torn last line, keeps the rest", async () => {
  const long = "x".repeat(3_000_000); // spans several read buffers
  await withFile(`a\n${long}\nb\nc${"y".repeat(10)}\ntorn`, async (path) => {
    const lines: string[] = [];
    for await (const line of fileLines(path, 100_000)) lines.push(line);
    assertEquals(lines, ["a", "b", `c${"y".repeat(10)}`]);
  });
});

Deno.test("readUsage() counts a Claude message once however many block lines share its id", async () => {
  const usage = (output: number) => ({
    input_tokens: 10,
    cache_read_input_tokens: 100,
    cache_creation_input_tokens: 20,
    output_tokens: output,
  });
  const text = jsonl(
    { type: "user", message: { role: "user", content: "first" }, timestamp: "t1" },
    { type: "assistant", message: { id: "m1", content: [{ type: "thinking" }], usage: usage(1) } },
    { type: "assistant", message: { id: "m1", content: [{ type: "text" }], usage: usage(1) } },
    { type: "assistant", message: { id: "m1", content: [{ type: "tool_use" }], usage: usage(7) } },
    { type: "user", message: { role: "user", content: [{ type: "tool_result" }] } },
    { type: "assistant", message: { id: "m2", content: [{ type: "text" }], usage: usage(3) } },
    { type: "user", message: { role: "user", content: [{ type: "text", text: "second" }] } },
    { type: "assistant", message: { id: "m3", content: [{ type: "text" }], usage: usage(4) } },
  );
  await withFile(text, async (path) => {
    const report = await readUsage("claude", path);
    assertEquals(report.turns.map((t) => [t.turn, t.started_at, t.output, t.input]), [
      [1, "t1", 10, 20],
      [2, null, 4, 10],
    ]);
    assertEquals(report.total, {
      input: 30,
      output: 14,
      cache_read: 300,
      cache_write: 60,
      cost_usd: null,
    });
  });
});

Deno.test("readUsage() counts a repeated Codex token_count once and skips rate-limit-only ones", async () => {
  const counts = (input: number, cached: number, output: number) => ({
    input_tokens: input,
    cached_input_tokens: cached,
    cache_write_input_tokens: 0,
    output_tokens: output,
  });
  const event = (total: unknown, last: unknown) => ({
    type: "event_msg",
    payload: { type: "token_count", info: { total_token_usage: total, last_token_usage: last } },
  });
  const text = jsonl(
    { type: "event_msg", payload: { type: "task_started" }, timestamp: "t1" },
    { type: "event_msg", payload: { type: "token_count", info: null } },
    event(counts(100, 40, 5), counts(100, 40, 5)),
    event(counts(100, 40, 5), counts(100, 40, 5)),
    { type: "event_msg", payload: { type: "task_started" }, timestamp: "t2" },
    event(counts(250, 100, 12), counts(150, 60, 7)),
  );
  await withFile(text, async (path) => {
    const report = await readUsage("codex", path);
    assertEquals(report.turns.map((t) => [t.input, t.cache_read, t.output]), [
      [60, 40, 5],
      [90, 60, 7],
    ]);
  });
});

Deno.test("readUsage() sums Pi's own cost and ignores user and tool-result messages", async () => {
  const assistant = (output: number, cost: number) => ({
    type: "message",
    message: {
      role: "assistant",
      usage: { input: 5, output, cacheRead: 2, cacheWrite: 1, cost: { total: cost } },
    },
  });
  const text = jsonl(
    { type: "session", id: "s" },
    { type: "message", message: { role: "user", content: [] }, timestamp: "t1" },
    assistant(3, 0.25),
    { type: "message", message: { role: "toolResult", content: [] } },
    assistant(4, 0.5),
  );
  await withFile(text, async (path) => {
    const report = await readUsage("pi", path);
    assertEquals(report.turns.length, 1);
    assertEquals(report.total, {
      input: 10,
      output: 7,
      cache_read: 4,
      cache_write: 2,
      cost_usd: 0.75,
    });
  });
});
