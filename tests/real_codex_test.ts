/**
 * The REAL Codex CLI driven through csd, offline, against the project's mock model (Responses
 * API). The scenarios every harness shares are in real_cases.ts; this file adds Codex's adapter
 * and its own pitfalls — a session id minted at launch but reported only at the first prompt,
 * failed turns that fire no hook, a prompt pasted while a turn runs, workers with their own homes.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { eventually, exists, linesUntil } from "../kit/env.ts";
import { realWorld } from "../kit/real_claude.ts";
import { withCodex } from "../kit/real_codex.ts";
import type { Rule } from "../kit/mock_model.ts";
import { eventTranscript, jsonHolds, opts, realCases } from "./real_cases.ts";

const shell = (command: string) => ({ kind: "tool" as const, name: "Bash", input: { command } });

async function codexWorld(rules: Rule[] = []) {
  return withCodex(await realWorld(rules));
}

realCases({
  name: "codex",
  world: codexWorld,
  shell,
  toolEvent: "Bash",
  readTurnTool: "exec_command",
  readTurnToolExtra: "(exit 0)",
  readTurnThinking: false,
  // The events name the rollout through the staged home's `sessions` link, which stop removes;
  // the file itself lives in the user's sessions folder.
  transcriptPath: (env, name) => Deno.realPathSync(eventTranscript(env, name)),
  transcriptHasPrompt: jsonHolds,
  failure: { status: 500, message: "mock outage" },
  // A failed turn fires no Codex hook: csd derives the end from the rollout.
  afterFailure: (env, name) => assertEquals(env.events(name).at(-1)?.derived_from, "rollout"),
  escapeError: "interrupted",
  afterStop: (env, name) => {
    assert(!exists(`${env.workerDir}/homes/${name}`), "staged home removed");
    const kept = [...Deno.readDirSync(`${env.home}/.codex/sessions`)].length;
    assert(kept > 0, "the rollout outlives the worker in the user's sessions folder");
  },
});

Deno.test(
  "real codex: driveable before the first prompt; id registered at the first turn",
  opts,
  async () => {
    const world = await codexWorld([
      { match: "one", replies: [{ kind: "text", text: "Codex one." }] },
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
      // Turns with their own replies are the shared case's; one proves the registered id.
      const run = await env.shim("cx1", ["converse", "turn one", "90"]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, "Codex one.\n");
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
