/**
 * Remote workers over a real sshd (tests/support/sshd.ts): a real claude worker on the "remote"
 * (a dedicated test user whose home holds Claude's login for the mock model) driven through its
 * local shim exactly like a local one; adopt after the target's tmux died; a connection killed
 * mid-wait; an unknown host key refused; an unreachable target named in one line.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { Sshd } from "../kit/sshd.ts";
import { MockModel, type Rule } from "../kit/mock_model.ts";
import { TestEnv } from "../kit/env.ts";
import { dirname } from "node:path";
import { HARNESS_DIR, HARNESS_SET, NODE22 } from "../kit/harness_set.ts";
import { MOCK_KEY } from "../kit/real_claude.ts";
import { prepareClaudeHome } from "../kit/remote.ts";
import { runOrThrow } from "../kit/system_packages.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

interface World {
  sshd: Sshd;
  mock: MockModel;
  env: TestEnv;
  project: string;
  uri: string;
}

/** The target user's own environment (~/.ssh/environment), as a profile would set it. */
function targetEnvironment(): Record<string, string> {
  const node22 = HARNESS_SET === "oldest" ? "" : `${dirname(NODE22)}:`;
  return {
    PATH: `${HARNESS_DIR}/node_modules/.bin:${node22}/usr/local/bin:/usr/bin:/bin`,
    // Codex reads its provider's key from the environment; the proxy keeps it offline.
    MOCK_API_KEY: "sk-mock-000000000000000000000000",
    HTTPS_PROXY: "http://127.0.0.1:9",
    NO_PROXY: "127.0.0.1,localhost",
    PI_OFFLINE: "1",
    PI_SKIP_VERSION_CHECK: "1",
    PI_TELEMETRY: "0",
  };
}

/** Codex's and Pi's logins for the mock model in the target user's home. */
async function prepareCodexPiHome(home: string, mockUrl: string): Promise<void> {
  await Deno.mkdir(`${home}/.codex`, { recursive: true });
  await Deno.writeTextFile(
    `${home}/.codex/config.toml`,
    [
      'model = "mock-model"',
      'model_provider = "mock"',
      "[model_providers.mock]",
      'name = "Mock"',
      `base_url = "${mockUrl}/v1"`,
      'wire_api = "responses"',
      'env_key = "MOCK_API_KEY"',
      "request_max_retries = 0",
      "stream_max_retries = 0",
      "[analytics]",
      "enabled = false",
      "[features]",
      "plugins = false",
      "",
    ].join("\n"),
  );
  await Deno.mkdir(`${home}/.pi/agent`, { recursive: true });
  await Deno.writeTextFile(
    `${home}/.pi/agent/models.json`,
    JSON.stringify({
      providers: {
        mock: {
          baseUrl: `${mockUrl}/v1`,
          api: "openai-completions",
          apiKey: "mock-key",
          compat: { supportsDeveloperRole: false, supportsReasoningEffort: false },
          models: [{ id: "mock-model", contextWindow: 128000, maxTokens: 4096 }],
        },
      },
    }),
  );
  await Deno.writeTextFile(
    `${home}/.pi/agent/settings.json`,
    JSON.stringify({
      defaultProvider: "mock",
      defaultModel: "mock-model",
      retry: { enabled: false, provider: { maxRetries: 0 } },
    }),
  );
}

async function withRemote(rules: Rule[], fn: (w: World) => Promise<void>): Promise<void> {
  const sshd = await Sshd.start();
  const mock = await MockModel.start({ rules });
  const env = await TestEnv.create({ consent: false });
  try {
    const project = await prepareClaudeHome(sshd.home, mock.url, MOCK_KEY);
    await prepareCodexPiHome(sshd.home, mock.url);
    await Deno.writeTextFile(
      `${sshd.home}/.ssh/environment`,
      Object.entries(targetEnvironment()).map(([k, v]) => `${k}=${v}\n`).join(""),
    );
    await runOrThrow("chown", ["-R", `${sshd.user}:`, sshd.home]);
    // The controller's ssh is the test's wrapper; its control sockets live in the test's root.
    env.vars.PATH = sshd.path();
    env.vars.XDG_RUNTIME_DIR = sshd.root;
    // Nothing of these may reach the target: the remote claude must use its own login.
    env.vars.ANTHROPIC_API_KEY = "sk-ant-controller-secret-must-not-cross";
    await fn({ sshd, mock, env, project, uri: sshd.uri() });
  } finally {
    await env.dispose();
    await sshd.dispose();
    await mock.close();
  }
}

async function asUser(sshd: Sshd, script: string): Promise<string> {
  return await runOrThrow("su", ["-s", "/bin/sh", "-c", script, sshd.user]);
}

const bash = (command: string) => ({
  kind: "tool" as const,
  name: "Bash",
  input: { command, description: "Run a command" },
});

