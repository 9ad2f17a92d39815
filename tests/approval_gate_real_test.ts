/**
 * The approval gate end to end on each REAL harness (mock model), before it is wired into csd's
 * own hook and extension: the same gate code (lib/approval/hook.ts, pi/approval_gate.ts) runs as
 * an extra user-level hook (Claude settings.json, Codex hooks.json) or Pi extension, with the
 * worker's policy copy installed as launch will. Proves: a policy denies and allows with no
 * controller; a waiting call approved or denied through the commands; a timeout applies
 * on_timeout; a denied call does not run (its file is absent) and the model's next request
 * carries the reason. CSD_TEST_HARNESS_SET=oldest|current.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { eventually, exists, REPO } from "../kit/env.ts";
import { type RealWorld, realWorld } from "../kit/real_claude.ts";
import { withCodex } from "../kit/real_codex.ts";
import { withPi } from "../kit/real_pi.ts";
import type { Reply } from "../kit/mock_model.ts";
import { approvalPaths } from "../lib/paths.ts";
import { compilePolicy } from "../lib/approval/policy.ts";
import { installPolicy } from "../lib/approval/worker_policy.ts";
import { main as approve } from "../commands/approve.ts";
import { main as deny } from "../commands/deny.ts";
import { main as answer } from "../commands/answer.ts";
import { pendingRequests } from "../lib/approval/store.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const shellTool = (command: string): Reply => ({ kind: "tool", name: "Bash", input: { command } });

/** A shell wrapper running the gate hook with the project's Deno (the hook env is the worker's). */
function gateHook(world: RealWorld, harness: string): string {
  const path = `${world.env.root}/gate-hook.sh`;
  Deno.writeTextFileSync(
    path,
    `#!/bin/sh\nDENO_DIR='${REPO}/.tools/deno-dir' exec '${REPO}/.tools/bin/deno' run --quiet ` +
      `--cached-only --no-check -A --config '${REPO}/deno.json' ` +
      `'${REPO}/tests/support/approval_gate_hook.ts' ${harness}\n`,
    { mode: 0o700 },
  );
  return path;
}

type Setup = (world: RealWorld) => Promise<{ name: string }>;

const HARNESSES: [string, Setup][] = [
  ["claude", async (world) => {
    Deno.mkdirSync(`${world.env.home}/.claude`, { recursive: true });
    Deno.writeTextFileSync(
      `${world.env.home}/.claude/settings.json`,
      JSON.stringify({
        hooks: {
          PreToolUse: [{
            matcher: "*",
            hooks: [{ type: "command", command: gateHook(world, "claude"), timeout: 120 }],
          }],
        },
      }),
    );
    await world.env.launch("g1");
    return { name: "g1" };
  }],
  ["codex", async (world) => {
    withCodex(world);
    Deno.writeTextFileSync(
      `${world.env.home}/.codex/hooks.json`,
      JSON.stringify({
        hooks: {
          PreToolUse: [{
            hooks: [{ type: "command", command: gateHook(world, "codex"), timeout: 120 }],
          }],
        },
      }),
    );
    const run = await world.env.csd(["launch", "--harness", "codex", "g1", world.env.project]);
    assertEquals(run.code, 0, run.stderr);
    return { name: "g1" };
  }],
  ["pi", async (world) => {
    withPi(world);
    const extensions = `${world.env.home}/.pi/agent/extensions`;
    Deno.mkdirSync(extensions, { recursive: true });
    Deno.writeTextFileSync(
      `${extensions}/gate.ts`,
      `import { piGate, piWorkerGated } from ${JSON.stringify(`${REPO}/pi/approval_gate.ts`)};
export default function (pi: any) {
  pi.on("tool_call", async (event: any) => {
    const eventsFile = process.env.CSD_EVENTS_FILE ?? "";
    if (!piWorkerGated(eventsFile)) return undefined;
    return await piGate(event, { hook: ${JSON.stringify(gateHook(world, "pi"))}, eventsFile,
      sessionId: undefined, boundMs: 120000, env: process.env });
  });
}
`,
    );
    const run = await world.env.csd(["launch", "--harness", "pi", "g1", world.env.project]);
    assertEquals(run.code, 0, run.stderr);
    return { name: "g1" };
  }],
];

function nextRequestText(world: RealWorld, prompt: string): string {
  return world.mock.requests.filter((r) => r.prompt?.includes(prompt) && r.step >= 1)
    .map((r) => JSON.stringify(r.body)).join("\n");
}

