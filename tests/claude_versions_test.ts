/**
 * Claude Code behaviours that differ between releases, on the fake agent taught both (script
 * `version`): 2.1.332's `<pasted_content>` wrapping and its early UserPromptSubmit for a prompt
 * typed during a turn; `/clear` (new session id, same process) and a nested claude run by a tool;
 * a late session_end of a force-stopped worker of the same name. The real-CLI proofs are in
 * real_claude_test.ts.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { eventually, FAKE_CLAUDE, TestEnv } from "../kit/env.ts";
import { PromptTurn, statusFromEvents } from "../lib/events/query.ts";
import { unwrapPastedContent } from "../lib/harness/claude/harness.ts";
import type { EventLine } from "../lib/schema.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const VERSIONS = ["2.1.197", "2.1.332"] as const;

const ev = (event: EventLine["event"], fields: Partial<EventLine> = {}): EventLine => ({
  ts: "2026-12-01T00:00:00.000Z",
  event,
  ...fields,
});
const ups = (prompt: string, turn_id: string) => ev("user_prompt_submit", { prompt, turn_id });
const stop = (text: string, turn_id: string) =>
  ev("stop", { last_assistant_message: text, turn_id });

/** The stop PromptTurn pairs with prompt `mine`, fed `after` with `before` already past. */
function pairedStop(
  ownTurn: boolean,
  before: EventLine[],
  after: EventLine[],
  mine: string | undefined,
): string | undefined {
  const pairing = new PromptTurn(
    { busyPromptRunsOwnTurn: ownTurn },
    before,
    (e) => mine === undefined || e.prompt === mine,
  );
  return after.find((e) => pairing.feed(e))?.last_assistant_message;
}

Deno.test("PromptTurn: a prompt typed during a turn pairs with its own turn end", () => {
  const running = [ups("slow", "R")];
  // Claude 2.1.197: the queued prompt is reported when its turn starts.
  const old = [stop("slow done", "R"), ups("mine", "N"), stop("mine done", "N")];
  // Claude 2.1.332: reported at once, under the running turn's prompt_id.
  const now = [ups("mine", "R"), stop("slow done", "R"), stop("mine done", "N")];
  for (const after of [old, now]) {
    assertEquals(pairedStop(true, running, after, "mine"), "mine done");
    assertEquals(pairedStop(true, running, after, undefined), "mine done");
  }
  // Two prompts queued ahead (2.1.197: the other one's turn ends before mine starts).
  const other = [ups("slow", "R"), ups("other", "R")];
  assertEquals(
    pairedStop(
      true,
      other,
      [ups("mine", "R"), stop("s", "R"), stop("o", "O"), stop("m", "M")],
      "mine",
    ),
    "m",
  );
  assertEquals(
    pairedStop(true, [ups("slow", "R")], [
      stop("s", "R"),
      ups("other", "O"),
      stop("o", "O"),
      ups("mine", "M"),
      stop("m", "M"),
    ], "mine"),
    "m",
  );
  // The running turn ended just before the paste landed: a fresh turn.
  assertEquals(
    pairedStop(true, running, [stop("slow done", "R"), ups("mine", "N"), stop("m", "N")], "mine"),
    "m",
  );
  // Codex and Pi merge it into the running turn: one end for both.
  assertEquals(pairedStop(false, running, [ups("mine", "R"), stop("both", "R")], "mine"), "both");
  assertEquals(
    pairedStop(false, running, [stop("slow done", "R"), ups("mine", "N"), stop("m", "N")], "mine"),
    "m",
  );
  // The worker ending is the end of every wait.
  const pairing = new PromptTurn({ busyPromptRunsOwnTurn: true }, running, () => true);
  assert(pairing.feed(ev("session_end", { reason: "other" })));
});

Deno.test("statusFromEvents(): queued Claude turns, /clear and compaction", () => {
  const claude = { busyPromptRunsOwnTurn: true };
  const queued = [ups("slow", "R"), ups("mine", "R"), stop("s", "R")];
  assertEquals(statusFromEvents(queued, claude), "working");
  assertEquals(statusFromEvents([...queued, stop("m", "N")], claude), "idle");
  assertEquals(statusFromEvents(queued, {}), "idle", "Codex/Pi: merged into one turn");
  const cleared = [stop("s", "R"), ev("session_end", { reason: "clear" })];
  assertEquals(statusFromEvents(cleared, claude), "idle");
  assertEquals(
    statusFromEvents([...cleared, ev("session_start", { source: "clear" })], claude),
    "idle",
  );
  assertEquals(statusFromEvents([ev("session_end", { reason: "other" })], claude), "terminated");
  assertEquals(
    statusFromEvents([ups("p", "R"), ev("session_start", { source: "compact" })], claude),
    "working",
  );
});

