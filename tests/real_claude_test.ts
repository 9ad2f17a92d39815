/**
 * The REAL Claude Code CLI driven through csd, offline, against the project's mock model. Every
 * command is proven on the real harness here; the fake-agent suites prove the logic around it.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { eventually, exists } from "../kit/env.ts";
import { CLAUDE_BIN, realWorld, transcriptPrompts } from "../kit/real_claude.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const bash = (command: string) => ({
  kind: "tool" as const,
  name: "Bash",
  input: { command, description: "Run a command" },
});

Deno.test(
  "real claude: launch, idle, three conversed turns each with its own reply",
  opts,
  async () => {
    const world = await realWorld([
      { match: "alpha", replies: [{ kind: "text", text: "Reply Alpha." }] },
      { match: "beta", replies: [{ kind: "text", text: "Reply Beta.", thinking: "Hmm, beta." }] },
      { match: "gamma", replies: [{ kind: "text", text: "Reply Gamma." }] },
    ]);
    const { env } = world;
    try {
      const shim = await env.launch("r1");
      assertEquals(shim, `${env.workerDir}/bin/r1`);
      assertEquals((await env.shim("r1", ["status"])).stdout, "idle\n");
      for (
        const [prompt, reply] of [["alpha", "Reply Alpha."], ["beta", "Reply Beta."], [
          "gamma",
          "Reply Gamma.",
        ]]
      ) {
        const run = await env.shim("r1", ["converse", `say ${prompt}`, "90"]);
        assertEquals(run.code, 0, run.stderr);
        assertEquals(run.stdout, `${reply}\n`);
      }
      const turn = await env.shim("r1", ["read-turn"]);
      assertStringIncludes(turn.stdout, "## Prompt\n\nsay gamma");
      assertStringIncludes(turn.stdout, "Reply Gamma.");
      const beta = world.mock.requests.find((r) => r.prompt === "say beta" && r.side === null);
      assert(beta, "the mock saw the beta prompt as the last text block");
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real claude: a tool turn creates a file, with pre/post tool events and read-turn",
  opts,
  async () => {
    const world = await realWorld();
    const { env } = world;
    const target = `${env.project}/made-by-claude.txt`;
    world.mock.addRule({
      match: "create the file",
      replies: [bash(`printf 'line %s\\n' 1 2 3 4 5 6 7 > ${target} && cat ${target}`), {
        kind: "text",
        text: "Created the file.",
      }],
    });
    try {
      await env.launch("r2");
      const run = await env.shim("r2", ["converse", "please create the file", "90"]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, "Created the file.\n");
      assertEquals(
        Deno.readTextFileSync(target),
        "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\n",
      );
      const events = env.events("r2");
      const pre = events.find((e) => e.event === "pre_tool_use");
      assertEquals(pre?.tool, "Bash");
      assertStringIncludes((pre?.tool_input as { command: string }).command, "made-by-claude.txt");
      assertEquals(events.find((e) => e.event === "post_tool_use")?.success, true);
      const turn = (await env.shim("r2", ["read-turn"])).stdout;
      assertStringIncludes(turn, "**Tool: Bash**");
      assertStringIncludes(turn, "made-by-claude.txt");
      assertStringIncludes(turn, "… 2 more lines (--full shows all)");
      assertStringIncludes((await env.shim("r2", ["read-turn", "--full"])).stdout, "line 7");
      const withTurn = await env.shim("r2", [
        "converse",
        "--with-turn",
        "create the file again",
        "90",
      ]);
      assertStringIncludes(withTurn.stdout, "**Tool: Bash**");
      assertStringIncludes(withTurn.stdout, "Created the file.");
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real claude: send + wait-for-turn, working then idle; read-events --follow",
  opts,
  async () => {
    const world = await realWorld([
      { match: "slowly", replies: [{ kind: "text", text: "Done slowly.", delayMs: 2500 }] },
    ]);
    const { env } = world;
    try {
      await env.launch("r3");
      const follower = env.spawnShim("r3", ["read-events", "--follow", "--type", "stop"]);
      const send = await env.shim("r3", ["send", "work slowly"]);
      assertEquals(send.code, 0, send.stderr);
      assertEquals((await env.shim("r3", ["status"])).stdout, "working\n");
      const wait = await env.shim("r3", ["wait-for-turn", "90"]);
      assertEquals(wait.code, 0, wait.stderr);
      assertEquals(JSON.parse(wait.stdout).last_assistant_message, "Done slowly.");
      assertEquals((await env.shim("r3", ["status"])).stdout, "idle\n");
      await env.shim("r3", ["stop"]);
      const followed = new TextDecoder().decode((await follower.output()).stdout).trim().split(
        "\n",
      );
      assertEquals(followed.map((l) => JSON.parse(l).event), ["stop"]);
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real claude: multi-line, quoted, unicode, 20 KB and slash prompts arrive intact",
  opts,
  async () => {
    const world = await realWorld();
    const { env } = world;
    try {
      await env.launch("r4");
      const block = `She wrote "don't \\$PANIC" & 'quote'; ünïcödé ✓ 日本語 🚀\n` +
        `    indented with spaces and \`backticks\`\n`;
      const big = Array.from({ length: 260 }, (_, i) => `${i}: ${block}`).join("").trimEnd();
      assert(big.length > 20_000);
      const prompts = ["first line\nsecond line\n\nfourth line", block.trim(), big];
      for (const prompt of prompts) {
        const run = await env.shim("r4", ["converse", prompt, "90"]);
        assertEquals(run.code, 0, run.stderr);
      }
      const slash = await env.shim("r4", ["converse", "/hello world, as text", "90"]);
      assertEquals(slash.code, 0, slash.stderr);
      const transcript = env.events("r4").find((e) => e.transcript_path)!.transcript_path as string;
      // Claude writes its transcript a few tens of milliseconds after the Stop hook.
      await eventually(() => transcriptPrompts(transcript).length >= 4, 10_000, "the transcript");
      const seen = transcriptPrompts(transcript);
      for (const prompt of prompts) assert(seen.includes(prompt), `intact: ${prompt.slice(0, 40)}`);
      assert(
        seen.some((p) => p.trim() === "/hello world, as text"),
        "the slash prompt was a prompt",
      );
      assertStringIncludes((await env.shim("r4", ["read-turn"])).stdout, "/hello world, as text");
      assert(world.mock.requests.some((r) => r.prompt?.trim() === "/hello world, as text"));
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real claude: an HTTP 400 fails the turn with exit 3 promptly; the worker recovers",
  opts,
  async () => {
    const world = await realWorld([
      { match: "fail now", replies: [{ kind: "error", status: 400, message: "mock bad request" }] },
    ]);
    const { env } = world;
    try {
      await env.launch("r5");
      const started = Date.now();
      const run = await env.shim("r5", ["converse", "fail now", "600"]);
      assertEquals(run.code, 3, run.stderr);
      assert(Date.now() - started < 60_000, "reported at once, not after the timeout");
      assertStringIncludes(run.stderr, "400");
      assertEquals(env.events("r5").at(-1)?.event, "stop_failure");
      const after = await env.shim("r5", ["converse", "all good now?", "90"]);
      assertEquals(after.code, 0, after.stderr);
      assertStringIncludes(after.stdout, "mock reply to: all good now?");
    } finally {
      await world.dispose();
    }
  },
);

Deno.test("real claude: three workers in parallel each get their own replies", opts, async () => {
  const world = await realWorld();
  const { env } = world;
  try {
    const names = ["par1", "par2", "par3"];
    const launches = await Promise.all(names.map((n) => env.csd(["launch", n, env.project])));
    launches.forEach((run) => assertEquals(run.code, 0, run.stderr));
    const replies = await Promise.all(
      names.map((n) => env.shim(n, ["converse", `job for ${n}`, "120"])),
    );
    replies.forEach((run, i) => {
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, `mock reply to: job for ${names[i]}\n`);
    });
  } finally {
    await world.dispose();
  }
});

Deno.test(
  "real claude: stop removes shim and session, keeps the transcript; adopt resumes it",
  opts,
  async () => {
    const world = await realWorld([
      { match: "remember", replies: [{ kind: "text", text: "I will remember kiwi." }] },
      { match: "recall", replies: [{ kind: "text", text: "The word was kiwi." }] },
    ]);
    const { env } = world;
    try {
      await env.launch("r7");
      assertEquals((await env.shim("r7", ["converse", "remember the word kiwi", "90"])).code, 0);
      const sid = (await env.shim("r7", ["session-id"])).stdout.trim();
      const transcript = env.events("r7").find((e) => e.transcript_path)!.transcript_path as string;
      const stop = await env.shim("r7", ["stop"]);
      assertEquals(stop.code, 0, stop.stderr);
      assertStringIncludes(stop.stderr, "graceful");
      await eventually(() => true);
      assertEquals((await env.tmux("has-session", "-t", "=r7")).code !== 0, true);
      assert(!exists(`${env.workerDir}/bin/r7`), "shim removed");
      assert(exists(transcript), "transcript kept");

      // Simulated reboot: tmux server and worker dir gone.
      await env.tmux("kill-server");
      await Deno.remove(env.workerDir, { recursive: true });
      const adopt = await env.csd(["adopt", "r7", env.project, sid]);
      assertEquals(adopt.code, 0, adopt.stderr);
      assertEquals(env.events("r7")[0]?.source, "resume");
      const recall = await env.shim("r7", ["converse", "recall the word", "90"]);
      assertEquals(recall.code, 0, recall.stderr);
      assertEquals(recall.stdout, "The word was kiwi.\n");
      // The model saw the earlier turn: the conversation continued, not restarted.
      const last = world.mock.requests.filter((r) => r.prompt === "recall the word").at(-1)!;
      assertStringIncludes(JSON.stringify(last.body), "I will remember kiwi.");
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real claude: an untrusted folder's trust dialog is read and accepted by csd",
  opts,
  async () => {
    const world = await realWorld([], { trusted: false });
    const { env } = world;
    try {
      const launch = await env.csd(["launch", "r8", env.project]);
      assertEquals(launch.code, 0, launch.stderr);
      const run = await env.shim("r8", ["converse", "hello from an untrusted folder", "90"]);
      assertEquals(run.code, 0, run.stderr);
      const config = JSON.parse(Deno.readTextFileSync(`${env.home}/.claude.json`));
      assertEquals(config.projects[env.project]?.hasTrustDialogAccepted, true);
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real claude: a stale provider selector in tmux's global environment does not reach the worker",
  opts,
  async () => {
    const world = await realWorld();
    const { env } = world;
    const dump = `${env.root}/env.txt`;
    world.mock.addRule({
      match: "dump env",
      replies: [bash(`env > ${dump}`), { kind: "text", text: "Dumped." }],
    });
    try {
      await env.tmux("new-session", "-d", "-s", "keeper", "sleep 600");
      await env.tmux("set-environment", "-g", "CLAUDE_CODE_USE_BEDROCK", "1");
      await env.launch("r9", [], { CLAUDECODE: "1", CLAUDE_CODE_SESSION_ID: "controller" });
      // With Bedrock selected the request would never reach the mock: this reply proves it did.
      const run = await env.shim("r9", ["converse", "dump env", "90"]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, "Dumped.\n");
      const lines = Deno.readTextFileSync(dump).split("\n");
      assert(lines.includes("CLAUDE_CODE_USE_BEDROCK="), "pinned empty");
      assert(
        !lines.some((l) => l === "CLAUDE_CODE_SESSION_ID=controller"),
        "controller session scrubbed",
      );
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real claude: Escape mid-turn fires no hook; csd reads the screen and ends the wait",
  opts,
  async () => {
    const world = await realWorld([
      { match: "endless", replies: [{ kind: "text", text: "never", delayMs: 60_000 }] },
    ]);
    const { env } = world;
    try {
      await env.launch("r10");
      assertEquals((await env.shim("r10", ["send", "an endless task"])).code, 0);
      const waiting = env.shim("r10", ["wait-for-turn", "600"]);
      await eventually(async () => (await env.shim("r10", ["status"])).stdout === "working\n");
      await env.tmux("send-keys", "-t", "=r10:", "Escape");
      const wait = await waiting;
      assertEquals(wait.code, 3, wait.stderr);
      assertEquals(JSON.parse(wait.stdout).error, "interrupted");
      assertEquals((await env.shim("r10", ["status"])).stdout, "idle\n");
      // The interrupted prompt went back into the box; csd clears it before the next one.
      const next = await env.shim("r10", ["converse", "a fresh prompt", "90"]);
      assertEquals(next.stdout, "mock reply to: a fresh prompt\n");
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real claude: control characters and a rebuilt paste end marker arrive as text (F3, F21)",
  opts,
  async () => {
    const world = await realWorld([
      { match: "TAGC", replies: [{ kind: "text", text: "Reply C." }] },
      { match: "TAGM", replies: [{ kind: "text", text: "Reply M." }] },
    ]);
    const { env } = world;
    try {
      await env.launch("rx");
      // Claude ate `ESC d` and turned `\r` into `\n`: csd's match failed and converse said 124
      // although the turn ran.
      const ctrl = await env.shim("rx", ["converse", "-", "90"], {
        stdin: "TAGC one\x1bdtwo\rthree\x07",
      });
      assertEquals(ctrl.code, 0, ctrl.stderr);
      assertEquals(ctrl.stdout, "Reply C.\n");
      // A one-pass strip rebuilt `\x1b[201~`: the paste ended and `/exit` was typed as keys.
      const attack = await env.shim("rx", ["converse", "-", "90"], {
        stdin: "TAGM hi \x1b[20\x1b[201~1~\x15/exit\r",
      });
      assertEquals(attack.code, 0, attack.stderr);
      assertEquals(attack.stdout, "Reply M.\n");
      const seen = world.mock.requests.filter((r) => r.side === null).map((r) => r.prompt);
      assert(seen.includes("TAGC one\u241bdtwo\nthree\u2407"), JSON.stringify(seen));
      assert(seen.includes("TAGM hi \u241b[20\u241b[201~1~\u2415/exit"), JSON.stringify(seen));
      assertEquals((await env.shim("rx", ["status"])).stdout, "idle\n");
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real claude: a converse after a timed-out converse prints its own reply, not the earlier one",
  opts,
  async () => {
    const world = await realWorld([
      { match: "slow one", replies: [{ kind: "text", text: "Slow one done.", delayMs: 4000 }] },
      { match: "then two", replies: [{ kind: "text", text: "Two done." }] },
    ]);
    const { env } = world;
    try {
      await env.launch("r11");
      const first = await env.shim("r11", ["converse", "the slow one", "1"]);
      assertEquals(first.code, 124, first.stderr);
      // Typed while the first turn runs: Claude 2.1.332 reports it at once, 2.1.197 when its
      // own turn starts; either way its reply is its own.
      const second = await env.shim("r11", ["converse", "and then two", "90"]);
      assertEquals(second.code, 0, second.stderr);
      assertEquals(second.stdout, "Two done.\n");
      assertEquals((await env.shim("r11", ["status"])).stdout, "idle\n");
      assertStringIncludes((await env.shim("r11", ["read-turn"])).stdout, "Two done.");
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real claude: two controllers conversing at once each get their own reply (F5)",
  opts,
  async () => {
    const tags = [1, 2, 3].flatMap((round) => [`a${round}`, `b${round}`]);
    const world = await realWorld(tags.map((tag) => ({
      match: `TAG=${tag}`,
      replies: [{ kind: "text" as const, text: `reply for ${tag}`, delayMs: 1400 }],
    })));
    const { env } = world;
    try {
      await env.launch("r5");
      for (const round of [1, 2, 3]) {
        const pair = [`a${round}`, `b${round}`];
        // Before: B printed A's reply with exit 0, the two prompts merged, or one got lost.
        const runs = await Promise.all(
          pair.map((tag) => env.shim("r5", ["converse", `${tag} SLOW TAG=${tag}`, "90"])),
        );
        runs.forEach((run, i) => {
          assertEquals(run.code, 0, `${pair[i]}: ${run.stderr}`);
          assertEquals(run.stdout, `reply for ${pair[i]}\n`);
        });
      }
      const prompts = world.mock.requests
        .filter((r) => r.side === null && r.step === 0 && r.prompt !== null)
        .map((r) => r.prompt).sort();
      assertEquals(prompts, tags.map((tag) => `${tag} SLOW TAG=${tag}`).sort());
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real claude: launch, converse and stop with the locale unset (the C locale)",
  opts,
  async () => {
    const world = await realWorld();
    const { env } = world;
    // A cron job, a minimal container: tmux then mangled csd's -F output ("$0_%0").
    const noLocale = { LANG: "", LC_ALL: "", LC_CTYPE: "" };
    try {
      const launch = await env.csd(["launch", "loc", env.project], { env: noLocale });
      assertEquals(launch.code, 0, launch.stderr);
      const run = await env.shim("loc", ["converse", "grüße ❯ naïve", "90"], { env: noLocale });
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, "mock reply to: grüße ❯ naïve\n");
      assertEquals((await env.shim("loc", ["status"], { env: noLocale })).stdout, "idle\n");
      const stop = await env.shim("loc", ["stop"], { env: noLocale });
      assertEquals(stop.stderr, "stopped loc (graceful exit)\n");
    } finally {
      await world.dispose();
    }
  },
);

Deno.test(
  "real claude: /clear keeps the worker's stream; a nested claude run by a tool does not pollute it",
  opts,
  async () => {
    const world = await realWorld([
      { match: "inner hello", replies: [{ kind: "text", text: "Inner reply." }] },
    ]);
    const { env } = world;
    const settings = `${env.workerDir}/r12.settings.json`;
    const out = `${env.root}/nested.out`;
    world.mock.addRule({
      match: "run a nested claude",
      replies: [
        bash(`${CLAUDE_BIN} -p 'inner hello' --settings ${settings} > ${out} 2>&1; echo ran`),
        { kind: "text", text: "Nested ran." },
      ],
    });
    try {
      await env.launch("r12");
      assertEquals((await env.shim("r12", ["converse", "before the clear", "90"])).code, 0);
      const before = (await env.shim("r12", ["session-id"])).stdout.trim();
      // A typed /compact runs no turn (2.1.197 may even find too little to compact): still idle.
      assertEquals((await env.shim("r12", ["send", "--command", "/compact"])).code, 0);
      await eventually(
        () => env.events("r12").some((e) => e.event === "pre_compact"),
        60_000,
        "the compaction",
      );
      assertEquals((await env.shim("r12", ["status"])).stdout, "idle\n");
      const clear = await env.shim("r12", ["send", "--command", "/clear"]);
      assertEquals(clear.code, 0, clear.stderr);
      await eventually(
        () => env.events("r12").some((e) => e.event === "session_start" && e.source === "clear"),
        30_000,
        "the new session's start",
      );
      assertEquals((await env.shim("r12", ["status"])).stdout, "idle\n");
      const after = await env.shim("r12", ["converse", "after the clear", "90"]);
      assertEquals(after.code, 0, after.stderr);
      assertEquals(after.stdout, "mock reply to: after the clear\n");
      assertEquals((await env.shim("r12", ["status"])).stdout, "idle\n");
      const current = (await env.shim("r12", ["session-id"])).stdout.trim();
      assert(current !== before, "session-id follows /clear");
      assertStringIncludes((await env.shim("r12", ["read-turn"])).stdout, "after the clear");

      const nested = await env.shim("r12", ["converse", "run a nested claude", "120"]);
      assertEquals(nested.code, 0, nested.stderr);
      assertEquals(nested.stdout, "Nested ran.\n");
      assertStringIncludes(Deno.readTextFileSync(out), "Inner reply.");
      const events = env.events("r12");
      assert(!events.some((e) => e.prompt === "inner hello"), "no nested prompt in the stream");
      assertEquals(new Set(events.map((e) => e.session_id)), new Set([before, current]));
      assertEquals((await env.shim("r12", ["status"])).stdout, "idle\n");
    } finally {
      await world.dispose();
    }
  },
);
