/**
 * lib/approval/gate.ts, hook.ts and output.ts: the policy decides at once; otherwise the call
 * waits, woken by the decision file (inotify), bounded by the timeout, after which on_timeout is
 * recorded; each harness gets the answer it honours.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { type ApprovalPaths, approvalPaths } from "../lib/paths.ts";
import { gate, type GateOptions } from "../lib/approval/gate.ts";
import { compilePolicy } from "../lib/approval/policy_file.ts";
import { decideAsController, pendingRequests, readDecision } from "../lib/approval/store.ts";
import { denialReason, hookAnswer, piAnswer } from "../lib/approval/output.ts";
import { gatePreToolUse } from "../lib/approval/hook.ts";
import { installPolicy } from "../lib/approval/policy_file.ts";
import { readInstalledPolicy } from "../lib/approval/worker_policy.ts";
import { allAlive, ancestors } from "../lib/approval/ancestry.ts";

/** No fallback poll inside a test's lifetime: only a file event can wake the gate. */
const NO_POLL = 600_000;

interface World {
  paths: ApprovalPaths;
  events: string;
  lines(): Record<string, unknown>[];
}

async function withWorld(fn: (w: World) => Promise<void>) {
  const root = Deno.makeTempDirSync({ prefix: "csd-gate-" });
  const events = `${root}/w1.events.jsonl`;
  try {
    await fn({
      paths: approvalPaths("w1", root),
      events,
      lines: () => {
        try {
          return Deno.readTextFileSync(events).split("\n").filter(Boolean).map((l) =>
            JSON.parse(l)
          );
        } catch {
          return [];
        }
      },
    });
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
}

const shell = (command: string) => ({
  harness: "claude" as const,
  tool: "Bash",
  input: { command },
});

function options(w: World, policy: unknown, extra: Partial<GateOptions> = {}): GateOptions {
  return {
    paths: w.paths,
    eventsFile: w.events,
    policy: policy === undefined ? undefined : compilePolicy(policy, "p.json"),
    timeoutS: 30,
    pollMs: NO_POLL,
    ...extra,
  };
}

/** Waits (bounded) until a call is pending, by watching the approvals folder like the gate. */
async function firstPending(paths: ApprovalPaths) {
  for (let i = 0; i < 200; i++) {
    const pending = pendingRequests(paths);
    if (pending.length > 0) return pending;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("No call became pending within 2 s");
}

Deno.test("gate(): a policy allow decides at once, with an approval_decision event and no files", () =>
  withWorld(async (w) => {
    const policy = { rules: [{ tool: "shell", match: "ls*", decision: "allow" }] };
    const verdict = await gate(shell("ls -la"), options(w, policy));
    assertEquals([verdict.decision, verdict.by, verdict.rule], ["allow", "policy", 0]);
    assertEquals(pendingRequests(w.paths).length, 0);
    const [line] = w.lines();
    assertEquals([line?.event, line?.decision, line?.by, line?.rule], [
      "approval_decision",
      "allow",
      "policy",
      0,
    ]);
  }));

Deno.test("gate(): a policy deny carries the rule's reason", () =>
  withWorld(async (w) => {
    const policy = {
      rules: [{ tool: "shell", match: "/rm /", decision: "deny", reason: "Never rm" }],
    };
    const verdict = await gate(shell("rm x"), options(w, policy));
    assertEquals([verdict.decision, verdict.reason], ["deny", "Never rm"]);
  }));

Deno.test("gate(): an ungated worker's tool call passes with no record", () =>
  withWorld(async (w) => {
    const verdict = await gate(shell("rm -rf /"), options(w, undefined));
    assertEquals([verdict.decision, verdict.by], ["allow", "ungated"]);
    assertEquals(w.lines(), []);
  }));

Deno.test("gate(): an ask waits and wakes on the controller's decision file (no polling)", () =>
  withWorld(async (w) => {
    const started = Date.now();
    const waiting = gate(shell("make deploy"), options(w, {}));
    const [pending] = await firstPending(w.paths);
    assertEquals(pending!.tool, "Bash");
    assertEquals(pending!.tool_kind, "shell");
    const request = w.lines().find((l) => l.event === "approval_request");
    assertEquals(request?.id, pending!.id);
    assertEquals(request?.deadline, pending!.deadline);
    const decidedAt = Date.now();
    decideAsController(w.paths, { id: pending!.id, decision: "deny", reason: "Not today" });
    const verdict = await waiting;
    const wakeMs = Date.now() - decidedAt;
    assertEquals([verdict.decision, verdict.by, verdict.reason], [
      "deny",
      "controller",
      "Not today",
    ]);
    // With no fallback poll and a 30 s timeout, only the file event can have woken it this soon
    // (the figure goes to the report, not into an assertion).
    Deno.writeTextFileSync(
      "/dev/stderr",
      `gate wake after decision: ${wakeMs} ms (call waited ${Date.now() - started} ms)\n`,
    );
    assert(wakeMs < 30_000);
  }));

Deno.test("gate(): the timeout applies on_timeout deny, recorded as by timeout", () =>
  withWorld(async (w) => {
    const verdict = await gate(
      shell("make deploy"),
      options(w, { on_timeout: "deny" }, { timeoutS: 0.3 }),
    );
    assertEquals([verdict.decision, verdict.by], ["deny", "timeout"]);
    assert(verdict.reason?.includes("0.3 s"), verdict.reason);
    assertEquals(readDecision(w.paths, verdict.id!)?.by, "timeout");
    const last = w.lines().at(-1);
    assertEquals([last?.event, last?.by, last?.decision], ["approval_decision", "timeout", "deny"]);
    assertEquals(pendingRequests(w.paths), [], "nothing waits after the timeout");
  }));

Deno.test("gate(): on_timeout defaults to allow, as in the source documents", () =>
  withWorld(async (w) => {
    const verdict = await gate(shell("x"), options(w, {}, { timeoutS: 0.2 }));
    assertEquals([verdict.decision, verdict.by], ["allow", "timeout"]);
  }));

Deno.test("gate(): a question waits on an ungated worker; its answers come back", () =>
  withWorld(async (w) => {
    const questions = [{ question: "Which colour?", header: "C", options: [], multiSelect: false }];
    const waiting = gate(
      { harness: "claude", tool: "AskUserQuestion", input: { questions } },
      options(w, undefined),
    );
    const [pending] = await firstPending(w.paths);
    assertEquals([pending!.kind, pending!.questions], ["question", questions]);
    decideAsController(w.paths, {
      id: undefined,
      kind: "question",
      decision: "allow",
      answers: { "Which colour?": "Blue" },
    });
    const verdict = await waiting;
    assertEquals(verdict.answers, { "Which colour?": "Blue" });
  }));

Deno.test("gate(): an unanswered question is denied at the timeout, whatever on_timeout says", () =>
  withWorld(async (w) => {
    const verdict = await gate(
      { harness: "claude", tool: "AskUserQuestion", input: { questions: [] } },
      options(w, { on_timeout: "allow" }, { timeoutS: 0.2 }),
    );
    assertEquals([verdict.decision, verdict.by], ["deny", "timeout"]);
  }));

Deno.test("gate(): two parallel calls are two waiting items, decided separately", () =>
  withWorld(async (w) => {
    const one = gate(shell("one"), options(w, {}));
    const two = gate(shell("two"), options(w, {}));
    let pending = await firstPending(w.paths);
    for (let i = 0; pending.length < 2 && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 10));
      pending = pendingRequests(w.paths);
    }
    assertEquals(pending.length, 2);
    const byCommand = (c: string) =>
      pending.find((p) => (p.tool_input as { command: string }).command === c)!;
    decideAsController(w.paths, { id: byCommand("two").id, decision: "deny" });
    decideAsController(w.paths, { id: byCommand("one").id, decision: "allow" });
    assertEquals([(await one).decision, (await two).decision], ["allow", "deny"]);
  }));