Deno.test(
  "remote ssh: a real claude worker converses, runs a tool on the target, follows events, stops",
  opts,
  async () => {
    await withRemote([
      { match: "alpha", replies: [{ kind: "text", text: "Reply Alpha." }] },
    ], async ({ sshd, mock, env, project, uri }) => {
      const made = `${project}/made-by-tool.txt`;
      mock.addRule({
        match: "make the file",
        replies: [bash(`id -un > ${made}`), { kind: "text", text: "Made it." }],
      });
      const launch = await env.csd(["launch", "--target", uri, "r1", project]);
      assertEquals(launch.code, 0, launch.stderr);
      assertEquals(launch.stdout, `${env.workerDir}/bin/r1\n`);
      assertEquals((await env.shim("r1", ["status"])).stdout, "idle\n");

      const follow = env.spawnShim("r1", ["read-events", "--follow"]);
      const talk = await env.shim("r1", ["converse", "say alpha", "90"]);
      assertEquals(talk.code, 0, talk.stderr);
      assertEquals(talk.stdout, "Reply Alpha.\n");
      // A prompt on stdin (`-`) reaches the target without a command line.
      const piped = await env.shim("r1", ["converse", "-", "90"], { stdin: "say alpha again" });
      assertEquals(piped.code, 0, piped.stderr);
      assertEquals(piped.stdout, "Reply Alpha.\n");
      const tool = await env.shim("r1", ["converse", "please make the file", "90"]);
      assertEquals(tool.code, 0, tool.stderr);
      assertEquals(tool.stdout, "Made it.\n");
      // The tool ran on the target, as the target's user.
      assertEquals((await Deno.readTextFile(made)).trim(), sshd.user);
      assertEquals((await Deno.stat(made)).uid, sshd.uid);
      // The controller's key never reached the model: the target's own login did.
      assert(
        mock.requests.every((r) => !JSON.stringify(r).includes("controller-secret")),
        "the controller's API key crossed to the target",
      );

      const eventsFile = await env.shim("r1", ["events-file"]);
      assertEquals(eventsFile.code, 0, eventsFile.stderr);
      assertMatch(
        eventsFile.stdout,
        /^ssh:\/\/csdt[0-9a-f]+@127\.0\.0\.1:\d+:\/home\/.*\/r1\.events\.jsonl\n$/,
      );
      const turn = await env.shim("r1", ["read-turn"]);
      assertStringIncludes(turn.stdout, "**Tool: Bash**");
      const handoff = await env.shim("r1", ["handoff"]);
      assertEquals(handoff.code, 0, handoff.stderr);
      assertStringIncludes(handoff.stdout, "ssh -t -p ");
      assertStringIncludes(handoff.stdout, "attach-session");

      const list = await env.csd(["list"]);
      assertEquals(list.code, 0, list.stderr);
      const row = list.stdout.split("\n").find((l) => l.includes("\tr1\t"));
      assert(row, list.stdout);
      assert(row.startsWith("idle\t"), row);
      assert(row.endsWith(`\t${uri}`), row);

      const stop = await env.shim("r1", ["stop"]);
      assertEquals(stop.code, 0, stop.stderr);
      const followed = await follow.output();
      const lines = new TextDecoder().decode(followed.stdout).split("\n").filter(Boolean)
        .map((l) => JSON.parse(l));
      assert(lines.some((e) => e.event === "stop"), "--follow streamed the turn ends");
      assert(lines.some((e) => e.event === "pre_tool_use"), "--follow streamed the tool call");
      // Local record and shim are gone, and so is the target's tmux session.
      assertEquals((await env.csd(["list", "--all"])).stdout.includes("\tr1\t"), false);
      const sessions = await asUser(
        sshd,
        "tmux list-sessions -F '#{session_name}' 2>/dev/null || true",
      );
      assertEquals(sessions.includes("r1"), false, sessions);

      // csd was installed once, in one versioned folder; a second launch finds it and copies
      // nothing.
      const versions = [...Deno.readDirSync(`${sshd.home}/.csd`)].map((e) => e.name)
        .filter((n) => /^[0-9a-f]{16}$/.test(n));
      assertEquals(versions.length, 1, versions.join(" "));
      const marker = `${sshd.home}/.csd/${versions[0]}/.csd-installed`;
      const installedAt = (await Deno.stat(marker)).mtime?.getTime();
      assertEquals((await Deno.readTextFile(marker)).trim(), versions[0]);
      const again = await env.csd(["launch", "--target", uri, "r2", project]);
      assertEquals(again.code, 0, again.stderr);
      assertEquals((await Deno.stat(marker)).mtime?.getTime(), installedAt);
      assertEquals(
        [...Deno.readDirSync(`${sshd.home}/.csd`)].filter((e) => e.name.startsWith(".")).length,
        0,
      );
      assertEquals((await env.shim("r2", ["stop"])).code, 0);
    });
  },
);

