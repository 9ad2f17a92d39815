/**
 * `csd wait` with the fake agent: the first of several workers, --all's lines and exit codes,
 * a worker that ends while wait starts, a worker that dies, one that waits on a decision.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { BIN, eventually, TestEnv } from "../kit/env.ts";
import { assertValid } from "./support/json_outputs.ts";
import { appendApprovalEvent, decisionEvent, requestEvent } from "../lib/approval/events.ts";
import { newApprovalId, recordDecision, writeRequest } from "../lib/approval/store.ts";
import { StatusOutput, WaitOutput } from "../lib/cli/output_schema.ts";
import { approvalPaths } from "../lib/paths.ts";
import type { ApprovalRequest, EventLine } from "../lib/schema.ts";
import type { Worker } from "../lib/worker/handle.ts";
import { waitDecider } from "../commands/wait.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** The JSON lines of a run's stdout. */
function lines(stdout: string): Record<string, unknown>[] {
  return stdout.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
}

function fleetScript(env: TestEnv) {
  env.script({
    rules: [
      { match: "slow", text: "slow done", delayMs: 4000 },
      { match: "hang", text: "never seen", delayMs: 600_000 },
      { match: "break", fail: "API Error: 529 overloaded" },
      { match: "quick", text: "quick done" },
    ],
  });
}

