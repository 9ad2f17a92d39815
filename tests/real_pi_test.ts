/**
 * The REAL Pi coding agent driven through csd, offline, against the project's mock model (Chat
 * Completions API): every scenario that applies, plus Pi's own — events from csd's extension,
 * a prompt pasted while busy, a failed turn, a worker killed from outside, SIGTERM, and a
 * three-harness fan-out.
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

const opts = { sanitizeOps: false, sanitizeResources: false };
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

Deno.test(
  "real pi: launch, idle, turns with their own replies, a tool turn, read-turn",
  opts,
  async () => {
    const world = await piWorld([
      { match: "first", replies: [{ kind: "text", text: "Pi first." }] },
      { match: "second", replies: [{ kind: "text", text: "Pi second.", thinking: "pondering" }] },
    ]);
    const { env } = world;
    const target = `${env.project}/made-by-pi.txt`;
    world.mock.addRule({
      match: "create the file",
      replies: [shell(`printf 'pi %s\\n' 1 2 3 4 5 6 7 > ${target}; cat ${target}`), {
        kind: "text",
        text: "Pi created it.",
      }],
    });
    try {
      await launchPi(env, "pi1");
      assertEquals((await env.shim("pi1", ["status"])).stdout, "idle\n");
      const sid = (await env.shim("pi1", ["session-id"])).stdout.trim();
      assert(sid.length > 8, sid);
      for (
        const [prompt, reply] of [["first turn", "Pi first."], [
          "second turn",
          "Pi second.",
        ]] as const
      ) {
        const run = await env.shim("pi1", ["converse", prompt, "90"]);
        assertEquals(run.code, 0, run.stderr);
        assertEquals(run.stdout, `${reply}\n`);
      }
      assertStringIncludes((await env.shim("pi1", ["read-turn"])).stdout, "> pondering");
      const tool = await env.shim("pi1", ["converse", "please create the file", "90"]);
      assertEquals(tool.stdout, "Pi created it.\n");
      assertEquals(Deno.readTextFileSync(target).split("\n").length, 8);
      const events = env.events("pi1");
      assertEquals(events.find((e) => e.event === "pre_tool_use")?.tool, "bash");
      assertEquals(events.find((e) => e.event === "post_tool_use")?.success, true);
      assert(events.every((e) => e.session_id === sid), "one session throughout");
      const turn = (await env.shim("pi1", ["read-turn"])).stdout;
      assertStringIncludes(turn, "**Tool: bash**");
      assertStringIncludes(turn, "… 2 more lines (--full shows all)");
      assertStringIncludes((await env.shim("pi1", ["read-turn", "--full"])).stdout, "pi 7");
      // The session file is where csd said it would be, in the user's sessions folder.
      const meta = JSON.parse(Deno.readTextFileSync(`${env.workerDir}/pi1.meta.json`));
      assert(meta.transcript_path.startsWith(`${env.home}/.pi/agent/sessions/`));
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real pi: send + wait-for-turn, --follow, intact prompts, a prompt pasted while busy",
  opts,
  async () => {
    const world = await piWorld([
      { match: "slowly", replies: [{ kind: "text", text: "Slow pi.", delayMs: 2500 }] },
    ]);
    const { env } = world;
    try {
      await launchPi(env, "pi2");
      const follower = env.spawnShim("pi2", ["read-events", "--follow", "--type", "stop"]);
      assertEquals((await env.shim("pi2", ["send", "work slowly"])).code, 0);
      assertEquals((await env.shim("pi2", ["status"])).stdout, "working\n");
      const wait = await env.shim("pi2", ["wait-for-turn", "90"]);
      assertEquals(wait.code, 0, wait.stderr);
      assertEquals(JSON.parse(wait.stdout).last_assistant_message, "Slow pi.");
      assertEquals((await env.shim("pi2", ["status"])).stdout, "idle\n");

      const block = `Line with "quotes" & 'apostrophes'; ünïcödé ✓ 日本語 🚀\n  indented\n`;
      const big = Array.from({ length: 400 }, (_, i) => `${i}: ${block}`).join("").trimEnd();
      assert(big.length > 20_000);
      for (const prompt of ["first\nsecond\n\nfourth", big, "/not a command, just text"]) {
        const run = await env.shim("pi2", ["converse", prompt, "90"]);
        assertEquals(run.code, 0, run.stderr);
      }
      const meta = JSON.parse(Deno.readTextFileSync(`${env.workerDir}/pi2.meta.json`));
      const session = Deno.readTextFileSync(meta.transcript_path);
      assertStringIncludes(session, JSON.stringify("first\nsecond\n\nfourth").slice(1, -1));
      assertStringIncludes(session, JSON.stringify(big).slice(1, -1));
      assert(world.mock.requests.some((r) => r.prompt?.trim() === "/not a command, just text"));

      // Busy: Pi queues the second prompt as steering into the same run (one agent_end).
      assertEquals((await env.shim("pi2", ["send", "work slowly again"])).code, 0);
      const busy = await env.shim("pi2", ["converse", "and this meanwhile", "90"]);
      assertEquals(busy.code, 0, busy.stderr);
      const prompts = env.events("pi2").filter((e) => e.event === "user_prompt_submit").map((e) =>
        e.prompt
      );
      assertEquals(prompts.slice(-2), ["work slowly again", "and this meanwhile"]);
      await env.shim("pi2", ["stop"]);
      const followed = new TextDecoder().decode((await follower.output()).stdout).trim().split(
        "\n",
      );
      assert(followed.length >= 5, followed.join("\n"));
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real pi: a failed turn gives exit 3 promptly and read-turn shows the error",
  opts,
  async () => {
    const world = await piWorld([
      { match: "fail now", replies: [{ kind: "error", status: 500, message: "mock outage" }] },
    ]);
    const { env } = world;
    try {
      await launchPi(env, "pi3");
      const started = Date.now();
      const run = await env.shim("pi3", ["converse", "fail now", "600"]);
      assertEquals(run.code, 3, run.stderr);
      assert(Date.now() - started < 60_000);
      assertStringIncludes(run.stderr, "mock outage");
      assertEquals(env.events("pi3").at(-1)?.event, "stop_failure");
      // Pi 0.73 words it "500 mock outage", Pi 1.x "500: {<the response body>}".
      const turn = (await env.shim("pi3", ["read-turn"])).stdout;
      assert(/\*\*Error:\*\* 500:? .*mock outage/.test(turn), turn);
      const after = await env.shim("pi3", ["converse", "recovered?", "90"]);
      assertEquals(after.stdout, "mock reply to: recovered?\n");
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
  "real pi: stop removes the staged agent dir, keeps the session; adopt resumes it",
  opts,
  async () => {
    const world = await piWorld([
      { match: "remember", replies: [{ kind: "text", text: "Remembered plum." }] },
      { match: "recall", replies: [{ kind: "text", text: "It was plum." }] },
    ]);
    const { env } = world;
    try {
      await launchPi(env, "pi6");
      assertEquals((await env.shim("pi6", ["converse", "remember plum", "90"])).code, 0);
      const sid = (await env.shim("pi6", ["session-id"])).stdout.trim();
      const session = JSON.parse(Deno.readTextFileSync(`${env.workerDir}/pi6.meta.json`))
        .transcript_path;
      assertEquals((await env.shim("pi6", ["stop"])).code, 0);
      assert(!exists(`${env.workerDir}/homes/pi6`), "staged agent dir removed");
      assert(exists(session), "session file kept");
      assert(exists(`${env.home}/.pi/agent/models.json`), "the user's agent dir untouched");

      await env.tmux("kill-server");
      await Deno.remove(env.workerDir, { recursive: true });
      const adopt = await env.csd(["adopt", "--harness", "pi", "pi6", env.project, sid]);
      assertEquals(adopt.code, 0, adopt.stderr);
      const run = await env.shim("pi6", ["converse", "recall the fruit", "90"]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, "It was plum.\n");
      const last = world.mock.requests.filter((r) => r.prompt === "recall the fruit").at(-1)!;
      assertStringIncludes(JSON.stringify(last.body), "Remembered plum.");
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

Deno.test(
  "real pi: Escape mid-turn (aborted run) ends the wait as a failed turn",
  opts,
  async () => {
    const world = await piWorld([
      { match: "endless", replies: [{ kind: "text", text: "never", delayMs: 60_000 }] },
    ]);
    const { env } = world;
    try {
      await launchPi(env, "pi8");
      assertEquals((await env.shim("pi8", ["send", "an endless task"])).code, 0);
      const waiting = env.shim("pi8", ["wait-for-turn", "600"]);
      await eventually(async () => (await env.shim("pi8", ["status"])).stdout === "working\n");
      await env.tmux("send-keys", "-t", "=pi8:", "Escape");
      const wait = await waiting;
      assertEquals(wait.code, 3, wait.stderr);
      assertEquals(JSON.parse(wait.stdout).error, "aborted");
    } finally {
      await world.dispose();
    }
  },
);

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
      Deno.writeTextFileSync(oldNode, "#!/bin/sh\necho v18.0.0\n", { mode: 0o755 });
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
      const started = Date.now();
      const refused = await env.csd(["launch", "--harness", "pi", "pn1", env.project]);
      assertEquals(refused.code, 1);
      assert(Date.now() - started < 20_000, "refused before any wait for readiness");
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