/** Ends the shared ssh connection to the target, as a dropped link would end it. */
async function dropConnection(w: World): Promise<void> {
  await new Deno.Command("ssh", {
    args: [
      "-o",
      `ControlPath=${w.sshd.root}/csd-ssh/%C`,
      "-O",
      "exit",
      "-p",
      String(w.sshd.port),
      "-l",
      w.sshd.user,
      "127.0.0.1",
    ],
    env: { PATH: w.sshd.path() },
    stdout: "null",
    stderr: "null",
  }).output();
}

Deno.test(
  "remote ssh: a connection dropped mid-wait or mid-converse reconnects; no turn end invented, no prompt resent",
  opts,
  async () => {
    await withRemote([
      { match: "slow one", replies: [{ kind: "text", text: "Slow reply.", delayMs: 6000 }] },
      { match: "long talk", replies: [{ kind: "text", text: "Long answer.", delayMs: 6000 }] },
    ], async (w) => {
      const { env, project, uri } = w;
      const launch = await env.csd(["launch", "--target", uri, "r3", project]);
      assertEquals(launch.code, 0, launch.stderr);
      const send = await env.shim("r3", ["send", "a slow one"]);
      assertEquals(send.code, 0, send.stderr);
      const waiting = env.spawnShim("r3", ["wait-for-turn", "90"]);
      // Let the wait reach the target, then cut the connection under it.
      await new Promise((r) => setTimeout(r, 1500));
      await dropConnection(w);
      const waited = await waiting.output();
      const stdout = new TextDecoder().decode(waited.stdout);
      const stderr = new TextDecoder().decode(waited.stderr);
      assertEquals(waited.code, 0, stderr);
      assertStringIncludes(stderr, "reconnecting");
      assertEquals(JSON.parse(stdout).event, "stop");
      // The turn really ended: its reply is there.
      const turn = await env.shim("r3", ["read-turn"]);
      assertStringIncludes(turn.stdout, "Slow reply.");

      // converse: the prompt is delivered once; only the wait for its reply is run again.
      const talking = env.spawnShim("r3", ["converse", "a long talk", "90"]);
      await new Promise((r) => setTimeout(r, 2500));
      await dropConnection(w);
      const talked = await talking.output();
      const talkErr = new TextDecoder().decode(talked.stderr);
      assertEquals(talked.code, 0, talkErr);
      assertStringIncludes(talkErr, "reconnecting");
      assertEquals(new TextDecoder().decode(talked.stdout), "Long answer.\n");
      const events = (await env.shim("r3", ["read-events", "--type", "user_prompt_submit"])).stdout
        .split("\n").filter(Boolean).map((l) => JSON.parse(l));
      assertEquals(events.filter((e) => e.prompt === "a long talk").length, 1);
      assertEquals((await env.shim("r3", ["stop"])).code, 0);
    });
  },
);

Deno.test(
  "remote ssh: adopt --target resumes the session after the target's tmux was killed",
  opts,
  async () => {
    await withRemote([
      { match: "remember", replies: [{ kind: "text", text: "Remembered." }] },
      { match: "again", replies: [{ kind: "text", text: "Back again." }] },
    ], async (w) => {
      const { env, project, uri, sshd } = w;
      assertEquals((await env.csd(["launch", "--target", uri, "r4", project])).code, 0);
      assertEquals(
        (await env.shim("r4", ["converse", "remember this", "90"])).stdout,
        "Remembered.\n",
      );
      const sid = (await env.shim("r4", ["session-id"])).stdout.trim();
      assertMatch(sid, /^[0-9a-f-]{36}$/);
      await asUser(sshd, "tmux kill-server");
      const gone = await env.shim("r4", ["status"]);
      assert(gone.stdout !== "idle\n", `status after kill: ${gone.stdout}`);
      const adopt = await env.csd(["adopt", "--target", uri, "r4", project, sid]);
      assertEquals(adopt.code, 0, adopt.stderr);
      assertEquals((await env.shim("r4", ["session-id"])).stdout.trim(), sid);
      const again = await env.shim("r4", ["converse", "say again", "90"]);
      assertEquals(again.code, 0, again.stderr);
      assertEquals(again.stdout, "Back again.\n");
      assertEquals((await env.shim("r4", ["stop"])).code, 0);
    });
  },
);

