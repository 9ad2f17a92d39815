/**
 * Experiments that pin down how each REAL harness honours a tool-call gate under the bypass flags
 * csd launches workers with (the facts lib/approval/output.ts builds on). A scriptable probe hook
 * (tests/support/approval_probe.sh) or probe Pi extension sits next to csd's own hook and answers
 * each PreToolUse with what the case puts in its control dir; the mock model asks for a shell
 * call that would create a file, so "the call ran" is a file on disk, and "the model was told"
 * is the text of the next model request. Run per set: CSD_TEST_HARNESS_SET=oldest|current.
 *
 * The findings are asserted (so a new release that changes them fails here) and also written to
 * $CSD_APPROVAL_FACTS (a JSON file) when set, for the notes.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { exists, REPO } from "../kit/env.ts";
import { type RealWorld, realWorld } from "../kit/real_claude.ts";
import { withCodex } from "../kit/real_codex.ts";
import { withPi } from "../kit/real_pi.ts";
import { HARNESS_SET } from "../kit/harness_set.ts";
import type { Reply } from "../kit/mock_model.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const PROBE = `${REPO}/tests/support/approval_probe.sh`;

/** One hook answer to try and what it must do. */
interface Case {
  id: string;
  stdout?: string;
  stderr?: string;
  exit?: number;
  sleep?: number;
  /** Whether the shell call runs. */
  runs: boolean;
  /** Text the model's next request must carry (the denial reason). */
  told?: string;
}

const deny = (reason: string) =>
  JSON.stringify({
    hookSpecificOutput: {
      hookEventName: "PreToolUse",
      permissionDecision: "deny",
      permissionDecisionReason: reason,
    },
  });
const decision = (d: "allow" | "ask") =>
  JSON.stringify({
    hookSpecificOutput: {
      hookEventName: "PreToolUse",
      permissionDecision: d,
      permissionDecisionReason: `probe says ${d}`,
    },
  });

const facts: Record<string, unknown> = {};
function record(key: string, value: unknown) {
  facts[`${HARNESS_SET}/${key}`] = value;
  const file = Deno.env.get("CSD_APPROVAL_FACTS");
  if (!file) return;
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(Deno.readTextFileSync(file));
  } catch {
    // First fact.
  }
  all[`${HARNESS_SET}/${key}`] = value;
  Deno.writeTextFileSync(file, JSON.stringify(all, null, 2) + "\n");
}

function control(dir: string, c: Case) {
  if (c.stdout !== undefined) Deno.writeTextFileSync(`${dir}/stdout`, c.stdout);
  if (c.stderr !== undefined) Deno.writeTextFileSync(`${dir}/stderr`, c.stderr);
  if (c.exit !== undefined) Deno.writeTextFileSync(`${dir}/exit`, String(c.exit));
  if (c.sleep !== undefined) Deno.writeTextFileSync(`${dir}/sleep`, String(c.sleep));
}

function clearControl(dir: string) {
  for (const f of ["stdout", "stderr", "exit", "sleep"]) {
    try {
      Deno.removeSync(`${dir}/${f}`);
    } catch {
      // Not set.
    }
  }
}

/** The body of the model call that followed the tool call of the turn for `prompt`. */
function nextRequestText(world: RealWorld, prompt: string): string {
  const after = world.mock.requests.filter((r) => r.prompt?.includes(prompt) && r.step >= 1);
  return after.map((r) => JSON.stringify(r.body)).join("\n");
}