Deno.test("unwrapPastedContent() removes only a wrapper around the whole prompt", () => {
  const wrap = (id: string, text: string) =>
    `\n\n<pasted_content id="${id}">\n${text}\n</pasted_content id="${id}">\n`;
  assertEquals(unwrapPastedContent(wrap("d19d", "a\n\tb")), "a\n\tb");
  assertEquals(unwrapPastedContent(wrap("7428", "x")), "x");
  const inner = `keep <pasted_content id="1">\nthis\n</pasted_content id="1">\n`;
  assertEquals(unwrapPastedContent(wrap("ab", inner)), inner);
  assertEquals(unwrapPastedContent(inner), inner);
  assertEquals(unwrapPastedContent("plain"), "plain");
  // A record cut short by csd's 64 KB cap keeps its start.
  assertEquals(unwrapPastedContent(wrap("ab", "long text").slice(0, 34)), "long te");
});

for (const version of VERSIONS) {
  Deno.test(
    `fake claude ${version}: a multi-line prompt (wrapped in <pasted_content> on 2.1.332) is confirmed and paired`,
    opts,
    async () => {
      const env = await TestEnv.create();
      try {
        env.script({ version, rules: [{ match: "fourth line", text: "multi ok" }] });
        await env.launch("wrap");
        const prompt = 'first line\n\tsecond "line" ünï ✓\n\nfourth line';
        const run = await env.shim("wrap", ["converse", prompt, "30"]);
        assertEquals(run.code, 0, run.stderr);
        assertEquals(run.stdout, "multi ok\n");
        const submitted = env.events("wrap").find((e) => e.event === "user_prompt_submit");
        assertEquals(
          (submitted?.prompt as string).startsWith("\n\n<pasted_content id="),
          version === "2.1.332",
        );
        const withTurn = await env.shim("wrap", ["converse", "--with-turn", prompt, "30"]);
        assertEquals(withTurn.code, 0, withTurn.stderr);
        assert(!withTurn.stderr.includes("warning"), withTurn.stderr);
        assertStringIncludes(withTurn.stdout, "## Prompt\n\nfirst line\n");
        assertStringIncludes(withTurn.stdout, "multi ok");
        const turn = await env.shim("wrap", ["read-turn"]);
        assertStringIncludes(turn.stdout, "## Prompt\n\nfirst line\n");
        assert(!turn.stdout.includes("pasted_content"), turn.stdout);
      } finally {
        await env.dispose();
      }
    },
  );

  Deno.test(
    `fake claude ${version}: a converse after a timed-out converse prints its own reply`,
    opts,
    async () => {
      const env = await TestEnv.create();
      try {
        env.script({ version, rules: [{ match: "slow", text: "done: {prompt}", delayMs: 2500 }] });
        await env.launch("late");
        const first = await env.shim("late", ["converse", "slow one", "1"]);
        assertEquals(first.code, 124, first.stderr);
        const second = env.shim("late", ["converse", "slow two", "30"]);
        // While the second prompt's turn runs after the first's end, the worker is working.
        await eventually(
          () => env.events("late").some((e) => e.last_assistant_message === "done: slow one"),
          15_000,
          "the first turn's end",
        );
        // Read in this order: an "idle" status is right only if the second turn's end was
        // already written when status ran, so it must show in the events read after it.
        const status = (await env.shim("late", ["status"])).stdout;
        const secondEnded = env.events("late").some((e) =>
          e.last_assistant_message === "done: slow two"
        );
        if (!secondEnded) assertEquals(status, "working\n");
        const run = await second;
        assertEquals(run.code, 0, run.stderr);
        assertEquals(run.stdout, "done: slow two\n");
        assertEquals((await env.shim("late", ["status"])).stdout, "idle\n");
        assertStringIncludes((await env.shim("late", ["read-turn"])).stdout, "done: slow two");

        // send while busy, then wait-for-turn: the queued prompt's own turn end.
        assertEquals((await env.shim("late", ["send", "slow three"])).code, 0);
        assertEquals((await env.shim("late", ["send", "quick four"])).code, 0);
        const wait = await env.shim("late", ["wait-for-turn", "30"]);
        assertEquals(wait.code, 0, wait.stderr);
        assertEquals(JSON.parse(wait.stdout).last_assistant_message, "fake reply: quick four");
      } finally {
        await env.dispose();
      }
    },
  );

  Deno.test(
    `fake claude ${version}: /clear keeps the worker's stream; a nested claude run by a tool does not pollute it`,
    opts,
    async () => {
      const env = await TestEnv.create();
      try {
        const settings = `${env.workerDir}/clr.settings.json`;
        env.script({
          version,
          rules: [{
            match: "nest",
            tool: { command: `${FAKE_CLAUDE} -p 'inner hello' --settings ${settings}` },
            text: "nested done",
          }],
        });
        await env.launch("clr");
        assertEquals((await env.shim("clr", ["converse", "before clear", "30"])).code, 0);
        const before = (await env.shim("clr", ["session-id"])).stdout.trim();
        // A typed /compact runs no turn (2.1.197 may even find too little to compact): still idle.
        assertEquals((await env.shim("clr", ["send", "--command", "/compact"])).code, 0);
        await eventually(
          () => env.events("clr").some((e) => e.event === "pre_compact"),
          10_000,
          "the compaction",
        );
        assertEquals((await env.shim("clr", ["status"])).stdout, "idle\n");
        const clear = await env.shim("clr", ["send", "--command", "/clear"]);
        assertEquals(clear.code, 0, clear.stderr);
        await eventually(
          () => env.events("clr").some((e) => e.source === "clear"),
          10_000,
          "the new session's start",
        );
        assertEquals((await env.shim("clr", ["status"])).stdout, "idle\n");
        const after = await env.shim("clr", ["converse", "after clear", "30"]);
        assertEquals(after.code, 0, after.stderr);
        assertEquals(after.stdout, "fake reply: after clear\n");
        assertEquals((await env.shim("clr", ["status"])).stdout, "idle\n");
        const current = (await env.shim("clr", ["session-id"])).stdout.trim();
        assert(current !== before, "session-id follows /clear");
        const meta = JSON.parse(Deno.readTextFileSync(`${env.workerDir}/clr.meta.json`));
        assertEquals(meta.session_id, current, "recorded for list");
        assertStringIncludes(meta.transcript_path, current);
        assertEquals(env.events("clr").at(-1)?.session_id, current);
        assertStringIncludes((await env.shim("clr", ["read-turn"])).stdout, "after clear");

        const nested = await env.shim("clr", ["converse", "nest a claude", "30"]);
        assertEquals(nested.code, 0, nested.stderr);
        assertEquals(nested.stdout, "nested done\n");
        const full = (await env.shim("clr", ["read-turn", "--full"])).stdout;
        assertStringIncludes(
          full,
          "fake reply: inner hello",
          "the nested claude ran and fired hooks",
        );
        const events = env.events("clr");
        assert(!events.some((e) => e.prompt === "inner hello"), "no nested prompt");
        assertEquals(new Set(events.slice(-4).map((e) => e.session_id)), new Set([current]));
        assertEquals((await env.shim("clr", ["status"])).stdout, "idle\n");
      } finally {
        await env.dispose();
      }
    },
  );
}

