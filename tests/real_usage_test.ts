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
import { type RequestLogEntry, sumUsage } from "../kit/mock_model.ts";
import { type RealWorld, realWorld } from "../kit/real_claude.ts";
import { withCodex } from "../kit/real_codex.ts";
import { withPi } from "../kit/real_pi.ts";
import type { UsageReport } from "../lib/turn/usage.ts";
import { UsageOutput } from "../lib/cli/output_schema.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Pi's own cost rates (USD per million tokens), as a user puts them in models.json. */
const PI_RATES = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };

const PROMPTS = ["plain hello", "use the tool", "think please"];

/** Claude only: a turn that delegates to a subagent, and the subagent's own prompt. */
const DELEGATE = "please delegate";
const SUBAGENT_PROMPT = "SUBJOB: answer done";

const promptsFor = (harness: string) => harness === "claude" ? [...PROMPTS, DELEGATE] : PROMPTS;

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
    {
      match: DELEGATE,
      replies: [{
        kind: "tool",
        name: "Agent",
        input: {
          description: "Sub job",
          prompt: SUBAGENT_PROMPT,
          subagent_type: "general-purpose",
        },
      }, { kind: "text", text: "Delegated." }],
    },
    { match: SUBAGENT_PROMPT, replies: [{ kind: "text", text: "Sub done." }] },
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

/** A turn's model calls: the answered, non-side requests for its prompt (and its subagent's). */
const callsOf = (prompt: string) => (r: RequestLogEntry) =>
  r.side === null && r.usage !== null &&
  (r.prompt === prompt || (prompt === DELEGATE && r.prompt === SUBAGENT_PROMPT));

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
        const reported = w.mock.reportedUsage((r) => r.side === null && r.usage !== null);
        const figures = (u: UsageReport["total"]) => ({
          input: u.input,
          output: u.output,
          cacheRead: u.cache_read,
          cacheWrite: u.cache_write,
        });
        // Claude may still be writing the turn's last lines (its own or a subagent's file) for
        // a moment after its Stop hook fired: the figures must catch up, within bounds.
        let report = await usageJson(w, "u1");
        await eventually(
          async () => {
            report = await usageJson(w, "u1");
            return JSON.stringify(figures(report.total)) === JSON.stringify(reported);
          },
          15_000,
          "the transcript's usage to reach the mock's",
        ).catch(() => {});
        assertEquals(report.worker, "u1");
        // list --json carries the same totals.
        const listed = JSON.parse((await w.env.csd(["list", "--json"])).stdout.trim());
        assertEquals(listed.usage, report.total);
        assertEquals(report.harness, harness);
        assertEquals(figures(report.total), reported);
        assertEquals(report.turns.length, prompts.length, JSON.stringify(report.turns));
        prompts.forEach((prompt, i) => {
          const calls = w.mock.requests.filter(callsOf(prompt)).map((r) => r.usage!);
          const turn = report.turns[i]!;
          assertEquals(
            figures(turn),
            sumUsage(calls),
            `turn ${i + 1} (${prompt})`,
          );
        });
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