async function runCases(
  world: RealWorld,
  name: string,
  dir: string,
  cases: Case[],
  shellReply: (cmd: string) => Reply,
) {
  const { env } = world;
  for (const c of cases) {
    const target = `${env.project}/ran-${c.id}`;
    const prompt = `probe ${c.id}`;
    world.mock.addRule({
      match: prompt,
      replies: [shellReply(`touch ${target}`), { kind: "text", text: `after ${c.id}` }],
    });
    clearControl(dir);
    control(dir, c);
    const started = Date.now();
    const run = await env.shim(name, ["converse", prompt, "60"]);
    const ms = Date.now() - started;
    const ran = exists(target);
    // How long after the hook started the call ran (the hook-timeout case: when it gave up).
    const hookStarted = Number(Deno.readTextFileSync(`${dir}/started`).trim());
    const ranAfterMs = ran ? Deno.statSync(target).mtime!.getTime() - hookStarted : null;
    const told = nextRequestText(world, prompt);
    record(`${name}/${c.id}`, {
      converse: run.code,
      ran,
      ms,
      ranAfterMs,
      toldReason: c.told ? told.includes(c.told) : null,
    });
    assertEquals(run.code, 0, `${c.id}: ${run.stderr}`);
    assertEquals(ran, c.runs, `${c.id}: the call ${c.runs ? "must" : "must not"} run`);
    if (c.told) assert(told.includes(c.told), `${c.id}: the model is told "${c.told}": ${told}`);
  }
}

function claudeUserHooks(world: RealWorld, dir: string, timeout: number) {
  Deno.mkdirSync(`${world.env.home}/.claude`, { recursive: true });
  Deno.writeTextFileSync(
    `${world.env.home}/.claude/settings.json`,
    JSON.stringify({
      hooks: {
        PreToolUse: [{
          matcher: "*",
          hooks: [{ type: "command", command: `${PROBE} ${dir}`, timeout }],
        }],
      },
    }),
  );
}

const COMMON: Case[] = [
  { id: "deny-json", stdout: deny("POLICY-SAYS-NO-1"), runs: false, told: "POLICY-SAYS-NO-1" },
  { id: "allow-json", stdout: decision("allow"), runs: true },
  { id: "no-output", runs: true },
  { id: "exit2", stderr: "EXIT2-REASON-7", exit: 2, runs: false, told: "EXIT2-REASON-7" },
  { id: "malformed", stdout: "{not json", runs: true },
  { id: "exit1", stderr: "EXIT1-REASON", exit: 1, runs: true },
  // The hook runs past its own `timeout` (3 s): the harness gives up on it.
  { id: "hook-timeout", stdout: deny("LATE-DENY"), sleep: 6, runs: true },
];

const shellTool = (command: string): Reply => ({ kind: "tool", name: "Bash", input: { command } });

Deno.test(
  "approval probe: claude PreToolUse outputs under --dangerously-skip-permissions",
  opts,
  async () => {
    const world = await realWorld();
    const dir = `${world.env.root}/probe`;
    Deno.mkdirSync(dir);
    claudeUserHooks(world, dir, 3);
    try {
      await world.env.launch("c1");
      await runCases(world, "c1", dir, COMMON, shellTool);
      const payload = Deno.readTextFileSync(`${dir}/payloads.jsonl`).split("\n")[0]!;
      record("c1/payload-keys", Object.keys(JSON.parse(payload)).sort());
      record("c1/payload-permission_mode", JSON.parse(payload).permission_mode ?? null);
    } finally {
      await world.dispose();
    }
  },
);

Deno.test("approval probe: claude ask under bypass", opts, async () => {
  const world = await realWorld();
  const dir = `${world.env.root}/probe`;
  Deno.mkdirSync(dir);
  claudeUserHooks(world, dir, 3);
  try {
    await world.env.launch("c2");
    world.mock.addRule({
      match: "probe ask",
      replies: [shellTool(`touch ${world.env.project}/ran-ask`), { kind: "text", text: "after" }],
    });
    Deno.writeTextFileSync(`${dir}/stdout`, decision("ask"));
    const run = await world.env.shim("c2", ["converse", "probe ask", "15"]);
    const screen = await world.env.tmux("capture-pane", "-p", "-t", "c2");
    record("c2/ask", {
      converse: run.code,
      ran: exists(`${world.env.project}/ran-ask`),
      screen: screen.stdout.split("\n").filter((l) => l.trim()).slice(-14),
    });
    // "ask" opens a confirmation dialog even under bypass: the turn hangs, the call waits.
    assertEquals(run.code, 124);
    assert(!exists(`${world.env.project}/ran-ask`));
  } finally {
    await world.dispose();
  }
});