Deno.test(
  "csd wait returns the first worker to end; --all prints each and the worst code",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      fleetScript(env);
      for (const name of ["w-slow", "w-fail", "w-ok"]) await env.launch(name);
      assertEquals((await env.shim("w-slow", ["send", "slow task"])).code, 0);
      assertEquals((await env.shim("w-fail", ["send", "break it"])).code, 0);
      const first = await env.csd(["wait", "--timeout", "30", "w-slow", "w-fail"]);
      assertEquals(first.code, 3, first.stderr);
      const [failed] = lines(first.stdout);
      assertEquals(failed!.worker, "w-fail");
      assertEquals(failed!.event, "stop_failure");
      assertStringIncludes(first.stderr, `worker "w-fail"`);

      // The failed turn was collected; the slow one's send is still pending: --all takes it, and a
      // quick worker (a shim path this time) whose turn ends meanwhile.
      assertEquals((await env.shim("w-ok", ["send", "quick one"])).code, 0);
      const all = await env.csd([
        "wait",
        "--all",
        "--timeout",
        "30",
        "w-slow",
        `${env.workerDir}/bin/w-ok`,
      ]);
      assertEquals(all.code, 0, all.stderr);
      const ended = lines(all.stdout);
      assertEquals(ended.map((l) => l.worker).sort(), ["w-ok", "w-slow"]);
      assertEquals(ended.map((l) => l.event), ["stop", "stop"]);

      // --all with a failure and a success: the failure's code, both lines.
      assertEquals((await env.shim("w-fail", ["send", "break again"])).code, 0);
      assertEquals((await env.shim("w-ok", ["send", "quick two"])).code, 0);
      const mixed = await env.csd(["wait", "--all", "--timeout", "30", "w-fail", "w-ok"]);
      assertEquals(mixed.code, 3, mixed.stderr);
      assertEquals(lines(mixed.stdout).map((l) => l.worker).sort(), ["w-fail", "w-ok"]);

      // --all prints in the order the turns end, not the order named.
      assertEquals((await env.shim("w-slow", ["send", "slow again"])).code, 0);
      assertEquals((await env.shim("w-ok", ["send", "quick again"])).code, 0);
      const ordered = await env.csd(["wait", "--all", "--timeout", "30", "w-slow", "w-ok"]);
      assertEquals(ordered.code, 0, ordered.stderr);
      const inOrder = lines(ordered.stdout);
      assertEquals(inOrder.map((l) => l.worker), ["w-ok", "w-slow"]);
      assert(String(inOrder[0]!.ts) <= String(inOrder[1]!.ts), ordered.stdout);

      // A timeout still prints those that ended.
      assertEquals((await env.shim("w-slow", ["send", "hang here"])).code, 0);
      assertEquals((await env.shim("w-ok", ["send", "quick three"])).code, 0);
      const late = await env.csd(["wait", "--all", "--timeout", "3", "w-slow", "w-ok"]);
      assertEquals(late.code, 124, late.stderr);
      assertEquals(lines(late.stdout).map((l) => l.worker), ["w-ok"]);
      assertStringIncludes(late.stderr, `"w-slow"`);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("csd wait catches a turn that ended while it started", opts, async () => {
  const env = await TestEnv.create();
  try {
    fleetScript(env);
    await env.launch("racer");
    await env.launch("idler");
    for (let round = 1; round <= 3; round++) {
      assertEquals((await env.shim("racer", ["send", `quick ${round}`])).code, 0);
      // Start the wait while the turn ends: it must see the end whichever comes first.
      const waiting = env.csd(["wait", "--timeout", "20", "idler", "racer"]);
      const run = await waiting;
      assertEquals(run.code, 0, run.stderr);
      assertEquals(lines(run.stdout)[0]!.worker, "racer");
      assertEquals(lines(run.stdout)[0]!.last_assistant_message, "quick done");
    }
    // Ended before the wait: still this send's turn.
    assertEquals((await env.shim("racer", ["send", "quick late"])).code, 0);
    await eventually(() => env.events("racer").filter((e) => e.event === "stop").length === 4);
    const run = await env.csd(["wait", "--timeout", "5", "racer"]);
    assertEquals(run.code, 0, run.stderr);
    // Collected: the next wait waits for the next turn.
    assertEquals((await env.csd(["wait", "--timeout", "1", "racer"])).code, 124);
  } finally {
    await env.dispose();
  }
});

Deno.test("csd wait: a dead worker ends it (3), a waiting decision too (4)", opts, async () => {
  const env = await TestEnv.create();
  try {
    fleetScript(env);
    await env.launch("doomed");
    await env.launch("gated");
    assertEquals((await env.shim("doomed", ["send", "hang on"])).code, 0);
    const child = env.csd(["wait", "--timeout", "30", "doomed", "gated"]);
    const pane = JSON.parse(Deno.readTextFileSync(`${env.workerDir}/doomed.meta.json`))
      .tmux_pane_id as string;
    assertEquals((await env.tmux("kill-pane", "-t", pane)).code, 0);
    const died = await child;
    assertEquals(died.code, 3, died.stderr);
    const [line] = lines(died.stdout);
    assertEquals(line!.worker, "doomed");
    assertEquals(line!.event, "session_end");

    // A worker whose meta vanishes mid-wait (a wiped worker dir) ends only its own wait: the
    // other's line comes first, then its own.
    await env.launch("doomed2");
    assertEquals((await env.shim("doomed2", ["send", "hang three"])).code, 0);
    const both = env.spawn(`${BIN}/csd`, ["wait", "--all", "--timeout", "30", "doomed2", "gated"]);
    assertEquals((await env.shim("gated", ["send", "quick now"])).code, 0);
    const reader = both.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += chunk.value;
    }
    assertEquals(lines(text).map((l) => l.worker), ["gated"]);
    Deno.removeSync(`${env.workerDir}/doomed2.meta.json`);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text += chunk.value;
    }
    const stopped = await both.status;
    assertEquals(stopped.code, 3, text);
    assertEquals(lines(text).map((l) => l.worker), ["gated", "doomed2"]);

    // A gated call (as lib/approval/gate.ts records one): a request file and an
    // approval_request line. Until its decision follows, the worker is blocked.
    assertEquals((await env.shim("gated", ["send", "hang too"])).code, 0);
    const events = `${env.workerDir}/gated.events.jsonl`;
    const launch = JSON.parse(Deno.readTextFileSync(`${env.workerDir}/gated.meta.json`)).launch_id;
    const paths = approvalPaths("gated", env.workerDir);
    const now = Date.now();
    const request: ApprovalRequest = {
      version: 1,
      id: newApprovalId(now),
      kind: "tool",
      harness: "claude",
      tool: "Bash",
      tool_input: { command: "rm -rf build" },
      tool_use_id: "toolu_1",
      created_at: new Date(now).toISOString(),
      deadline: new Date(now + 600_000).toISOString(),
      pid: Deno.pid,
    };
    writeRequest(paths, request);
    appendApprovalEvent(events, requestEvent(request), launch);
    const blocked = await env.csd(["wait", "--timeout", "30", "gated"]);
    assertEquals(blocked.code, 4, blocked.stderr);
    assertEquals(lines(blocked.stdout)[0]!.event, "approval_request");
    assertEquals(lines(blocked.stdout)[0]!.worker, "gated");
    assertValid(WaitOutput, lines(blocked.stdout)[0]);
    const status = await env.shim("gated", ["status", "--json"]);
    const shown = JSON.parse(status.stdout);
    assertValid(StatusOutput, shown);
    assertEquals(shown.status, "blocked");
    assertEquals(shown.waiting_decisions.map((d: { id: string }) => d.id), [request.id]);
    // Still the same turn: waiting again reports the same decision.
    assertEquals((await env.csd(["wait", "--timeout", "30", "gated"])).code, 4);
    // Decided: no longer blocked (the turn still runs, so the wait times out).
    const decision = {
      id: request.id,
      decision: "allow" as const,
      by: "controller" as const,
      decided_at: new Date().toISOString(),
    };
    recordDecision(paths, decision);
    appendApprovalEvent(events, decisionEvent(decision, { tool: "Bash" }), launch);
    const after = await env.csd(["wait", "--timeout", "1", "gated"]);
    assertEquals(after.code, 124, after.stdout);
    assertEquals(
      JSON.parse((await env.shim("gated", ["status", "--json"])).stdout)
        .waiting_decisions,
      [],
    );
  } finally {
    await env.dispose();
  }
});

