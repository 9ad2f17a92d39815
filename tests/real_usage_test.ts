/**
 * `<shim> usage` on the REAL harnesses (the set CSD_TEST_HARNESS_SET picks), offline: the figures
 * read from each harness's transcript must equal, per turn and in total, what the mock model
 * reported in its answers. Claude writes one transcript line per content block (a thinking +
 * text + tool reply is three lines of one message), so a reader counting lines fails here; and
 * it records a subagent's calls in a file of their own, which a reader of the session file alone
 * misses.
 */
import { assertEquals } from "./support/assert.ts";
import { eventually } from "../kit/env.ts";
import { type MockUsage, type RequestLogEntry, sumUsage } from "../kit/mock_model.ts";
import { type RealWorld, realWorld } from "../kit/real_claude.ts";
import { withCodex } from "../kit/real_codex.ts";
import { withPi } from "../kit/real_pi.ts";
import type { UsageReport } from "../lib/turn/usage.ts";
import { UsageOutput } from "../lib/cli/output_schema.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Pi's own cost rates (USD per million tokens), as a user puts them in models.json. */
const PI_RATES = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };

const PROMPTS = ["plain hello", "use the tool", "think please"];

/**
 * Claude only: turns that delegate to a subagent (the subagent's own prompt and answer). The
 * background one makes Claude answer the agent's task notification after the turn's Stop hook
 * fired on every release (2.1.197 does it for a foreground agent only when it runs long).
 */
const DELEGATIONS = [
  { prompt: "please delegate", sub: "SUBJOB: answer done", result: "Sub done.", background: false },
  {
    prompt: "hand off to a background agent",
    sub: "BGJOB: answer done",
    result: "Background sub done.",
    background: true,
  },
];

const promptsFor = (harness: string) =>
  harness === "claude" ? [...PROMPTS, ...DELEGATIONS.map((d) => d.prompt)] : PROMPTS;

async function world(harness: string): Promise<RealWorld> {
  const w = await realWorld([
    {
      match: "use the tool",
      replies: [{
        kind: "tool",
        name: "Bash",
        input: { command: "echo tool-ran", description: "Run it" },
        text: "Running it.",
        thinking: "A tool is needed.",
      }, { kind: "text", text: "Tool done." }],
    },
    { match: "think please", replies: [{ kind: "text", text: "Thought.", thinking: "Hmm." }] },
    ...DELEGATIONS.flatMap((d) => [
      {
        match: d.prompt,
        replies: [{
          kind: "tool" as const,
          name: "Agent",
          input: {
            description: "Sub job",
            prompt: d.sub,
            subagent_type: "general-purpose",
            ...(d.background ? { run_in_background: true } : {}),
          },
        }, { kind: "text" as const, text: "Delegated." }],
      },
      { match: d.sub, replies: [{ kind: "text" as const, text: d.result }] },
    ]),
  ]);
  if (harness === "codex") return withCodex(w);
  if (harness !== "pi") return w;
  withPi(w);
  // Give the mock model prices so Pi records a cost of its own.
  const models = `${w.env.home}/.pi/agent/models.json`;
  const config = JSON.parse(Deno.readTextFileSync(models));
  for (const model of config.providers.mock.models) model.cost = PI_RATES;
  Deno.writeTextFileSync(models, JSON.stringify(config));
  return w;
}

async function usageJson(w: RealWorld, name: string): Promise<UsageReport & { worker: string }> {
  const run = await w.env.shim(name, ["usage", "--json"]);
  assertEquals(run.code, 0, run.stderr);
  const json = JSON.parse(run.stdout);
  const checked = UsageOutput.safeParse(json);
  assertEquals(checked.success, true, `usage --json does not match its schema: ${checked.error}`);
  return json;
}