Deno.test("approval probe: claude AskUserQuestion answered by updatedInput", opts, async () => {
  const world = await realWorld();
  const dir = `${world.env.root}/probe`;
  Deno.mkdirSync(dir);
  claudeUserHooks(world, dir, 3);
  const question = {
    question: "Which colour should the button be?",
    header: "Colour",
    options: [{ label: "Red", description: "warm" }, { label: "Blue", description: "cool" }],
    multiSelect: false,
  };
  try {
    await world.env.launch("c3");
    world.mock.addRule({
      match: "probe question",
      replies: [
        { kind: "tool", name: "AskUserQuestion", input: { questions: [question] } },
        { kind: "text", text: "after question" },
      ],
    });
    Deno.writeTextFileSync(
      `${dir}/stdout`,
      JSON.stringify({
        hookSpecificOutput: {
          hookEventName: "PreToolUse",
          permissionDecision: "allow",
          updatedInput: { questions: [question], answers: { [question.question]: "Blue" } },
        },
      }),
    );
    const run = await world.env.shim("c3", ["converse", "probe question", "20"]);
    const screen = await world.env.tmux("capture-pane", "-p", "-t", "c3");
    const payloads = Deno.readTextFileSync(`${dir}/payloads.jsonl`).split("\n").filter(Boolean)
      .map((l) => JSON.parse(l));
    const told = nextRequestText(world, "probe question");
    const result = told.match(/tool_result[^\n]{0,600}/)?.[0] ?? "";
    record("c3/ask-user-question", {
      converse: run.code,
      stdout: run.stdout.slice(0, 200),
      hookToolName: payloads[0]?.tool_name,
      hookToolInput: payloads[0]?.tool_input,
      toolResult: result,
      answered: told.includes("Blue"),
      screen: run.code === 0 ? [] : screen.stdout.split("\n").filter((l) => l.trim()).slice(-16),
    });
  } finally {
    await world.dispose();
  }
});

/** A codex world whose user hooks.json adds the probe (csd merges it into the staged home). */
async function codexProbeWorld(timeout: number) {
  const world = withCodex(await realWorld());
  const dir = `${world.env.root}/probe`;
  Deno.mkdirSync(dir);
  Deno.writeTextFileSync(
    `${world.env.home}/.codex/hooks.json`,
    JSON.stringify({
      hooks: {
        PreToolUse: [{ hooks: [{ type: "command", command: `${PROBE} ${dir}`, timeout }] }],
      },
    }),
  );
  return { world, dir };
}

Deno.test("approval probe: codex PreToolUse outputs under csd's bypass flags", opts, async () => {
  const { world, dir } = await codexProbeWorld(3);
  try {
    const launch = await world.env.csd(["launch", "--harness", "codex", "x1", world.env.project]);
    assertEquals(launch.code, 0, launch.stderr);
    const cases: Case[] = [
      ...COMMON,
      { id: "ask-json", stdout: decision("ask"), runs: true },
      // Codex's documented alternative to hookSpecificOutput.
      {
        id: "decision-block",
        stdout: JSON.stringify({ decision: "block", reason: "BLOCK-REASON-9" }),
        runs: false,
        told: "BLOCK-REASON-9",
      },
    ];
    await runCases(world, "x1", dir, cases, shellTool);
    const payload = Deno.readTextFileSync(`${dir}/payloads.jsonl`).split("\n")[0]!;
    record("x1/payload", JSON.parse(payload));
  } finally {
    await world.dispose();
  }
});

