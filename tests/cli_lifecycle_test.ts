/**
 * The CLI end to end against the scripted fake agent: launch → status → converse → read-turn →
 * read-events → list → stop, and the lower-level send / wait-for-turn path.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { eventually, exists, TestEnv } from "../kit/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "launch → converse → read-turn → list → stop, with every file accounted for",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      const launch = await env.csd(["launch", "alpha", env.project]);
      assertEquals(launch.code, 0, launch.stderr);
      assertEquals(launch.stdout, `${env.workerDir}/bin/alpha\n`, "stdout is the shim path alone");
      assertStringIncludes(launch.stderr, "Worker launched.");
      assertMatch(launch.stderr, /reproduce: +csd launch --harness claude alpha \//);
      assertMatch(launch.stderr, /session_id: [0-9a-f-]{36}/);
      assertEquals(Deno.statSync(env.workerDir).mode! & 0o777, 0o700);

      assertEquals((await env.shim("alpha", ["status"])).stdout, "idle\n");
      const sid = (await env.shim("alpha", ["session-id"])).stdout.trim();
      assertMatch(sid, /^[0-9a-f-]{36}$/);
      assertEquals(
        (await env.shim("alpha", ["events-file"])).stdout,
        `${env.workerDir}/alpha.events.jsonl\n`,
      );

      const reply = await env.shim("alpha", ["converse", "hello there", "30"]);
      assertEquals(reply.code, 0, reply.stderr);
      assertEquals(reply.stdout, "fake reply: hello there\n");

      const turn = await env.shim("alpha", ["read-turn"]);
      assertEquals(turn.code, 0, turn.stderr);
      assertStringIncludes(turn.stdout, "## Prompt\n\nhello there");
      assertStringIncludes(turn.stdout, "fake reply: hello there");

      const events = await env.shim("alpha", ["read-events"]);
      const types = events.stdout.trim().split("\n").map((l) => JSON.parse(l).event);
      assertEquals(types, ["session_start", "user_prompt_submit", "stop"]);

      const list = await env.csd(["list"]);
      assertStringIncludes(list.stdout, `idle\talpha\tclaude\t${sid}\t${env.workerDir}/bin/alpha`);
      // The harness's version at launch (the fake agent's --version), the branch (none), the target.
      assertStringIncludes(list.stdout, `\t${env.project}\t2.1.197\t-\tlocal\n`);
      const json = await env.csd(["list", "--json"]);
      assertEquals(JSON.parse(json.stdout.trim()).status, "idle");
      assertEquals(JSON.parse(json.stdout.trim()).harness_version, "2.1.197");
      // Same result through the top-level dispatcher instead of the shim.
      assertEquals((await env.csd(["--worker", "alpha", "status"])).stdout, "idle\n");

      const transcript = env.events("alpha")[0]!.transcript_path as string;
      const stop = await env.shim("alpha", ["stop"]);
      assertEquals(stop.code, 0, stop.stderr);
      assertStringIncludes(stop.stderr, "graceful");
      for (const suffix of [".meta.json", ".events.jsonl", ".settings.json", ".start.sh"]) {
        assertEquals(exists(`${env.workerDir}/alpha${suffix}`), false, suffix);
      }
      assertEquals(exists(`${env.workerDir}/bin/alpha`), false, "shim removed");
      assertEquals(exists(transcript), true, "the harness's transcript is kept");
      assertEquals((await env.tmux("has-session", "-t", "=alpha")).code !== 0, true);
      assertEquals((await env.csd(["list", "--all"])).stdout.split("\n").length, 2, "header only");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("three turns in a row each return their own reply", opts, async () => {
  const env = await TestEnv.create();
  try {
    env.script({
      rules: [
        { match: "one", text: "first answer" },
        { match: "two", text: "second answer", delayMs: 300 },
        { match: "three", text: "third answer" },
      ],
    });
    await env.launch("multi");
    for (const [prompt, answer] of [["one", "first"], ["two", "second"], ["three", "third"]]) {
      const run = await env.shim("multi", ["converse", `turn ${prompt}`, "30"]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, `${answer} answer\n`);
    }
  } finally {
    await env.dispose();
  }
});

Deno.test(
  "send + wait-for-turn: working then idle, and a fast turn is not missed",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "slow", text: "slow done", delayMs: 1500 }] });
      await env.launch("lower");
      const send = await env.shim("lower", ["send", "a slow task"]);
      assertEquals(send.code, 0, send.stderr);
      assertEquals((await env.shim("lower", ["status"])).stdout, "working\n");
      const wait = await env.shim("lower", ["wait-for-turn", "30"]);
      assertEquals(wait.code, 0, wait.stderr);
      assertEquals(JSON.parse(wait.stdout).event, "stop");
      assertEquals((await env.shim("lower", ["status"])).stdout, "idle\n");

      // A turn that ends before wait-for-turn is called is still this send's turn.
      assertEquals((await env.shim("lower", ["send", "quick one"])).code, 0);
      await eventually(() => env.events("lower").filter((e) => e.event === "stop").length === 2);
      const late = await env.shim("lower", ["wait-for-turn", "5"]);
      assertEquals(late.code, 0, late.stderr);
      assertEquals(JSON.parse(late.stdout).last_assistant_message, "fake reply: quick one");

      // With no send pending, wait-for-turn waits for the NEXT turn: a timeout here.
      const idle = await env.shim("lower", ["wait-for-turn", "1"]);
      assertEquals(idle.code, 124);

      // --after-line N counts only events after line N.
      const after = await env.shim("lower", ["wait-for-turn", "5", "--after-line", "1"]);
      assertEquals(after.code, 0);
      assertEquals(JSON.parse(after.stdout).last_assistant_message, "slow done");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "converse returns this turn's text even when Stop lands before the transcript",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({
        rules: [
          { match: "early", text: "written late", stopBeforeTranscript: true },
          {
            match: "tool",
            tool: { command: "printf 'a\\nb\\nc\\nd\\ne\\nf\\ng\\n'" },
            text: "ran it",
          },
        ],
      });
      await env.launch("late");
      assertEquals(
        (await env.shim("late", ["converse", "first prompt", "30"])).stdout,
        "fake reply: first prompt\n",
      );
      const run = await env.shim("late", ["converse", "--with-turn", "early bird", "30"]);
      assertEquals(run.code, 0, run.stderr);
      assertStringIncludes(run.stdout, "## Prompt\n\nearly bird");
      assertStringIncludes(run.stdout, "written late");
      assert(!run.stdout.includes("fake reply: first prompt"), "never the previous turn");

      const tool = await env.shim("late", ["converse", "use the tool", "30"]);
      assertEquals(tool.stdout, "ran it\n");
      const turn = (await env.shim("late", ["read-turn"])).stdout;
      assertStringIncludes(turn, "**Tool: Bash**");
      assertStringIncludes(turn, "… 2 more lines (--full shows all)");
      const full = (await env.shim("late", ["read-turn", "--full"])).stdout;
      assertStringIncludes(full, "f\ng");
      const pre = env.events("late").filter((e) => e.event === "pre_tool_use");
      assertEquals(pre.length, 1);
      assertEquals(pre[0]!.tool, "Bash");
      const post = env.events("late").filter((e) => e.event === "post_tool_use");
      assertEquals(post[0]!.success, true);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "read-events: --last, --type, unknown type fails fast, --follow ends at stop",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await env.launch("ev");
      await env.shim("ev", ["converse", "one", "30"]);
      await env.shim("ev", ["converse", "two", "30"]);
      const last = await env.shim("ev", ["read-events", "--last", "2"]);
      assertEquals(last.stdout.trim().split("\n").map((l) => JSON.parse(l).event), [
        "user_prompt_submit",
        "stop",
      ]);
      const stops = await env.shim("ev", ["read-events", "--type", "stop"]);
      assertEquals(stops.stdout.trim().split("\n").length, 2);
      const bad = await env.shim("ev", ["read-events", "--type", "bogus"]);
      assertEquals(bad.code, 2);
      assertMatch(bad.stderr, /^error: Unknown event type "bogus"/);

      const follower = env.spawnShim("ev", ["read-events", "--follow", "--last", "1"]);
      await env.shim("ev", ["converse", "three", "30"]);
      await env.shim("ev", ["stop"]);
      const output = await follower.output();
      assertEquals(output.code, 0);
      const followed = new TextDecoder().decode(output.stdout).trim().split("\n").map((l) =>
        JSON.parse(l).event
      );
      assertEquals(followed.slice(0, 3), ["stop", "user_prompt_submit", "stop"]);
      assert(followed.includes("session_end"), "follow sees the session end before exiting");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "handoff prints attach and detach instructions for this worker's tmux server",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await env.launch("hand");
      const run = await env.shim("hand", ["handoff"]);
      assertEquals(run.code, 0);
      assertStringIncludes(run.stdout, `tmux -L ${env.socket} attach-session -t =hand`);
      assertStringIncludes(run.stdout, "Ctrl-b then d");
      assertEquals(
        (await env.shim("hand", ["status"])).stdout,
        "idle\n",
        "handoff leaves it running",
      );
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "Escape mid-turn (no hook fires): the wait ends as interrupted, status idle",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "endless", text: "never", delayMs: 60_000 }] });
      await env.launch("esc");
      assertEquals((await env.shim("esc", ["send", "an endless task"])).code, 0);
      assertEquals((await env.shim("esc", ["status"])).stdout, "working\n", "not misread at once");
      const waiting = env.shim("esc", ["wait-for-turn", "600"]);
      await env.tmux("send-keys", "-t", "=esc:", "Escape");
      const wait = await waiting;
      assertEquals(wait.code, 3, wait.stderr);
      const failure = JSON.parse(wait.stdout);
      assertEquals([failure.error, failure.derived_from], ["interrupted", "screen"]);
      assertEquals((await env.shim("esc", ["status"])).stdout, "idle\n");
      // The prompt sits in the box again; the next one replaces it and works.
      assertEquals((await env.shim("esc", ["send", "--command", "/frobnicate"])).code, 0);
      assertEquals(
        (await env.shim("esc", ["converse", "hello again", "30"])).stdout,
        "fake reply: hello again\n",
      );
    } finally {
      await env.dispose();
    }
  },
);
