/**
 * Tool approval as csd wires it (launch --policy/--approval; csd's own hook and Pi extension), on
 * each REAL harness with the mock model, CSD_TEST_HARNESS_SET=oldest|current: a policy allows
 * and denies with no controller; a waiting call makes wait-for-turn and converse exit 4 and
 * status `blocked`; approve runs it, deny keeps it from running (its file is absent) and the
 * model's next request carries the reason; a timeout applies on_timeout; a worker killed while
 * blocked is no longer blocked; a Claude AskUserQuestion is answered through `answer`.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { eventually, exists, type Run } from "../kit/env.ts";
import { type RealWorld, realWorld } from "../kit/real_claude.ts";
import { withCodex } from "../kit/real_codex.ts";
import { withPi } from "../kit/real_pi.ts";
import type { Reply } from "../kit/mock_model.ts";
import { approvalPaths } from "../lib/paths.ts";
import { compilePolicy } from "../lib/approval/policy_file.ts";
import { installPolicy } from "../lib/approval/policy_file.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const shellTool = (command: string): Reply => ({ kind: "tool", name: "Bash", input: { command } });
const HARNESSES = ["claude", "codex", "pi"] as const;
const NAME = "a1";

const POLICY = {
  rules: [
    { tool: "shell", match: "*policy-deny*", decision: "deny", reason: "POLICY-REASON-5" },
    { tool: "shell", match: "touch *policy-allow*", decision: "allow" },
  ],
  timeout_s: 60,
  on_timeout: "deny",
};

async function launch(world: RealWorld, harness: string, args: string[]): Promise<void> {
  if (harness === "codex") withCodex(world);
  if (harness === "pi") withPi(world);
  const run = await world.env.csd([
    "launch",
    "--harness",
    harness,
    ...args,
    NAME,
    world.env.project,
  ]);
  assertEquals(run.code, 0, run.stderr);
}

/** Every request body of the turn started by `prompt`, after its first step (the tool result). */
function laterRequests(world: RealWorld, prompt: string): string {
  return world.mock.requests.filter((r) => r.prompt?.includes(prompt) && r.step >= 1)
    .map((r) => JSON.stringify(r.body)).join("\n");
}

function scriptTurn(world: RealWorld, id: string): string {
  const target = `${world.env.project}/file-${id}`;
  world.mock.addRule({
    match: `gate ${id}`,
    replies: [shellTool(`touch ${target}`), { kind: "text", text: `after ${id}` }],
  });
  return target;
}

function waiting(run: Run): Record<string, unknown> {
  assertEquals(run.code, 4, `expected exit 4, got ${run.code}: ${run.stderr}`);
  const line = JSON.parse(run.stdout);
  assertEquals(line.event, "approval_request");
  return line;
}