Deno.test("approval probe: pi tool_call returns {block, reason} after awaiting", opts, async () => {
  const world = withPi(await realWorld());
  const dir = `${world.env.root}/probe`;
  Deno.mkdirSync(dir);
  const extensions = `${world.env.home}/.pi/agent/extensions`;
  Deno.mkdirSync(extensions, { recursive: true });
  Deno.writeTextFileSync(
    `${extensions}/probe.ts`,
    `import { appendFileSync, existsSync, readFileSync } from "node:fs";
export default function (pi: any) {
  pi.on("tool_call", async (event: any) => {
    appendFileSync(${JSON.stringify(`${dir}/payloads.jsonl`)}, JSON.stringify(event) + "\\n");
    const f = ${JSON.stringify(`${dir}/pi.json`)};
    if (!existsSync(f)) return undefined;
    const c = JSON.parse(readFileSync(f, "utf8"));
    await new Promise((r) => setTimeout(r, c.delayMs ?? 0));
    return c.answer;
  });
}
`,
  );
  try {
    const launch = await world.env.csd(["launch", "--harness", "pi", "p1", world.env.project]);
    assertEquals(launch.code, 0, launch.stderr);
    const piCases: [string, unknown, boolean, string | undefined][] = [
      ["pi-block", { block: true, reason: "PI-BLOCK-REASON-3" }, false, "PI-BLOCK-REASON-3"],
      ["pi-none", undefined, true, undefined],
      ["pi-false", { block: false }, true, undefined],
    ];
    for (const [id, answer, runs, told] of piCases) {
      Deno.writeTextFileSync(`${dir}/pi.json`, JSON.stringify({ delayMs: 1500, answer }));
      const target = `${world.env.project}/ran-${id}`;
      const prompt = `probe ${id}`;
      world.mock.addRule({
        match: prompt,
        replies: [shellTool(`touch ${target}`), { kind: "text", text: `after ${id}` }],
      });
      const started = Date.now();
      const run = await world.env.shim("p1", ["converse", prompt, "60"]);
      const text = nextRequestText(world, prompt);
      record(`p1/${id}`, {
        converse: run.code,
        ran: exists(target),
        ms: Date.now() - started,
        toldReason: told ? text.includes(told) : null,
      });
      assertEquals(run.code, 0, run.stderr);
      assertEquals(exists(target), runs, id);
      if (told) assert(text.includes(told), `${id}: ${text}`);
    }
    const first = JSON.parse(Deno.readTextFileSync(`${dir}/payloads.jsonl`).split("\n")[0]!);
    record("p1/event", first);
  } finally {
    await world.dispose();
  }
});

// A gated call waits up to the policy's timeout (default 30 s, at most 3600): the hook's own
// `timeout` of 3660 s must be accepted, and a hook that answers after 35 s must still be heard.
const LONG: Case[] = [
  {
    id: "late-deny",
    stdout: deny("LATE-BUT-HEARD"),
    sleep: 35,
    runs: false,
    told: "LATE-BUT-HEARD",
  },
];

Deno.test("approval probe: claude honours a 35 s hook under timeout 3660", opts, async () => {
  const world = await realWorld();
  const dir = `${world.env.root}/probe`;
  Deno.mkdirSync(dir);
  claudeUserHooks(world, dir, 3660);
  try {
    await world.env.launch("c4");
    await runCases(world, "c4", dir, LONG, shellTool);
  } finally {
    await world.dispose();
  }
});

Deno.test("approval probe: codex honours a 35 s hook under timeout 3660", opts, async () => {
  const { world, dir } = await codexProbeWorld(3660);
  try {
    const launch = await world.env.csd(["launch", "--harness", "codex", "x2", world.env.project]);
    assertEquals(launch.code, 0, launch.stderr);
    await runCases(world, "x2", dir, LONG, shellTool);
  } finally {
    await world.dispose();
  }
});
