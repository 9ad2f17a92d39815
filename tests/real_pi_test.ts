/**
 * The REAL Pi coding agent driven through csd, offline, against the project's mock model (Chat
 * Completions API). The scenarios every harness shares are in real_cases.ts; this file adds Pi's
 * adapter and its own cases — a prompt pasted while busy, a worker killed from outside, SIGTERM,
 * /reload, the trust dialog, the Node check, and a three-harness fan-out.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { eventually, exists, type TestEnv } from "../kit/env.ts";
import { realWorld } from "../kit/real_claude.ts";
import { withCodex } from "../kit/real_codex.ts";
import { PI_BIN, withPi } from "../kit/real_pi.ts";
import { NODE22 } from "../kit/harness_set.ts";
import { packageOf } from "../lib/harness/binary.ts";
import { TESTED } from "../lib/harness/tested.ts";
import type { Rule } from "../kit/mock_model.ts";
import { jsonHolds, metaTranscript, opts, realCases } from "./real_cases.ts";

const shell = (command: string) => ({ kind: "tool" as const, name: "Bash", input: { command } });

async function piWorld(rules: Rule[] = []) {
  return withPi(await realWorld(rules));
}

async function launchPi(env: TestEnv, name: string): Promise<void> {
  const run = await env.csd(["launch", "--harness", "pi", name, env.project]);
  assertEquals(run.code, 0, run.stderr);
}

/** The pid of the harness process in a worker's pane (the start script's child). */
async function harnessPid(env: TestEnv, name: string): Promise<number> {
  const pane = JSON.parse(Deno.readTextFileSync(`${env.workerDir}/${name}.meta.json`)).tmux_pane_id;
  const panePid = Number(
    (await env.tmux("display-message", "-p", "-t", pane, "#{pane_pid}")).stdout,
  );
  const ps = new TextDecoder().decode(
    (await new Deno.Command("ps", { args: ["-eo", "pid,ppid,args"], stdout: "piped" }).output())
      .stdout,
  );
  const rows = ps.split("\n").slice(1).map((l) => l.trim().split(/\s+/)).filter((r) =>
    r.length > 2
  );
  const child = rows.find((r) => Number(r[1]) === panePid);
  assert(child, "the start script has a child process");
  return Number(child[0]);
}

realCases({
  name: "pi",
  world: piWorld,
  shell,
  toolEvent: "bash",
  readTurnTool: "bash",
  readTurnThinking: true,
  transcriptPath: metaTranscript,
  transcriptHasPrompt: jsonHolds,
  failure: { status: 500, message: "mock outage", stderr: "mock outage" },
  afterFailure: async (env, name) => {
    // Pi 0.73 words it "500 mock outage", Pi 1.x "500: {<the response body>}".
    const turn = (await env.shim(name, ["read-turn"])).stdout;
    assert(/\*\*Error:\*\* 500:? .*mock outage/.test(turn), turn);
  },
  escapeError: "aborted",
  afterTurns: (env, name) => {
    // The session file is where csd said it would be, in the user's sessions folder.
    assert(metaTranscript(env, name).startsWith(`${env.home}/.pi/agent/sessions/`));
  },
  afterStop: (env, name) => {
    assert(!exists(`${env.workerDir}/homes/${name}`), "staged agent dir removed");
    assert(exists(`${env.home}/.pi/agent/models.json`), "the user's agent dir untouched");
  },
});