for (const harness of HARNESSES) {
  Deno.test(
    `approval on real ${harness}: policy, exit 4, blocked, approve, deny, timeout, kill`,
    opts,
    async () => {
      const world = await realWorld();
      try {
        const { env } = world;
        const policyFile = `${env.root}/policy.json`;
        Deno.writeTextFileSync(policyFile, JSON.stringify(POLICY));
        await launch(world, harness, ["--policy", policyFile]);
        const shim = (args: string[]) => env.shim(NAME, args);

        // The policy decides with no controller.
        const denied = scriptTurn(world, "policy-deny");
        assertEquals((await shim(["converse", "gate policy-deny", "90"])).code, 0);
        assert(!exists(denied), "a policy-denied call does not run");
        assertStringIncludes(laterRequests(world, "gate policy-deny"), "POLICY-REASON-5");
        const allowed = scriptTurn(world, "policy-allow");
        assertEquals((await shim(["converse", "gate policy-allow", "90"])).code, 0);
        assert(exists(allowed), "a policy-allowed call runs");

        // converse returns as soon as the call waits; status is blocked; approve lets it run.
        const approved = scriptTurn(world, "approved");
        const first = waiting(await shim(["converse", "gate approved", "90"]));
        assertEquals((await shim(["status"])).stdout.trim(), "blocked");
        assert(!exists(approved), "the call waits");
        waiting(await shim(["wait-for-turn", "30"]));
        assertEquals((await shim(["approve", String(first.id)])).code, 0);
        const ended = await shim(["wait-for-turn", "90"]);
        assertEquals(ended.code, 0, ended.stderr);
        assert(exists(approved), "an approved call runs");

        // send + wait-for-turn: exit 4; deny with a reason the model reads.
        const refused = scriptTurn(world, "refused");
        assertEquals((await shim(["send", "gate refused"])).code, 0);
        waiting(await shim(["wait-for-turn", "90"]));
        const deny = await shim(["deny", "--reason", "CONTROLLER-REASON-8"]);
        assertEquals(deny.code, 0, deny.stderr);
        assertEquals((await shim(["wait-for-turn", "90"])).code, 0);
        assert(!exists(refused), "a denied call does not run");
        assertStringIncludes(laterRequests(world, "gate refused"), "CONTROLLER-REASON-8");
        assertEquals((await shim(["status"])).stdout.trim(), "idle");

        // Nobody decides: on_timeout (deny) applies. The copy's timeout is shortened in place
        // (the hook reads it per call) rather than waiting the launch's 60 s.
        const paths = approvalPaths(NAME, env.workerDir);
        installPolicy(paths, compilePolicy(POLICY, "test").policy, 3);
        const late = scriptTurn(world, "late");
        waiting(await shim(["converse", "gate late", "90"]));
        await eventually(
          () => env.events(NAME).filter((e) => e.event === "approval_decision").length === 5,
          30_000,
          "the timeout's decision",
        );
        assertEquals((await shim(["wait-for-turn", "90"])).code, 0);
        assert(!exists(late), "on_timeout deny: the call does not run");
        const decisions = env.events(NAME).filter((e) => e.event === "approval_decision");
        assertEquals(
          decisions.map((e) => [e.by, e.decision]),
          [
            ["policy", "deny"],
            ["policy", "allow"],
            ["controller", "allow"],
            ["controller", "deny"],
            ["timeout", "deny"],
          ],
        );

        // Two calls in one reply: separate waiting items, decided separately (whether the
        // harness runs them at once or one after the other).
        installPolicy(paths, compilePolicy(POLICY, "test").policy, 60);
        const [pairA, pairB] = [`${env.project}/file-pair-a`, `${env.project}/file-pair-b`];
        world.mock.addRule({
          match: "gate pair",
          replies: [
            {
              kind: "tool",
              name: "Bash",
              input: { command: `touch ${pairA}` },
              also: [{ name: "Bash", input: { command: `touch ${pairB}` } }],
            },
            { kind: "text", text: "after pair" },
          ],
        });
        const ids = new Set<unknown>();
        let pair = await shim(["converse", "gate pair", "90"]);
        for (let round = 0; round < 4 && pair.code === 4; round++) {
          const line = waiting(pair);
          ids.add(line.id);
          const decide = JSON.stringify(line.tool_input).includes("pair-a")
            ? ["approve", String(line.id)]
            : ["deny", String(line.id), "--reason", "PAIR-REASON"];
          const decided = await shim(decide);
          assertEquals(decided.code, 0, decided.stderr);
          pair = await shim(["wait-for-turn", "90"]);
        }
        assertEquals(pair.code, 0, pair.stderr);
        assertEquals(ids.size, 2, "two waiting items");
        assert(exists(pairA), "the approved one of the pair runs");
        assert(!exists(pairB), "the denied one of the pair does not");

        // A worker killed while blocked: no longer blocked, nothing left pending.
        scriptTurn(world, "killed");
        waiting(await shim(["converse", "gate killed", "90"]));
        await env.tmux("kill-server");
        assertEquals((await shim(["status"])).stdout.trim(), "gone");
        await eventually(
          async () => (await shim(["pending"])).stdout === "",
          15_000,
          "the killed worker's call no longer pending",
        );
      } finally {
        await world.dispose();
      }
    },
  );
}

Deno.test(
  "approval on real claude: an AskUserQuestion is answered through answer",
  opts,
  async () => {
    const world = await realWorld();
    try {
      const { env, mock } = world;
      // Not gated: a question waits on every worker.
      await launch(world, "claude", []);
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
      const asked = waiting(await env.shim(NAME, ["converse", "gate question", "90"]));
      assertEquals([asked.kind, asked.questions], ["question", [question]]);
      assertEquals((await env.shim(NAME, ["status"])).stdout.trim(), "blocked");
      const answered = await env.shim(NAME, ["answer", "Blue"]);
      assertEquals(answered.code, 0, answered.stderr);
      const ended = await env.shim(NAME, ["wait-for-turn", "90"]);
      assertEquals(ended.code, 0, ended.stderr);
      const told = laterRequests(world, "gate question");
      assert(
        told.includes('\\"Which colour should the button be?\\"=\\"Blue\\"'),
        told.slice(0, 2000),
      );
    } finally {
      await world.dispose();
    }
  },
);