Deno.test("hookAnswer(): Claude deny JSON; Codex allow is silence; Claude answers via updatedInput", () => {
  const deny = hookAnswer("codex", { decision: "deny", by: "controller", reason: "R" }, {});
  assertEquals(JSON.parse(deny.stdout).hookSpecificOutput, {
    hookEventName: "PreToolUse",
    permissionDecision: "deny",
    permissionDecisionReason: "R",
  });
  assertEquals(deny.exitCode, 0);
  assertEquals(hookAnswer("codex", { decision: "allow", by: "controller" }, {}).stdout, "");
  assertEquals(hookAnswer("claude", { decision: "allow", by: "policy" }, {}).stdout, "");
  const answered = hookAnswer("claude", {
    decision: "allow",
    by: "controller",
    answers: { Q: "A" },
  }, {
    questions: [1],
  });
  assertEquals(JSON.parse(answered.stdout).hookSpecificOutput.updatedInput, {
    questions: [1],
    answers: { Q: "A" },
  });
  assertEquals(JSON.parse(answered.stdout).hookSpecificOutput.permissionDecision, "allow");
  assert(
    !deny.stdout.includes('"ask"') && !answered.stdout.includes('"ask"'),
    "never ask: it opens a dialog",
  );
});

Deno.test("piAnswer() and denialReason(): {block, reason} with a reason for every decider", () => {
  assertEquals(piAnswer({ decision: "allow", by: "policy" }), undefined);
  assertEquals(piAnswer({ decision: "deny", by: "policy", rule: 2 }), {
    block: true,
    reason: "Denied by approval policy rule 2",
  });
  assertEquals(denialReason({ decision: "deny", by: "controller" }), "Denied by the controller");
  assertEquals(
    denialReason({ decision: "deny", by: "timeout" }),
    "Denied: no approval arrived in time",
  );
});