/**
 * A turn's model calls: the answered, non-side requests for its prompt, and for a delegating
 * turn its subagent's and the answer to the agent's task notification. Claude sends that as a
 * message of its own once a background agent ends (2.1.332 always; 2.1.197 for a background
 * agent, or a foreground one that ran long, as under load): as a `<system-reminder>` the mock
 * does not take for a prompt (so the call keeps the delegating prompt), or as a bare
 * `<task-notification>` text carrying the agent's result.
 */
const callsOf = (prompt: string) => (r: RequestLogEntry): MockUsage[] => {
  if (r.side !== null || r.usage === null || r.prompt === null) return [];
  const d = DELEGATIONS.find((d) => d.prompt === prompt);
  const notice = r.prompt.startsWith("<task-notification>") &&
    r.prompt.includes(`<result>${d?.result}</result>`);
  return r.prompt === prompt || r.prompt === d?.sub || notice ? [r.usage] : [];
};

for (const harness of ["claude", "codex", "pi"]) {
  Deno.test(
    `real ${harness}: usage per turn and in total equals what the mock model reported`,
    opts,
    async () => {
      const w = await world(harness);
      try {
        const launch = await w.env.csd(["launch", "--harness", harness, "u1", w.env.project]);
        assertEquals(launch.code, 0, launch.stderr);
        const prompts = promptsFor(harness);
        for (const prompt of prompts) {
          const run = await w.env.shim("u1", ["converse", prompt, "90"]);
          assertEquals(run.code, 0, run.stderr);
        }
        const figures = (u: UsageReport["total"]) => ({
          input: u.input,
          output: u.output,
          cacheRead: u.cache_read,
          cacheWrite: u.cache_write,
        });
        const read = (r: UsageReport) => ({
          total: figures(r.total),
          turns: r.turns.map((t) => figures(t)),
        });
        const mocked = () => ({
          total: w.mock.reportedUsage((r) => r.side === null && r.usage !== null),
          turns: prompts.map((p) => sumUsage(w.mock.requests.flatMap(callsOf(p)))),
        });
        // Claude goes on after its Stop hook fired: it writes the turn's last lines (its own or
        // a subagent's file) late, and it may make a model call of the turn after Stop (2.1.332
        // answers its subagent's task notification; 2.1.197 did so under load). A mock figure
        // taken once when converse returns is then stale: the transcript caught up with it, the
        // per-turn check then saw the late call in the mock and not in the turn (CI, under
        // load). So both sides are read afresh, the mock first (it logs a call before Claude
        // can write it), until they agree, per turn and in total, within bounds.
        let want = mocked();
        let report = await usageJson(w, "u1");
        let listed: unknown = null;
        await eventually(
          async () => {
            want = mocked();
            report = await usageJson(w, "u1");
            listed = JSON.parse((await w.env.csd(["list", "--json"])).stdout.trim()).usage;
            return JSON.stringify(read(report)) === JSON.stringify(want) &&
              JSON.stringify(listed) === JSON.stringify(report.total);
          },
          15_000,
          "the transcript's usage to reach the mock's",
        ).catch(() => {});
        assertEquals(report.worker, "u1");
        // list --json carries the same totals.
        assertEquals(listed, report.total);
        assertEquals(report.harness, harness);
        assertEquals(read(report).total, want.total);
        assertEquals(report.turns.length, prompts.length, JSON.stringify(report.turns));
        prompts.forEach((prompt, i) => {
          assertEquals(read(report).turns[i], want.turns[i], `turn ${i + 1} (${prompt})`);
        });
        const reported = want.total;
        if (harness === "pi") {
          const expected = (reported.input * PI_RATES.input + reported.output * PI_RATES.output +
            reported.cacheRead * PI_RATES.cacheRead + reported.cacheWrite * PI_RATES.cacheWrite) /
            1e6;
          assertEquals(Math.abs((report.total.cost_usd ?? -1) - expected) < 1e-9, true);
        } else {
          assertEquals(report.total.cost_usd, null, "no cost recorded, none invented");
        }
      } finally {
        await w.dispose();
      }
    },
  );
}