Deno.test("csd wait: usage errors", opts, async () => {
  const env = await TestEnv.create();
  try {
    assertEquals((await env.csd(["wait"])).code, 2);
    assertEquals((await env.csd(["wait", "--timeout", "x", "a"])).code, 2);
    const unknown = await env.csd(["wait", "nobody"]);
    assertEquals(unknown.code, 1);
    assertStringIncludes(unknown.stderr, `"nobody"`);
    assertEquals((await env.csd(["wait", "/etc/passwd"])).code, 2);
  } finally {
    await env.dispose();
  }
});

Deno.test("waitDecider: an approval line blocks until its decision, as an event line or not", () => {
  const request = { ts: "t", event: "approval_request", id: "a1", tool: "Bash" };
  const decision = { ts: "t", event: "approval_decision", id: "a1", decision: "allow" };
  const at = (line: Record<string, unknown>, start: number) => {
    const text = JSON.stringify(line);
    return { text, start, end: start + text.length + 1 };
  };
  // Today approval lines are not EventLines (`other`); once their names join EVENT_TYPES they
  // arrive as events. Either way the worker is blocked until the decision.
  for (const asEvent of [false, true]) {
    const decider = waitDecider({} as Worker, undefined);
    const feed = (line: Record<string, unknown>, start: number) => {
      const lineAt = at(line, start);
      return asEvent
        ? decider.event({ ...lineAt, event: line as unknown as EventLine })
        : decider.other!(lineAt);
    };
    assertEquals(feed(request, 0), undefined);
    assertEquals(decider.settle!()?.kind, "blocked", `as event: ${asEvent}`);
    assertEquals(feed(decision, 100), undefined);
    assertEquals(decider.settle!(), undefined, `as event: ${asEvent}`);
    const stop = { ts: "t", event: "stop" } as EventLine;
    assertEquals(decider.event({ ...at(stop, 200), event: stop })?.kind, "ended");
  }
});