Deno.test("gatePreToolUse(): ungated is silent; an installed policy gates; a broken copy asks", () =>
  withWorld(async (w) => {
    const payload = {
      hook_event_name: "PreToolUse",
      tool_name: "Bash",
      tool_input: { command: "rm -rf x" },
    };
    assertEquals(await gatePreToolUse("codex", payload, w.events), undefined);
    const policy =
      compilePolicy({ rules: [{ tool: "shell", match: "rm *", decision: "deny" }] }, "p").policy;
    installPolicy(w.paths, policy, 5);
    assertEquals(Deno.statSync(w.paths.policy).mode! & 0o777, 0o600);
    assertEquals(readInstalledPolicy(w.paths)?.policy.timeout_s, 5);
    const answer = await gatePreToolUse("codex", payload, w.events);
    assertEquals(JSON.parse(answer!.stdout).hookSpecificOutput.permissionDecision, "deny");
    Deno.writeTextFileSync(w.paths.policy, "{broken");
    assertEquals(readInstalledPolicy(w.paths)?.policy.default, "ask", "fails closed, not open");
  }));

Deno.test("gate(): the wait ends when a watched process (the harness) dies", () =>
  withWorld(async (w) => {
    const harness = new Deno.Command("sleep", { args: ["30"] }).spawn();
    try {
      const waiting = gate(shell("x"), options(w, {}, { pollMs: 50, watchPids: [harness.pid] }));
      await firstPending(w.paths);
      harness.kill("SIGKILL");
      await harness.status;
      const verdict = await waiting;
      assertEquals([verdict.decision, verdict.reason], ["deny", "The worker is gone"]);
      assertEquals(readDecision(w.paths, verdict.id!), undefined, "nobody decided it");
    } finally {
      try {
        harness.kill("SIGKILL");
      } catch {
        // Already dead.
      }
    }
  }));

Deno.test("ancestors(): starts at the parent; allAlive() sees a dead pid", async () => {
  const chain = ancestors();
  assertEquals(chain[0], Deno.ppid);
  assert(allAlive(chain));
  const child = new Deno.Command("true").spawn();
  await child.status;
  assert(!allAlive([child.pid]));
});