Deno.test(
  "a late session_end from a force-stopped worker never counts for the next worker of that name",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      // The first harness ignores /exit, so stop must kill it. Stop now also SIGKILLs whatever of
      // the pane's process tree outlives the hangup (F13), so the late line is written here as
      // a writer outside that tree would (a hook process the harness detached): the old
      // session's session_end, stamped with the old launch, lands in the new worker's file.
      env.script({ ignoreExit: true });
      await env.launch("again");
      const old = JSON.parse(Deno.readTextFileSync(`${env.workerDir}/again.meta.json`));
      const stop = await env.shim("again", ["stop"]);
      assertEquals(stop.code, 0, stop.stderr);
      env.script({});
      await env.launch("again");
      const late = {
        ts: new Date().toISOString(),
        event: "session_end",
        harness: "claude",
        session_id: old.session_id,
        launch: old.launch_id,
        reason: "other",
      };
      Deno.writeTextFileSync(`${env.workerDir}/again.events.jsonl`, JSON.stringify(late) + "\n", {
        append: true,
      });
      assertEquals((await env.shim("again", ["status"])).stdout, "idle\n");
      const prune = await env.csd(["prune"]);
      assertEquals(prune.code, 0, prune.stderr);
      assert(!prune.stdout.includes("again"), prune.stdout);
      const run = await env.shim("again", ["converse", "are you there", "30"]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, "fake reply: are you there\n");
    } finally {
      await env.dispose();
    }
  },
);