Deno.test(
  "real pi: a prompt pasted while busy joins the running turn; converse returns",
  opts,
  async () => {
    const world = await piWorld([
      { match: "slowly", replies: [{ kind: "text", text: "Slow pi.", delayMs: 2500 }] },
    ]);
    const { env } = world;
    try {
      await launchPi(env, "pi2");
      // Busy: Pi queues the second prompt as steering into the same run (one agent_end).
      assertEquals((await env.shim("pi2", ["send", "work slowly again"])).code, 0);
      const busy = await env.shim("pi2", ["converse", "and this meanwhile", "90"]);
      assertEquals(busy.code, 0, busy.stderr);
      const prompts = env.events("pi2").filter((e) => e.event === "user_prompt_submit").map((e) =>
        e.prompt
      );
      assertEquals(prompts.slice(-2), ["work slowly again", "and this meanwhile"]);
    } finally {
      await world.dispose();
    }
  },
);
Deno.test(
  "real pi: killed from outside — waits return, status terminated or gone",
  opts,
  async () => {
    const world = await piWorld([
      { match: "long", replies: [{ kind: "text", text: "never", delayMs: 60_000 }] },
    ]);
    const { env } = world;
    try {
      await launchPi(env, "pi4");
      await launchPi(env, "pi5");
      // SIGKILL mid-turn: no event at all; the pane check ends the wait.
      assertEquals((await env.shim("pi4", ["send", "a long job"])).code, 0);
      const waiting = env.shim("pi4", ["wait-for-turn", "600"]);
      Deno.kill(await harnessPid(env, "pi4"), "SIGKILL");
      const wait = await waiting;
      assertEquals(wait.code, 3, wait.stderr);
      assertEquals((await env.shim("pi4", ["status"])).stdout, "terminated\n");
      // SIGTERM (pi 0.73.1 would die before session_shutdown): the session still ends cleanly.
      Deno.kill(await harnessPid(env, "pi5"), "SIGTERM");
      await eventually(() => env.events("pi5").some((e) => e.event === "session_end"), 15_000);
      assertEquals((await env.shim("pi5", ["status"])).stdout, "terminated\n");
      // tmux kill: gone.
      await env.tmux("kill-session", "-t", "=pi4");
      assertEquals((await env.shim("pi4", ["status"])).stdout, "gone\n");
      assertEquals((await env.shim("pi4", ["wait-for-turn", "600"])).code, 3);
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real pi: the extension survives /reload and /new (one line per event); CSD_PI_MODEL",
  opts,
  async () => {
    const world = await piWorld();
    const { env } = world;
    try {
      const run = await env.csd(["launch", "--harness", "pi", "pi7", env.project], {
        env: { CSD_PI_MODEL: "mock/mock-model-2" },
      });
      assertEquals(run.code, 0, run.stderr);
      for (const command of ["/reload", "/new"]) {
        assertEquals((await env.shim("pi7", ["send", "--command", command])).code, 0);
        const before = env.events("pi7").length;
        const reply = await env.shim("pi7", ["converse", `after ${command}`, "90"]);
        assertEquals(reply.stdout, `mock reply to: after ${command}\n`);
        const added = env.events("pi7").slice(before).map((e) => e.event);
        assertEquals(
          added.filter((t) => t === "user_prompt_submit").length,
          1,
          `${command}: ${added}`,
        );
        assertEquals(added.filter((t) => t === "stop").length, 1, `${command}: ${added}`);
      }
      const starts = env.events("pi7").filter((e) => e.event === "session_start");
      assert(starts.length >= 2, "the factory re-ran (a new session_start) and csd kept recording");
      const models = world.mock.requests.filter((r) => r.prompt?.startsWith("after /"))
        .map((r) => (r.body as { model?: string }).model);
      assertEquals(new Set(models), new Set(["mock-model-2"]), "CSD_PI_MODEL picked the model");
      // After /new the turn lives in the new session file, and read-turn follows it there.
      assertStringIncludes((await env.shim("pi7", ["read-turn"])).stdout, "after /new");
    } finally {
      await world.dispose();
    }
  },
);

Deno.test("real claude + codex + pi: a three-harness fan-out", opts, async () => {
  const world = withPi(withCodex(await realWorld()));
  const { env } = world;
  const workers = [["fan-claude", "claude"], ["fan-codex", "codex"], ["fan-pi", "pi"]] as const;
  try {
    const launches = await Promise.all(
      workers.map(([name, harness]) =>
        env.csd(["launch", "--harness", harness, name, env.project])
      ),
    );
    launches.forEach((run) => assertEquals(run.code, 0, run.stderr));
    const replies = await Promise.all(
      workers.map(([name]) => env.shim(name, ["converse", `task for ${name}`, "120"])),
    );
    replies.forEach((run, i) => {
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, `mock reply to: task for ${workers[i]![0]}\n`);
    });
    const list = (await env.csd(["list"])).stdout;
    for (const [name, harness] of workers) assertStringIncludes(list, `idle\t${name}\t${harness}`);
    await Promise.all(workers.map(([name]) => env.shim(name, ["stop"])));
    assertEquals((await env.csd(["list", "--all"])).stdout.trim().split("\n").length, 1);
  } finally {
    await world.dispose();
  }
});

/** The installed pi's major version (0 on the oldest set, 1 on today's). */
function piMajor(): number {
  const info = packageOf(PI_BIN, TESTED.pi.packages);
  assert(info, `${PI_BIN} belongs to a pi package`);
  return Number(info.version.split(".")[0]);
}

Deno.test(
  "real pi: a folder Pi 1.x asks to trust launches at once, trusted for the worker only; a saved no holds",
  opts,
  async () => {
    const world = await piWorld([{ match: "hello", replies: [{ kind: "text", text: "hi" }] }]);
    const { env } = world;
    try {
      // Project config Pi >= 1 gates behind its trust dialog; the extension proves it loaded.
      const marker = `${env.home}/project-extension-loaded`;
      Deno.mkdirSync(`${env.project}/.pi/extensions`, { recursive: true });
      Deno.mkdirSync(`${env.project}/.agents/skills`, { recursive: true });
      Deno.writeTextFileSync(`${env.project}/AGENTS.md`, "Be brief.\n");
      Deno.writeTextFileSync(
        `${env.project}/.pi/extensions/mark.ts`,
        `import { writeFileSync } from "node:fs";\n` +
          `export default function () { writeFileSync(${JSON.stringify(marker)}, "loaded"); }\n`,
      );
      const userTrust = `${env.home}/.pi/agent/trust.json`;
      await launchPi(env, "pt1");
      assertEquals((await env.shim("pt1", ["converse", "hello", "60"])).stdout, "hi\n");
      assert(exists(marker), "the project's extension loaded: the folder was trusted");
      assert(!exists(userTrust), "nothing saved to the user's trust.json");
      assertEquals((await env.shim("pt1", ["stop"])).code, 0);

      // The user said no to this folder: csd does not overrule them (Pi 0.73 has no trust).
      Deno.removeSync(marker);
      Deno.writeTextFileSync(userTrust, JSON.stringify({ [env.project]: false }));
      await launchPi(env, "pt2");
      assertEquals((await env.shim("pt2", ["converse", "hello", "60"])).stdout, "hi\n");
      assertEquals(exists(marker), piMajor() === 0, "a saved no keeps the extension out");
      assertEquals(JSON.parse(Deno.readTextFileSync(userTrust)), { [env.project]: false });
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real pi: CSD_PI_NODE runs pi on that node; a node too old for the pi fails the launch at once",
  opts,
  async () => {
    const world = await piWorld([{
      match: "which node",
      replies: [shell("node --version"), { kind: "text", text: "told" }],
    }]);
    const { env } = world;
    try {
      const needs = packageOf(PI_BIN, TESTED.pi.packages)?.node ?? "";
      // A node that reports a version below anything pi accepts.
      const oldNode = `${env.home}/old-node`;
      const calls = `${env.home}/old-node.calls`;
      Deno.writeTextFileSync(oldNode, `#!/bin/sh\necho "$*" >> ${calls}\necho v18.0.0\n`, {
        mode: 0o755,
      });
      // The default (no CSD_PI_NODE): the node on the worker's PATH is checked.
      delete env.vars.CSD_PI_NODE;
      const oldBin = `${env.home}/old-bin`;
      Deno.mkdirSync(oldBin);
      Deno.symlinkSync(oldNode, `${oldBin}/node`);
      const onPath = await env.csd(["launch", "--harness", "pi", "pn0", env.project], {
        env: { PATH: `${oldBin}:${Deno.env.get("PATH")}` },
      });
      assertEquals(onPath.code, 1);
      assertStringIncludes(onPath.stderr, `the node on PATH (${oldBin}/node) is Node 18.0.0`);
      assertStringIncludes(onPath.stderr, "set CSD_PI_NODE");

      env.vars.CSD_PI_NODE = oldNode;
      const refused = await env.csd(["launch", "--harness", "pi", "pn1", env.project]);
      assertEquals(refused.code, 1);
      // Refused before any wait for readiness, shown by cause rather than clock: the old node
      // was only ever asked its version, never given pi to run.
      const asked = Deno.readTextFileSync(calls).split("\n").filter(Boolean);
      assert(asked.length > 0 && asked.every((a) => a === "--version"), asked.join(" | "));
      assertStringIncludes(refused.stderr, `CSD_PI_NODE=${oldNode} is Node 18.0.0`);
      assertStringIncludes(refused.stderr, `needs Node ${needs.replace(/^>=/, "")} or newer`);
      assertEquals((await env.tmux("has-session", "-t", "=pn1")).code !== 0, true);

      env.vars.CSD_PI_NODE = NODE22;
      await launchPi(env, "pn2");
      const run = await env.shim("pn2", ["converse", "which node", "60"]);
      assertEquals(run.code, 0, run.stderr);
      const listed = JSON.parse((await env.csd(["list", "--json"])).stdout.trim());
      assertEquals(listed.harness_version, packageOf(PI_BIN, TESTED.pi.packages)?.version);
      const seen = world.mock.requests.map((r) => JSON.stringify(r.body)).join("\n");
      assert(/"v22\.\d+\.\d+/.test(seen) || /v22\.\d+\.\d+\\n/.test(seen), "the tool saw Node 22");
    } finally {
      await world.dispose();
    }
  },
);