for (const [harness, setup] of HARNESSES) {
  Deno.test(`approval gate on real ${harness}: policy, approve, deny, timeout`, opts, async () => {
    const world = await realWorld();
    const before = Deno.env.get("CSD_WORKER_DIR");
    try {
      const { name } = await setup(world);
      const { env, mock } = world;
      Deno.env.set("CSD_WORKER_DIR", env.workerDir);
      const paths = approvalPaths(name, env.workerDir);
      const policy = compilePolicy({
        rules: [
          { tool: "shell", match: "*policy-deny*", decision: "deny", reason: "POLICY-REASON-5" },
          { tool: "shell", match: "touch *policy-allow*", decision: "allow" },
        ],
        on_timeout: "deny",
      }, "test").policy;
      installPolicy(paths, policy, 20);
      const turn = (id: string) => {
        const target = `${env.project}/file-${id}`;
        mock.addRule({
          match: `gate ${id}`,
          replies: [shellTool(`touch ${target}`), { kind: "text", text: `after ${id}` }],
        });
        return target;
      };
      const requests = () => env.events(name).filter((e) => e.event === "approval_request");

      // The policy decides with no controller.
      const denied = turn("policy-deny");
      assertEquals((await env.shim(name, ["converse", "gate policy-deny", "60"])).code, 0);
      assert(!exists(denied), "a policy-denied call does not run");
      assert(nextRequestText(world, "gate policy-deny").includes("POLICY-REASON-5"));
      const allowed = turn("policy-allow");
      assertEquals((await env.shim(name, ["converse", "gate policy-allow", "60"])).code, 0);
      assert(exists(allowed), "a policy-allowed call runs");
      assertEquals(requests().length, 0, "nothing waited");

      // The controller approves.
      const approved = turn("approved");
      const c1 = env.spawnShim(name, ["converse", "gate approved", "60"]);
      await eventually(() => requests().length === 1, 30_000, "the first approval_request");
      assert(!exists(approved), "the call waits");
      assertEquals(await approve(["--worker", name]), 0);
      assertEquals((await c1.output()).code, 0);
      assert(exists(approved), "an approved call runs");

      // The controller denies, with a reason the model reads.
      const refused = turn("refused");
      const c2 = env.spawnShim(name, ["converse", "gate refused", "60"]);
      await eventually(() => requests().length === 2, 30_000, "the second approval_request");
      assertEquals(await deny(["--worker", name, "--reason", "CONTROLLER-REASON-8"]), 0);
      assertEquals((await c2.output()).code, 0);
      assert(!exists(refused), "a denied call does not run");
      assert(nextRequestText(world, "gate refused").includes("CONTROLLER-REASON-8"));

      // Nobody decides: on_timeout (deny) applies.
      installPolicy(paths, policy, 2);
      const late = turn("late");
      assertEquals((await env.shim(name, ["converse", "gate late", "60"])).code, 0);
      assert(!exists(late), "on_timeout deny: the call does not run");
      const decisions = env.events(name).filter((e) => e.event === "approval_decision");
      assertEquals(
        decisions.map((e) => e.by),
        ["policy", "policy", "controller", "controller", "timeout"],
      );
    } finally {
      if (before === undefined) Deno.env.delete("CSD_WORKER_DIR");
      else Deno.env.set("CSD_WORKER_DIR", before);
      await world.dispose();
    }
  });
}

Deno.test(
  "approval gate on real claude: an AskUserQuestion is answered through answer",
  opts,
  async () => {
    const world = await realWorld();
    const before = Deno.env.get("CSD_WORKER_DIR");
    try {
      const { name } = await HARNESSES[0]![1](world);
      const { env, mock } = world;
      Deno.env.set("CSD_WORKER_DIR", env.workerDir);
      const question = {
        question: "Which colour should the button be?",
        header: "Colour",
        options: [{ label: "Red", description: "warm" }, { label: "Blue", description: "cool" }],
        multiSelect: false,
      };
      mock.addRule({
        match: "gate question",
        replies: [
          { kind: "tool", name: "AskUserQuestion", input: { questions: [question] } },
          { kind: "text", text: "after question" },
        ],
      });
      // No policy installed: the worker is not gated, yet the question waits.
      const c = env.spawnShim(name, ["converse", "gate question", "60"]);
      const asked = () => env.events(name).filter((e) => e.event === "approval_request");
      await eventually(() => asked().length === 1, 30_000, "the question");
      assertEquals(asked()[0]!.kind, "question");
      assertEquals(asked()[0]!.questions, [question]);
      assertEquals(await answer(["--worker", name, "Blue"]), 0);
      const output = await c.output();
      assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
      const told = nextRequestText(world, "gate question");
      assert(
        told.includes('\\"Which colour should the button be?\\"=\\"Blue\\"'),
        told.slice(0, 2000),
      );
    } finally {
      if (before === undefined) Deno.env.delete("CSD_WORKER_DIR");
      else Deno.env.set("CSD_WORKER_DIR", before);
      await world.dispose();
    }
  },
);

Deno.test(
  "approval gate on real claude: a worker killed while blocked leaves nothing waiting",
  opts,
  async () => {
    const world = await realWorld();
    try {
      const { name } = await HARNESSES[0]![1](world);
      const { env, mock } = world;
      const paths = approvalPaths(name, env.workerDir);
      installPolicy(paths, compilePolicy({}, "t").policy, 60);
      mock.addRule({
        match: "gate killed",
        replies: [shellTool("true"), { kind: "text", text: "x" }],
      });
      const c = env.spawnShim(name, ["converse", "gate killed", "60"]);
      await eventually(() => pendingRequests(paths).length === 1, 30_000, "the waiting call");
      const [waiting] = pendingRequests(paths);
      await env.tmux("kill-server");
      await c.output();
      // The hook process was the harness's child: record whether it outlived the harness.
      const start = Date.now();
      let cleared = -1;
      for (let i = 0; i < 100; i++) {
        if (pendingRequests(paths).length === 0) {
          cleared = Date.now() - start;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const facts = Deno.env.get("CSD_APPROVAL_FACTS");
      if (facts) {
        Deno.writeTextFileSync(
          facts + ".killed",
          JSON.stringify({ pid: waiting!.pid, cleared }) + "\n",
          {
            append: true,
          },
        );
      }
      assert(
        cleared >= 0,
        `the waiting call of pid ${waiting!.pid} still counts as waiting after 10 s`,
      );
    } finally {
      await world.dispose();
    }
  },
);
