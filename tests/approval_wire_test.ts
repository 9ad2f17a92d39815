/**
 * Tool approval wired end to end with the fake agent (which runs the PreToolUse hook from the
 * worker's settings and honours its deny): launch --approval/--policy, the waits' exit 4,
 * status blocked, pending/approve/deny through the shim, and two controllers deciding at once.
 * The real harnesses are covered by tests/real_approval_test.ts.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { eventually, exists, TestEnv } from "../kit/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function withEnv(fn: (env: TestEnv) => Promise<void>) {
  const env = await TestEnv.create();
  try {
    env.script({
      rules: [
        { match: "make it", tool: { command: "touch made.txt" }, text: "Done." },
        { match: "remove it", tool: { command: "rm -rf gone.d" }, text: "Removed." },
      ],
    });
    await fn(env);
  } finally {
    await env.dispose();
  }
}

function writePolicy(env: TestEnv, policy: unknown): string {
  const path = `${env.root}/policy.json`;
  Deno.writeTextFileSync(path, JSON.stringify(policy));
  return path;
}

Deno.test(
  "--approval: wait-for-turn exits 4 with the request, status blocked, deny stops the call",
  opts,
  () =>
    withEnv(async (env) => {
      await env.launch("w1", ["--approval"]);
      assertEquals((await env.shim("w1", ["send", "make it"])).code, 0);
      const waited = await env.shim("w1", ["wait-for-turn", "30"]);
      assertEquals(waited.code, 4, waited.stderr);
      const request = JSON.parse(waited.stdout);
      assertEquals([request.event, request.tool, request.tool_input.command], [
        "approval_request",
        "Bash",
        "touch made.txt",
      ]);
      assertEquals((await env.shim("w1", ["status"])).stdout.trim(), "blocked");
      const pending = await env.shim("w1", ["pending"]);
      assertEquals(JSON.parse(pending.stdout).id, request.id);
      const denied = await env.shim("w1", ["deny", "--reason", "Not here"]);
      assertEquals(denied.code, 0, denied.stderr);
      const ended = await env.shim("w1", ["wait-for-turn", "30"]);
      assertEquals(ended.code, 0, ended.stderr);
      assertEquals(JSON.parse(ended.stdout).event, "stop");
      assertEquals(exists(`${env.project}/made.txt`), false, "a denied call never runs");
      assertEquals((await env.shim("w1", ["status"])).stdout.trim(), "idle");
      const decision = env.events("w1").find((e) => e.event === "approval_decision");
      assertEquals([decision?.decision, decision?.by, decision?.reason], [
        "deny",
        "controller",
        "Not here",
      ]);
    }),
);

Deno.test(
  "--approval: converse exits 4 naming the call; approve lets it run, wait-for-turn ends the turn",
  opts,
  () =>
    withEnv(async (env) => {
      await env.launch("w1", ["--approval"]);
      const conversed = await env.shim("w1", ["converse", "make it", "30"]);
      assertEquals(conversed.code, 4, conversed.stderr);
      const request = JSON.parse(conversed.stdout);
      assertStringIncludes(conversed.stderr, request.id);
      assertStringIncludes(conversed.stderr, "touch made.txt");
      assertEquals((await env.shim("w1", ["approve", request.id])).code, 0);
      const ended = await env.shim("w1", ["wait-for-turn", "30"]);
      assertEquals(ended.code, 0, ended.stderr);
      assertEquals(JSON.parse(ended.stdout).last_assistant_message, "Done.");
      assert(exists(`${env.project}/made.txt`), "an approved call runs");
    }),
);

Deno.test(
  "two controllers deciding at once: the first wins, the second exits 1",
  opts,
  () =>
    withEnv(async (env) => {
      await env.launch("w1", ["--approval"]);
      assertEquals((await env.shim("w1", ["send", "make it"])).code, 0);
      const id = JSON.parse((await env.shim("w1", ["wait-for-turn", "30"])).stdout).id;
      const [a, b] = await Promise.all([
        env.shim("w1", ["approve", id]),
        env.shim("w1", ["deny", id, "--reason", "late"]),
      ]);
      assertEquals([a.code, b.code].sort(), [0, 1], `${a.stderr}${b.stderr}`);
      const loser = a.code === 1 ? a : b;
      assertStringIncludes(loser.stderr, `Call "${id}" is already decided`);
      const decisions = env.events("w1").filter((e) => e.event === "approval_decision");
      assertEquals(decisions.length, 1, "the loser changes nothing");
      assertEquals((await env.shim("w1", ["wait-for-turn", "30"])).code, 0);
      assertEquals(exists(`${env.project}/made.txt`), decisions[0]!.decision === "allow");
    }),
);

Deno.test(
  "--policy decides with no controller: a rule allows, another denies",
  opts,
  () =>
    withEnv(async (env) => {
      const policy = writePolicy(env, {
        rules: [
          { tool: "shell", match: "/rm\\s+-rf/", decision: "deny", reason: "No rm -rf" },
          { tool: "shell", match: "touch *", decision: "allow" },
        ],
      });
      Deno.mkdirSync(`${env.project}/gone.d`);
      await env.launch("w1", ["--policy", policy]);
      const made = await env.shim("w1", ["converse", "make it", "30"]);
      assertEquals(made.code, 0, made.stderr);
      assert(exists(`${env.project}/made.txt`));
      const removed = await env.shim("w1", ["converse", "remove it", "30"]);
      assertEquals(removed.code, 0, removed.stderr);
      assert(exists(`${env.project}/gone.d`), "the denied rm -rf did not run");
      const decisions = env.events("w1").filter((e) => e.event === "approval_decision");
      assertEquals(decisions.map((e) => [e.decision, e.by, e.rule]), [
        ["allow", "policy", 1],
        ["deny", "policy", 0],
      ]);
      assertEquals(env.events("w1").some((e) => e.event === "approval_request"), false);
    }),
);

Deno.test(
  "a bad policy file refuses the launch: exit 2 naming the file, field and reason",
  opts,
  () =>
    withEnv(async (env) => {
      const policy = writePolicy(env, { rules: [{ tool: "shell", decision: "maybe" }] });
      const run = await env.csd(["launch", "w1", env.project, "--policy", policy]);
      assertEquals(run.code, 2, run.stderr);
      assertStringIncludes(run.stderr, policy);
      assertStringIncludes(run.stderr, "rules[0].decision");
      assertEquals(exists(`${env.workerDir}/w1.meta.json`), false);
      const missing = await env.csd(["launch", "w1", env.project, "--policy", `${env.root}/nope`]);
      assertEquals(missing.code, 2);
      assertStringIncludes(missing.stderr, "no such file");
    }),
);

Deno.test(
  "a timeout applies on_timeout; a worker killed while blocked is never blocked",
  opts,
  () =>
    withEnv(async (env) => {
      // Longer than the hook's usual 4 s bound: the gated hook must outlive it to apply on_timeout.
      const policy = writePolicy(env, { timeout_s: 6, on_timeout: "deny" });
      await env.launch("w1", ["--policy", policy]);
      const made = await env.shim("w1", ["send", "make it"]);
      assertEquals(made.code, 0);
      assertEquals((await env.shim("w1", ["wait-for-turn", "30"])).code, 4);
      // While the call waits, every wait returns at once; once the timeout decided, it waits on.
      await eventually(
        () => env.events("w1").some((e) => e.event === "approval_decision"),
        15_000,
        "the timeout's decision",
      );
      const ended = await env.shim("w1", ["wait-for-turn", "30"]);
      assertEquals(ended.code, 0, ended.stderr);
      const decision = env.events("w1").find((e) => e.event === "approval_decision");
      assertEquals([decision?.decision, decision?.by], ["deny", "timeout"]);
      assertEquals(exists(`${env.project}/made.txt`), false);

      await env.launch("w2", ["--approval"]);
      assertEquals((await env.shim("w2", ["send", "make it"])).code, 0);
      assertEquals((await env.shim("w2", ["wait-for-turn", "30"])).code, 4);
      assertEquals((await env.shim("w2", ["status"])).stdout.trim(), "blocked");
      await env.tmux("kill-session", "-t", "w2");
      await eventually(
        async () => (await env.shim("w2", ["status"])).stdout.trim() !== "blocked",
        10_000,
        "status no longer blocked",
      );
      assertEquals((await env.shim("w2", ["status"])).stdout.trim(), "gone");
      // The gate notices its harness is gone and stops waiting: nothing is left pending.
      await eventually(
        async () => (await env.shim("w2", ["pending"])).stdout === "",
        15_000,
        "no call left pending",
      );
    }),
);

Deno.test("stop and prune remove the approval files", opts, () =>
  withEnv(async (env) => {
    await env.launch("w1", ["--approval"]);
    assert(exists(`${env.workerDir}/approvals/w1.policy.json`));
    assertEquals((await env.shim("w1", ["stop"])).code, 0);
    assertEquals(exists(`${env.workerDir}/approvals/w1.policy.json`), false);
    assertEquals(exists(`${env.workerDir}/approvals/w1`), false);
    // An orphan's approval files (no worker claims them) go with prune.
    Deno.mkdirSync(`${env.workerDir}/approvals/ghost`, { mode: 0o700 });
    Deno.writeTextFileSync(`${env.workerDir}/approvals/ghost.policy.json`, "{}");
    const pruned = await env.csd(["prune"]);
    assertEquals(pruned.code, 0, pruned.stderr);
    assertStringIncludes(pruned.stdout, "removed orphaned files of ghost");
    assertEquals(exists(`${env.workerDir}/approvals/ghost.policy.json`), false);
    assertEquals(exists(`${env.workerDir}/approvals/ghost`), false);
  }));

Deno.test(
  "the approval timeout: CSD_APPROVAL_TIMEOUT, else CLAUDE_SESSION_DRIVER_APPROVAL_TIMEOUT, sets the policy copy and the hook timeout",
  opts,
  () =>
    withEnv(async (env) => {
      const preToolUseTimeout = (name: string) =>
        JSON.parse(Deno.readTextFileSync(`${env.workerDir}/${name}.settings.json`)).hooks
          .PreToolUse[0].hooks[0].timeout;
      await env.launch("w1", ["--approval"], {
        CSD_APPROVAL_TIMEOUT: "45",
        CLAUDE_SESSION_DRIVER_APPROVAL_TIMEOUT: "7",
      });
      const copy = JSON.parse(Deno.readTextFileSync(`${env.workerDir}/approvals/w1.policy.json`));
      assertEquals([copy.timeout_s, preToolUseTimeout("w1")], [45, 60]);
      // Ungated: no policy copy, yet the hook may wait on a question as long.
      await env.launch("w2", [], { CLAUDE_SESSION_DRIVER_APPROVAL_TIMEOUT: "7" });
      assertEquals(exists(`${env.workerDir}/approvals/w2.policy.json`), false);
      assertEquals(preToolUseTimeout("w2"), 22);
      const bad = await env.csd(["launch", "w3", env.project, "--approval"], {
        env: { CSD_APPROVAL_TIMEOUT: "4000" },
      });
      assertEquals(bad.code, 2, bad.stderr);
      assertStringIncludes(bad.stderr, "CSD_APPROVAL_TIMEOUT");
    }),
);
