/**
 * lib/approval/store.ts: waiting calls and decisions as files; first decision wins across
 * processes; unknown, decided and expired ids are clear errors; oldest first; 0700/0600.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { assertThrows } from "./support/approval.ts";
import { REPO } from "../kit/env.ts";
import { type ApprovalPaths, approvalPaths } from "../lib/paths.ts";
import {
  decideAsController,
  newApprovalId,
  pendingRequests,
  readDecision,
  recordDecision,
  writeRequest,
} from "../lib/approval/store.ts";
import type { ApprovalRequest } from "../lib/schema.ts";

function request(paths: ApprovalPaths, fields: Partial<ApprovalRequest> = {}, at = Date.now()) {
  const value: ApprovalRequest = {
    version: 1,
    id: newApprovalId(at),
    kind: "tool",
    harness: "claude",
    tool: "Bash",
    tool_input: { command: "ls" },
    created_at: new Date(at).toISOString(),
    deadline: new Date(at + 60_000).toISOString(),
    pid: Deno.pid,
    ...fields,
  };
  writeRequest(paths, value);
  return value;
}

async function withDir(fn: (paths: ApprovalPaths, root: string) => Promise<void> | void) {
  const root = Deno.makeTempDirSync({ prefix: "csd-approval-" });
  try {
    await fn(approvalPaths("w1", root), root);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
}

Deno.test("writeRequest(): the folder is 0700 and the files 0600", () =>
  withDir((paths) => {
    const r = request(paths);
    assertEquals(Deno.statSync(paths.dir).mode! & 0o777, 0o700);
    assertEquals(Deno.statSync(`${paths.dir}/${r.id}.request.json`).mode! & 0o777, 0o600);
    decideAsController(paths, { id: r.id, decision: "allow" });
    assertEquals(Deno.statSync(`${paths.dir}/${r.id}.decision.json`).mode! & 0o777, 0o600);
    assertEquals([...Deno.readDirSync(paths.dir)].length, 2, "no temp file left behind");
  }));

Deno.test("pendingRequests(): oldest first; decided, expired and orphaned calls do not wait", () =>
  withDir((paths) => {
    const now = Date.now();
    const second = request(paths, {}, now - 1000);
    const first = request(paths, {}, now - 2000);
    const decided = request(paths, {}, now - 3000);
    recordDecision(paths, {
      id: decided.id,
      decision: "deny",
      by: "controller",
      decided_at: new Date().toISOString(),
    });
    request(paths, { deadline: new Date(now - 1).toISOString() }, now - 5000);
    request(paths, { pid: 999_999_999 }, now - 4000);
    assertEquals(pendingRequests(paths).map((r) => r.id), [first.id, second.id]);
  }));

Deno.test("decideAsController(): no id decides the oldest waiting call", () =>
  withDir((paths) => {
    const older = request(paths, {}, Date.now() - 10);
    request(paths);
    const { request: decided } = decideAsController(paths, { id: undefined, decision: "allow" });
    assertEquals(decided.id, older.id);
    assertEquals(readDecision(paths, older.id)?.by, "controller");
  }));

Deno.test("decideAsController(): unknown, malformed, decided and kind-mismatched ids are errors", () =>
  withDir((paths) => {
    assertEquals(
      assertThrows(() => decideAsController(paths, { id: undefined, decision: "allow" })).message,
      "No call is waiting",
    );
    assertEquals(
      assertThrows(() => decideAsController(paths, { id: "0000000aa-00000000", decision: "deny" }))
        .message,
      'No waiting call with id "0000000aa-00000000"',
    );
    assertEquals(
      assertThrows(() => decideAsController(paths, { id: "../../etc/passwd", decision: "deny" }))
        .message,
      'No waiting call with id "../../etc/passwd"',
    );
    const r = request(paths);
    decideAsController(paths, { id: r.id, decision: "deny", reason: "no" });
    const again = assertThrows(() => decideAsController(paths, { id: r.id, decision: "allow" }));
    assertEquals(again.message, `Call "${r.id}" is already decided: deny by controller`);
    assertEquals(readDecision(paths, r.id)?.decision, "deny", "the first decision stands");
    const q = request(paths, { kind: "question" });
    assertEquals(
      assertThrows(() => decideAsController(paths, { id: q.id, decision: "allow", kind: "tool" }))
        .message,
      `Cannot decide "${q.id}": it is a question, not a tool`,
    );
    assertEquals(
      assertThrows(() =>
        decideAsController(paths, { id: undefined, decision: "allow", kind: "tool" })
      ).message,
      "No call is waiting",
      "approve without an id never picks a question",
    );
  }));

Deno.test("decideAsController(): a call whose wait ended cannot be decided", () =>
  withDir((paths) => {
    const r = request(paths, { pid: 999_999_999 });
    assertEquals(
      assertThrows(() => decideAsController(paths, { id: r.id, decision: "allow" })).message,
      `Call "${r.id}" no longer waits: its wait ended`,
    );
  }));

Deno.test("two controllers in separate processes: exactly one decision wins, 20 rounds", async () => {
  await withDir(async (paths) => {
    for (let round = 0; round < 20; round++) {
      const r = request(paths);
      const startAt = String(Date.now() + 400);
      const spawn = (decision: string) =>
        new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--no-check",
            `${REPO}/tests/support/approval_decider.ts`,
            paths.dir,
            paths.policy,
            r.id,
            decision,
            startAt,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
      const [a, b] = await Promise.all([spawn("allow"), spawn("deny")]);
      const outcomes = [a, b].map((o) => new TextDecoder().decode(o.stdout).trim());
      assertEquals([a.code, b.code].sort(), [0, 1], outcomes.join(" | "));
      const winner = a.code === 0 ? "allow" : "deny";
      const loser = outcomes[a.code === 0 ? 1 : 0]!;
      assertEquals(loser, `Call "${r.id}" is already decided: ${winner} by controller`);
      assertEquals(readDecision(paths, r.id)?.decision, winner, "the file holds the winner");
    }
  });
});

Deno.test("recordDecision(): a second decision never overwrites the first", () =>
  withDir((paths) => {
    const r = request(paths);
    const at = new Date().toISOString();
    const first = recordDecision(paths, {
      id: r.id,
      decision: "allow",
      by: "timeout",
      decided_at: at,
    });
    const second = recordDecision(paths, {
      id: r.id,
      decision: "deny",
      by: "controller",
      decided_at: at,
    });
    assert(first.recorded);
    assert(!second.recorded);
    assertEquals(second.existing?.by, "timeout");
  }));
