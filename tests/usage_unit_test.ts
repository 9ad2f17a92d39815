/** lib/turn/usage.ts on hand-written transcripts: the parts the real harnesses rarely show. */
import { assertEquals } from "./support/assert.ts";
import { fileLines, readUsage } from "../lib/turn/usage.ts";

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
  const reply = (id: string, timestamp: string, type: string, output: number) => ({
    type: "assistant",
    timestamp,
    message: { id, content: [{ type }], usage: usage(output) },
  });
  const text = jsonl(
    { type: "user", message: { role: "user", content: "first" }, timestamp: "T01" },
    reply("m1", "T02", "thinking", 1),
    reply("m1", "T02", "text", 1),
    reply("m1", "T03", "tool_use", 7),
    {
      type: "user",
      message: { role: "user", content: [{ type: "tool_result" }] },
      timestamp: "T04",
    },
    reply("m2", "T05", "text", 3),
    // Claude's file order is not always the order of events: this reply is the second prompt's.
    reply("m3", "T07", "text", 4),
    {
      type: "user",
      message: { role: "user", content: [{ type: "text", text: "second" }] },
      timestamp: "T06",
    },
  );
  await withFile(text, async (path) => {
    const report = await readUsage("claude", path);
    assertEquals(report.turns.map((t) => [t.turn, t.started_at, t.output, t.input]), [
      [1, "T01", 10, 20],
      [2, "T06", 4, 10],
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

const subUsage = { input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 3 };
const subCall = (id: string, timestamp: string) => ({
  type: "assistant",
  timestamp,
  message: { id, content: [], usage: subUsage },
});

/**
 * A Claude session whose first prompt (T1) called an agent (tool_use tu1, at T2), followed by
 * `later` lines, with the agent's transcript `subagents/agent-a1.jsonl` holding `sub`. `fn` gets
 * the subagents folder and a reader of the turns as `[started_at, output]`.
 */
async function withDelegation(
  later: unknown[],
  sub: unknown[],
  fn: (subagents: string, turns: () => Promise<unknown[]>) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir();
  try {
    Deno.writeTextFileSync(
      `${root}/s.jsonl`,
      jsonl(
        { type: "user", message: { role: "user", content: "delegate" }, timestamp: "T1" },
        {
          type: "assistant",
          timestamp: "T2",
          message: {
            id: "m1",
            content: [{ type: "tool_use", id: "tu1", name: "Agent" }],
            usage: subUsage,
          },
        },
        ...later,
      ),
    );
    Deno.mkdirSync(`${root}/s/subagents`, { recursive: true });
    Deno.writeTextFileSync(`${root}/s/subagents/agent-a1.jsonl`, jsonl(...sub));
    await fn(
      `${root}/s/subagents`,
      async () =>
        (await readUsage("claude", `${root}/s.jsonl`)).turns.map((t) => [t.started_at, t.output]),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("readUsage() adds a Claude subagent's calls to the turn that called the agent", async () => {
  await withDelegation(
    [
      // A background agent's end is a user line Claude writes: no prompt, no new turn.
      {
        type: "user",
        origin: { kind: "task-notification" },
        message: { role: "user", content: "<task-notification>done</task-notification>" },
        timestamp: "T4",
      },
      {
        type: "user",
        origin: { kind: "human" },
        message: { role: "user", content: "next" },
        timestamp: "T5",
      },
    ],
    // Written late (after the next prompt), still the delegating turn's cost.
    [
      { type: "user", message: { role: "user", content: "sub prompt" }, timestamp: "T3" },
      subCall("s1", "T6"),
      subCall("s2", "T7"),
    ],
    async (subagents, turns) => {
      Deno.writeTextFileSync(`${subagents}/agent-a1.meta.json`, '{"toolUseId":"tu1"}');
      assertEquals(await turns(), [["T1", 6], ["T5", 0]]);
    },
  );
});

Deno.test("readUsage() places a subagent without its meta file by the agent's start, not its calls' times", async () => {
  await withDelegation(
    [{ type: "user", message: { role: "user", content: "next" }, timestamp: "T5" }],
    [
      {
        type: "user",
        isSidechain: true,
        message: { role: "user", content: "sub prompt" },
        timestamp: "T3",
      },
      subCall("s1", "T6"),
    ],
    // Claude has written the agent's transcript but not yet its agent-a1.meta.json (or wrote
    // it torn): the call, made after the next prompt, is still the delegating turn's.
    async (subagents, turns) => {
      assertEquals(await turns(), [["T1", 4], ["T5", 0]]);
      Deno.writeTextFileSync(`${subagents}/agent-a1.meta.json`, '{"toolUse');
      assertEquals(await turns(), [["T1", 4], ["T5", 0]]);
    },
  );
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