Deno.test(
  "remote ssh: an unknown host key is refused with ssh's words; an unreachable target is one line",
  opts,
  async () => {
    await withRemote([], async (w) => {
      const { env, project, uri, sshd } = w;
      const refused = await env.csd(["launch", "--target", uri, "r5", project], {
        env: { PATH: sshd.path(await sshd.unknownKeyBinDir()) },
      });
      assertEquals(refused.code, 1, refused.stderr);
      assertEquals(refused.stderr.trim().split("\n").length, 1, refused.stderr);
      assertStringIncludes(refused.stderr, `"${uri}"`);
      assertStringIncludes(refused.stderr, "Host key verification failed");
      assertEquals((await env.csd(["list", "--all"])).stdout.includes("\tr5\t"), false);

      assertEquals((await env.csd(["launch", "--target", uri, "r6", project])).code, 0);
      await dropConnection(w);
      await sshd.stopServer();
      const status = await env.shim("r6", ["status"]);
      assertEquals(status.code, 1, status.stderr);
      assertEquals(status.stderr.trim().split("\n").length, 1, status.stderr);
      assertMatch(status.stderr, /^error: Cannot reach "ssh:\/\/csdt[0-9a-f]+@127\.0\.0\.1:\d+": /);
      const list = await env.csd(["list"]);
      assertEquals(list.code, 0, list.stderr);
      assertMatch(list.stdout, /^unreachable\tr6\t/m);
      const prune = await env.csd(["prune"]);
      assertEquals(prune.code, 0, prune.stderr);
      assertEquals(prune.stdout, "");
      assertMatch((await env.csd(["list"])).stdout, /^unreachable\tr6\t/m);
    });
  },
);

Deno.test(
  "remote ssh: a name is one name space: no local launch over a remote worker's name, nor the reverse",
  opts,
  async () => {
    await withRemote([], async ({ env, project, uri }) => {
      assertEquals((await env.csd(["launch", "--target", uri, "r7", project])).code, 0);
      await Deno.mkdir(`${env.home}/.claude`, { recursive: true });
      await Deno.writeTextFile(`${env.home}/.claude/.claude-session-driver-consent`, "yes\n");
      const local = await env.csd(["launch", "r7", env.project]);
      assertEquals(local.code, 1, local.stderr);
      assertStringIncludes(local.stderr, 'A worker named "r7" already exists');
      const again = await env.csd(["launch", "--target", uri, "r7", project]);
      assertEquals(again.code, 1, again.stderr);
      assertStringIncludes(again.stderr, 'A worker named "r7" already exists');
      assertEquals((await env.shim("r7", ["stop"])).code, 0);
    });
  },
);

for (const harness of ["codex", "pi"] as const) {
  Deno.test(
    `remote ssh: a real ${harness} worker converses and runs a tool on the target, then stops`,
    opts,
    async () => {
      await withRemote([
        { match: "hello", replies: [{ kind: "text", text: `Hello from ${harness}.` }] },
      ], async ({ sshd, mock, env, project, uri }) => {
        const made = `${project}/made-by-${harness}.txt`;
        mock.addRule({
          match: "make the file",
          replies: [
            { kind: "tool", name: "Bash", input: { command: `id -un > ${made}` } },
            { kind: "text", text: "Made it." },
          ],
        });
        const launch = await env.csd([
          "launch",
          "--target",
          uri,
          "--harness",
          harness,
          "x1",
          project,
        ]);
        assertEquals(launch.code, 0, launch.stderr);
        const hello = await env.shim("x1", ["converse", "say hello", "120"]);
        assertEquals(hello.code, 0, hello.stderr);
        assertEquals(hello.stdout, `Hello from ${harness}.\n`);
        const tool = await env.shim("x1", ["converse", "please make the file", "120"]);
        assertEquals(tool.code, 0, tool.stderr);
        assertEquals(tool.stdout, "Made it.\n");
        assertEquals((await Deno.readTextFile(made)).trim(), sshd.user);
        const sid = await env.shim("x1", ["session-id"]);
        assertEquals(sid.code, 0, sid.stderr);
        assert(sid.stdout.trim().length > 8, sid.stdout);
        const stop = await env.shim("x1", ["stop"]);
        assertEquals(stop.code, 0, stop.stderr);
      });
    },
  );
}

Deno.test(
  "remote ssh: two launches on a fresh target install csd once, both workers run",
  opts,
  async () => {
    await withRemote([], async ({ sshd, env, project, uri }) => {
      const [a, b] = await Promise.all([
        env.csd(["launch", "--target", uri, "r8", project]),
        env.csd(["launch", "--target", uri, "r9", project]),
      ]);
      assertEquals(a.code, 0, a.stderr);
      assertEquals(b.code, 0, b.stderr);
      const entries = [...Deno.readDirSync(`${sshd.home}/.csd`)].map((e) => e.name).sort();
      assertEquals(entries.length, 2, entries.join(" "));
      assert(entries.includes("workers"), entries.join(" "));
      for (const name of ["r8", "r9"]) {
        assertEquals((await env.shim(name, ["status"])).stdout, "idle\n");
        assertEquals((await env.shim(name, ["stop"])).code, 0);
      }
    });
  },
);
