/**
 * pi/approval_gate.ts under Deno's Node compatibility (the same node:child_process calls Pi's
 * Node makes): the hook's answer becomes {block, reason}; a broken gate blocks.
 */
import { assertEquals } from "./support/assert.ts";
import { piAnswerFromHook, piGate, piWorkerGated } from "../pi/approval_gate.ts";

function script(root: string, body: string): string {
  const path = `${root}/hook.sh`;
  Deno.writeTextFileSync(path, `#!/bin/sh\ncat > "${root}/payload.json"\n${body}\n`, {
    mode: 0o700,
  });
  return path;
}

async function withRoot(fn: (root: string) => Promise<void>) {
  const root = Deno.makeTempDirSync({ prefix: "csd-pi-gate-" });
  try {
    await fn(root);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
}

const deny = JSON.stringify({
  hookSpecificOutput: {
    hookEventName: "PreToolUse",
    permissionDecision: "deny",
    permissionDecisionReason: "R1",
  },
});
const call = { toolName: "bash", toolCallId: "c1", input: { command: "ls" } };
const base = (hook: string) => ({
  hook,
  eventsFile: "/x/w1.events.jsonl",
  sessionId: "s",
  boundMs: 5000,
  env: {},
});

Deno.test("piGate(): a deny becomes {block, reason}; the payload is PreToolUse-shaped", () =>
  withRoot(async (root) => {
    const answer = await piGate(call, base(script(root, `printf '%s' '${deny}'`)));
    assertEquals(answer, { block: true, reason: "R1" });
    const payload = JSON.parse(Deno.readTextFileSync(`${root}/payload.json`));
    assertEquals(payload, {
      hook_event_name: "PreToolUse",
      session_id: "s",
      tool_name: "bash",
      tool_input: { command: "ls" },
      tool_use_id: "c1",
    });
  }));

Deno.test("piGate(): no output lets the call run", () =>
  withRoot(async (root) => {
    assertEquals(await piGate(call, base(script(root, "exit 0"))), undefined);
  }));

Deno.test("piGate(): a crashing, missing or hanging gate blocks the call", () =>
  withRoot(async (root) => {
    assertEquals((await piGate(call, base(script(root, "exit 3"))))?.block, true);
    assertEquals((await piGate(call, base(`${root}/missing`)))?.block, true);
    const hanging = { ...base(script(root, "exec sleep 30")), boundMs: 300 };
    const answer = await piGate(call, hanging);
    assertEquals(answer?.block, true);
  }));

Deno.test("piAnswerFromHook() and piWorkerGated()", () =>
  withRoot((root) => {
    assertEquals(piAnswerFromHook(""), undefined);
    assertEquals(piAnswerFromHook("{bad")?.block, true);
    assertEquals(piWorkerGated(`${root}/w1.events.jsonl`), false);
    Deno.mkdirSync(`${root}/approvals`);
    Deno.writeTextFileSync(`${root}/approvals/w1.policy.json`, "{}");
    assertEquals(piWorkerGated(`${root}/w1.events.jsonl`), true);
    return Promise.resolve();
  }));
