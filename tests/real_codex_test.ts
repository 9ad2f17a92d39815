/**
 * The REAL Codex CLI driven through csd, offline, against the project's mock model (Responses
 * API): every scenario of the Claude suite that applies, plus Codex's own pitfalls — a session id
 * minted at launch but reported only at the first prompt, failed turns that fire no hook, a
 * prompt pasted while a turn runs, parallel workers with their own homes.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { eventually, exists, linesUntil } from "../kit/env.ts";
import { realWorld } from "../kit/real_claude.ts";
import { withCodex } from "../kit/real_codex.ts";
import type { Rule } from "../kit/mock_model.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const shell = (command: string) => ({ kind: "tool" as const, name: "Bash", input: { command } });

async function codexWorld(rules: Rule[] = []) {
  return withCodex(await realWorld(rules));
}

function rolloutText(env: { events(name: string): Record<string, unknown>[] }, name: string) {
  const path = env.events(name).find((e) => e.transcript_path)!.transcript_path as string;
  return Deno.readTextFileSync(path);
}

Deno.test(
  "real codex: driveable before the first prompt; id registered; three turns",
  opts,
  async () => {
    const world = await codexWorld([
      { match: "one", replies: [{ kind: "text", text: "Codex one." }] },
      { match: "two", replies: [{ kind: "text", text: "Codex two.", thinking: "thinking two" }] },
      { match: "three", replies: [{ kind: "text", text: "Codex three." }] },
    ]);
    const { env } = world;
    try {
      const launch = await env.csd(["launch", "--harness", "codex", "cx1", env.project]);
      assertEquals(launch.code, 0, launch.stderr);
      assertMatch(launch.stderr, /session_id: [0-9a-f-]{36}\n/);
      assertEquals((await env.shim("cx1", ["status"])).stdout, "idle\n", "before any prompt");
      const sid = (await env.shim("cx1", ["session-id"])).stdout.trim();
      assertMatch(sid, /^[0-9a-f-]{36}$/);
      assertEquals(env.events("cx1").length, 0, "Codex reports nothing before the first prompt");
      assertEquals((await env.shim("cx1", ["wait-for-turn", "1"])).code, 124);
      for (
        const [word, reply] of [["one", "Codex one."], ["two", "Codex two."], [
          "three",
          "Codex three.",
        ]]
      ) {
        const run = await env.shim("cx1", ["converse", `turn ${word}`, "90"]);
        assertEquals(run.code, 0, run.stderr);
        assertEquals(run.stdout, `${reply}\n`);
      }
      assertEquals(env.events("cx1")[0]!.session_id, sid, "the hooks report the registered id");
      const meta = JSON.parse(Deno.readTextFileSync(`${env.workerDir}/cx1.meta.json`));
      assertEquals(meta.session_id, sid);
      assertEquals(meta.harness_home, `${env.workerDir}/homes/cx1`);
      // The staged home is the user's config merged with csd's, never the user's own folder.
      const config = Deno.readTextFileSync(`${env.workerDir}/homes/cx1/config.toml`);
      assertStringIncludes(config, "mock-model");
      assertStringIncludes(config, 'approval_policy = "never"');
      assertStringIncludes(
        Deno.readTextFileSync(`${env.workerDir}/homes/cx1/hooks.json`),
        "csd-hook",
      );
      assert(!exists(`${env.home}/.codex/hooks.json`), "the user's real CODEX_HOME is untouched");
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real codex: a tool turn creates a file; pre/post tool events; read-turn shows the call",
  opts,
  async () => {
    const world = await codexWorld();
    const { env } = world;
    const target = `${env.project}/made-by-codex.txt`;
    world.mock.addRule({
      match: "create the file",
      replies: [shell(`printf 'row %s\\n' 1 2 3 4 5 6 7 > ${target}; cat ${target}`), {
        kind: "text",
        text: "Codex created it.",
      }],
    });
    try {
      const launch = await env.csd(["launch", "--harness", "codex", "cx2", env.project]);
      assertEquals(launch.code, 0, launch.stderr);
      const run = await env.shim("cx2", ["converse", "please create the file", "90"]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, "Codex created it.\n");
      assertEquals(Deno.readTextFileSync(target).split("\n").length, 8);
      const events = env.events("cx2");
      assertEquals(events.find((e) => e.event === "pre_tool_use")?.tool, "Bash");
      assertEquals(events.find((e) => e.event === "post_tool_use")?.success, true);
      const turn = (await env.shim("cx2", ["read-turn"])).stdout;
      assertStringIncludes(turn, "**Tool: exec_command**");
      assertStringIncludes(turn, "made-by-codex.txt");
      assertStringIncludes(turn, "(exit 0)");
      assertStringIncludes(turn, "… 2 more lines (--full shows all)");
      assertStringIncludes((await env.shim("cx2", ["read-turn", "--full"])).stdout, "row 7");
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real codex: send + wait-for-turn, working then idle; read-events --follow; prompts intact",
  opts,
  async () => {
    const world = await codexWorld([
      { match: "slowly", replies: [{ kind: "text", text: "Slow codex.", delayMs: 2500 }] },
    ]);
    const { env } = world;
    try {
      await env.csd(["launch", "--harness", "codex", "cx3", env.project]);
      const follower = env.spawnShim("cx3", ["read-events", "--follow", "--type", "stop"]);
      assertEquals((await env.shim("cx3", ["send", "work slowly"])).code, 0);
      assertEquals((await env.shim("cx3", ["status"])).stdout, "working\n");
      const wait = await env.shim("cx3", ["wait-for-turn", "90"]);
      assertEquals(wait.code, 0, wait.stderr);
      assertEquals(JSON.parse(wait.stdout).last_assistant_message, "Slow codex.");
      assertEquals((await env.shim("cx3", ["status"])).stdout, "idle\n");

      const block = `Line with "quotes" & 'apostrophes'; ünïcödé ✓ 日本語 🚀\n  indented\n`;
      const big = Array.from({ length: 400 }, (_, i) => `${i}: ${block}`).join("").trimEnd();
      assert(big.length > 20_000);
      for (const prompt of ["first\nsecond\n\nfourth", big, "/not a command, just text"]) {
        const run = await env.shim("cx3", ["converse", prompt, "90"]);
        assertEquals(run.code, 0, run.stderr);
      }
      const rollout = rolloutText(env, "cx3");
      assertStringIncludes(rollout, JSON.stringify("first\nsecond\n\nfourth").slice(1, -1));
      assertStringIncludes(rollout, JSON.stringify(big).slice(1, -1));
      assert(
        world.mock.requests.some((r) => r.prompt?.trim() === "/not a command, just text"),
        "the slash prompt reached the model as text",
      );
      await env.shim("cx3", ["stop"]);
      const followed = new TextDecoder().decode((await follower.output()).stdout).trim().split(
        "\n",
      );
      assertEquals(followed.length, 4);
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real codex: a failed turn (HTTP 500, no Stop hook) gives exit 3 promptly; then recovers",
  opts,
  async () => {
    const world = await codexWorld([
      { match: "fail now", replies: [{ kind: "error", status: 500, message: "mock outage" }] },
    ]);
    const { env } = world;
    try {
      await env.csd(["launch", "--harness", "codex", "cx4", env.project]);
      const started = Date.now();
      const run = await env.shim("cx4", ["converse", "fail now", "600"]);
      assertEquals(run.code, 3, run.stderr);
      assert(Date.now() - started < 60_000, "reported at once, not after the timeout");
      const failure = env.events("cx4").at(-1)!;
      assertEquals(failure.event, "stop_failure");
      assertEquals(failure.derived_from, "rollout");
      assertEquals((await env.shim("cx4", ["status"])).stdout, "idle\n");
      assertEquals((await env.shim("cx4", ["send", "fail now again"])).code, 0);
      assertEquals((await env.shim("cx4", ["wait-for-turn", "600"])).code, 3);
      const after = await env.shim("cx4", ["converse", "are you back", "90"]);
      assertEquals(after.code, 0, after.stderr);
      assertEquals(after.stdout, "mock reply to: are you back\n");
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real codex: read-events --follow shows the stop_failure csd derives from a failed turn",
  opts,
  async () => {
    const world = await codexWorld([
      { match: "fail now", replies: [{ kind: "error", status: 500, message: "mock outage" }] },
    ]);
    const { env } = world;
    try {
      await env.csd(["launch", "--harness", "codex", "cxf", env.project]);
      const follower = env.spawnShim("cxf", ["read-events", "--follow"]);
      assertEquals((await env.shim("cxf", ["send", "fail now"])).code, 0);
      // No other csd command runs meanwhile: the follower alone must derive the end.
      const lines = await linesUntil(
        follower.stdout,
        (seen) => seen.some((l) => JSON.parse(l).event === "stop_failure"),
        60_000,
      );
      const failure = lines.map((l) => JSON.parse(l)).find((e) => e.event === "stop_failure");
      assertEquals(failure?.derived_from, "rollout", lines.join("\n"));

      // Followers and a converse notice the same rollout change at once: the end is written once.
      const more = [0, 1].map(() =>
        env.spawnShim("cxf", ["read-events", "--follow", "--last", "0"])
      );
      const run = await env.shim("cxf", ["converse", "fail now again", "60"]);
      assertEquals(run.code, 3, run.stderr);
      for (const child of [follower, ...more]) {
        child.kill("SIGTERM");
        assertEquals((await child.status).code, 0);
      }
      const ends = env.events("cxf").filter((e) => e.event === "stop_failure");
      assertEquals(ends.length, 2, JSON.stringify(env.events("cxf"), null, 1));
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real codex: a prompt pasted while a turn runs is taken; converse returns its reply",
  opts,
  async () => {
    const world = await codexWorld([
      { match: "long task", replies: [{ kind: "text", text: "long done", delayMs: 2500 }] },
    ]);
    const { env } = world;
    try {
      await env.csd(["launch", "--harness", "codex", "cx5", env.project]);
      assertEquals((await env.shim("cx5", ["send", "a long task"])).code, 0);
      const run = await env.shim("cx5", ["converse", "meanwhile this", "90"]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, "mock reply to: meanwhile this\n");
      const prompts = env.events("cx5").filter((e) => e.event === "user_prompt_submit");
      assertEquals(prompts.map((e) => e.prompt), ["a long task", "meanwhile this"]);
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real codex: two workers in parallel see only their own events and environment",
  opts,
  async () => {
    const world = await codexWorld();
    const { env } = world;
    for (const n of ["a", "b"]) {
      world.mock.addRule({
        match: `dump env ${n}`,
        replies: [shell(`env > ${env.root}/env-${n}.txt`), { kind: "text", text: `dumped ${n}` }],
      });
    }
    try {
      const launches = await Promise.all(
        ["cxa", "cxb"].map((n) => env.csd(["launch", "--harness", "codex", n, env.project])),
      );
      launches.forEach((run) => assertEquals(run.code, 0, run.stderr));
      const runs = await Promise.all([
        env.shim("cxa", ["converse", "dump env a", "90"]),
        env.shim("cxb", ["converse", "dump env b", "90"]),
      ]);
      assertEquals(runs.map((r) => r.stdout), ["dumped a\n", "dumped b\n"]);
      for (const [name, n] of [["cxa", "a"], ["cxb", "b"]] as const) {
        const vars = Deno.readTextFileSync(`${env.root}/env-${n}.txt`).split("\n");
        assert(vars.includes(`CSD_WORKER=${name}`), `${name} runs with its own identity`);
        assert(
          vars.includes(`CODEX_HOME=${env.workerDir}/homes/${name}`),
          `${name} has its own home`,
        );
        const sid = (await env.shim(name, ["session-id"])).stdout.trim();
        const events = env.events(name);
        assert(events.length >= 3);
        assert(events.every((e) => e.session_id === sid), `${name}'s events are only its own`);
      }
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real codex: stop removes the staged home, keeps the rollout; adopt resumes it",
  opts,
  async () => {
    const world = await codexWorld([
      { match: "remember", replies: [{ kind: "text", text: "Remembered mango." }] },
      { match: "recall", replies: [{ kind: "text", text: "It was mango." }] },
    ]);
    const { env } = world;
    try {
      await env.csd(["launch", "--harness", "codex", "cx7", env.project]);
      assertEquals((await env.shim("cx7", ["converse", "remember mango", "90"])).code, 0);
      const sid = (await env.shim("cx7", ["session-id"])).stdout.trim();
      const stop = await env.shim("cx7", ["stop"]);
      assertEquals(stop.code, 0, stop.stderr);
      assertStringIncludes(stop.stderr, "graceful");
      assert(!exists(`${env.workerDir}/homes/cx7`), "staged home removed");
      assert(!exists(`${env.workerDir}/bin/cx7`), "shim removed");
      const kept = [...Deno.readDirSync(`${env.home}/.codex/sessions`)].length;
      assert(kept > 0, "the rollout outlives the worker in the user's sessions folder");

      await env.tmux("kill-server");
      await Deno.remove(env.workerDir, { recursive: true });
      const adopt = await env.csd(["adopt", "--harness", "codex", "cx7", env.project, sid]);
      assertEquals(adopt.code, 0, adopt.stderr);
      assertEquals((await env.shim("cx7", ["session-id"])).stdout.trim(), sid);
      const run = await env.shim("cx7", ["converse", "recall the fruit", "90"]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, "It was mango.\n");
      const last = world.mock.requests.filter((r) => r.prompt === "recall the fruit").at(-1)!;
      assertStringIncludes(JSON.stringify(last.body), "Remembered mango.");
    } finally {
      await world.dispose();
    }
  },
);

Deno.test("real codex + real claude: a mixed fan-out", opts, async () => {
  const world = await codexWorld([
    { match: "fan", replies: [{ kind: "text", text: "fan reply" }] },
  ]);
  const { env } = world;
  try {
    const launches = await Promise.all([
      env.csd(["launch", "mix-claude", env.project]),
      env.csd(["launch", "--harness", "codex", "mix-codex", env.project]),
    ]);
    launches.forEach((run) => assertEquals(run.code, 0, run.stderr));
    await Promise.all(
      ["mix-claude", "mix-codex"].map((n) => env.shim(n, ["send", `fan out to ${n}`])),
    );
    const waits = await Promise.all(
      ["mix-claude", "mix-codex"].map((n) => env.shim(n, ["wait-for-turn", "90"])),
    );
    waits.forEach((run) => assertEquals(run.code, 0, run.stderr));
    const list = (await env.csd(["list"])).stdout;
    assertStringIncludes(list, "idle\tmix-claude\tclaude");
    assertStringIncludes(list, "idle\tmix-codex\tcodex");
    await Promise.all(["mix-claude", "mix-codex"].map((n) => env.shim(n, ["stop"])));
    await eventually(async () =>
      (await env.csd(["list", "--all"])).stdout.trim().split("\n").length === 1
    );
  } finally {
    await world.dispose();
  }
});

Deno.test(
  "real codex: Escape mid-turn (Interrupt hook) ends the wait as a failed turn",
  opts,
  async () => {
    const world = await codexWorld([
      { match: "endless", replies: [{ kind: "text", text: "never", delayMs: 60_000 }] },
    ]);
    const { env } = world;
    try {
      await env.csd(["launch", "--harness", "codex", "cx8", env.project]);
      assertEquals((await env.shim("cx8", ["send", "an endless task"])).code, 0);
      const waiting = env.shim("cx8", ["wait-for-turn", "600"]);
      await eventually(async () => (await env.shim("cx8", ["status"])).stdout === "working\n");
      await env.tmux("send-keys", "-t", "=cx8:", "Escape");
      const wait = await waiting;
      assertEquals(wait.code, 3, wait.stderr);
      assertEquals(JSON.parse(wait.stdout).error, "interrupted");
      assertEquals((await env.shim("cx8", ["status"])).stdout, "idle\n");
    } finally {
      await world.dispose();
    }
  },
);
