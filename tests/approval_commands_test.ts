/**
 * commands/pending.ts, approve.ts, deny.ts and answer.ts (not registered yet: main() is called
 * directly, and pending's output is read from `deno run commands/pending.ts`), against a worker
 * launched with the fake agent and calls waiting in this process's gate.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { REPO, TestEnv } from "../kit/env.ts";
import { approvalPaths } from "../lib/paths.ts";
import { gate, type GateCall, type GateVerdict } from "../lib/approval/gate.ts";
import { compilePolicy } from "../lib/approval/policy_file.ts";
import { pendingRequests } from "../lib/approval/store.ts";
import { CsdError } from "../lib/cli/errors.ts";
import { main as approve } from "../commands/approve.ts";
import { main as deny } from "../commands/deny.ts";
import { main as answer } from "../commands/answer.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function withWorker(
  fn: (env: TestEnv, wait: (call: GateCall) => Promise<GateVerdict>) => Promise<void>,
) {
  const env = await TestEnv.create();
  const before = Deno.env.get("CSD_WORKER_DIR");
  try {
    await env.launch("w1");
    Deno.env.set("CSD_WORKER_DIR", env.workerDir);
    const paths = approvalPaths("w1", env.workerDir);
    const wait = (call: GateCall) =>
      gate(call, {
        paths,
        eventsFile: `${env.workerDir}/w1.events.jsonl`,
        policy: compilePolicy({}, "p"),
        timeoutS: 60,
      });
    await fn(env, wait);
  } finally {
    if (before === undefined) Deno.env.delete("CSD_WORKER_DIR");
    else Deno.env.set("CSD_WORKER_DIR", before);
    await env.dispose();
  }
}

async function pendingCount(env: TestEnv, count: number) {
  const paths = approvalPaths("w1", env.workerDir);
  for (let i = 0; i < 300 && pendingRequests(paths).length < count; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assertEquals(pendingRequests(paths).length, count);
  return pendingRequests(paths);
}

async function rejects(promise: () => Promise<number>, message: string, code = 1) {
  try {
    await promise();
  } catch (error) {
    assert(error instanceof CsdError, String(error));
    assertEquals([error.message, error.exitCode], [message, code]);
    return;
  }
  throw new Error(`Expected "${message}"`);
}

const bash = (command: string): GateCall => ({
  harness: "claude",
  tool: "Bash",
  input: { command },
});

Deno.test(
  "approve/deny: oldest first, by id, reason to the model, events; errors exit 1",
  opts,
  () =>
    withWorker(async (env, wait) => {
      await rejects(() => approve(["--worker", "w1"]), "No call is waiting");
      const first = wait(bash("first"));
      await pendingCount(env, 1);
      const second = wait(bash("second"));
      const [, waiting] = await pendingCount(env, 2);
      // pending, as a controller runs it.
      const listed = await env.exec(Deno.execPath(), [
        "run",
        "--quiet",
        "--cached-only",
        "--no-check",
        "-A",
        "--config",
        `${REPO}/deno.json`,
        `${REPO}/commands/pending.ts`,
        "--worker",
        "w1",
      ], { env: { DENO_DIR: `${REPO}/.tools/deno-dir` } });
      assertEquals(listed.code, 0, listed.stderr);
      const lines = listed.stdout.trim().split("\n").map((l) => JSON.parse(l));
      assertEquals(lines.map((l) => l.tool_input.command), ["first", "second"]);
      assertEquals(Object.keys(lines[0]).includes("pid"), false);
      assertEquals(await approve(["--worker", "w1"]), 0);
      assertEquals((await first).decision, "allow", "no id: the oldest");
      assertEquals(
        await deny(["--worker", "w1", waiting!.id, "--reason", "Use the staging host"]),
        0,
      );
      assertEquals([(await second).decision, (await second).reason], [
        "deny",
        "Use the staging host",
      ]);
      await rejects(
        () => approve(["--worker", "w1", waiting!.id]),
        `Call "${waiting!.id}" is already decided: deny by controller`,
      );
      await rejects(
        () => deny(["--worker", "w1", "0000000aa-00000000"]),
        'No waiting call with id "0000000aa-00000000"',
      );
      const decisions = env.events("w1").filter((e) => e.event === "approval_decision");
      assertEquals(decisions.map((e) => [e.decision, e.by]), [["allow", "controller"], [
        "deny",
        "controller",
      ]]);
      assertEquals(env.events("w1").filter((e) => e.event === "approval_request").length, 2);
    }),
);

Deno.test(
  "answer: one text per question; approve never takes a question",
  opts,
  () =>
    withWorker(async (env, wait) => {
      const questions = [
        {
          question: "Colour?",
          header: "C",
          options: [{ label: "Red" }, { label: "Blue" }],
          multiSelect: false,
        },
        {
          question: "Size?",
          header: "S",
          options: [{ label: "S" }, { label: "L" }],
          multiSelect: false,
        },
      ];
      const asked = wait({ harness: "claude", tool: "AskUserQuestion", input: { questions } });
      const [item] = await pendingCount(env, 1);
      assertEquals(item!.kind, "question");
      await rejects(() => approve(["--worker", "w1"]), "No call is waiting");
      await rejects(
        () => answer(["--worker", "w1", "Blue"]),
        `Cannot answer "${item!.id}": it asks 2 question(s), got 1 answer(s)`,
        2,
      );
      assertEquals(await answer(["--worker", "w1", item!.id, "Blue", "-L, please"]), 0);
      assertEquals((await asked).answers, { "Colour?": "Blue", "Size?": "-L, please" });
    }),
);
