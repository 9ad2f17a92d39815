/**
 * Runs every command's `--json` on one worker and validates each document against its schema in
 * lib/cli/output_schema.ts. Shared by the fake-agent test and the real-harness suite, so the same
 * check runs against all three harnesses.
 */
import { assert, assertEquals } from "./assert.ts";
import { eventually, type TestEnv } from "../../kit/env.ts";
import {
  ConverseOutput,
  LaunchOutput,
  ListEntry,
  ReadTurnOutput,
  StatusOutput,
  UsageOutput,
  WaitOutput,
} from "../../lib/cli/output_schema.ts";

/** Fails with zod's own account of what did not match. */
export function assertValid(
  schema: { safeParse(v: unknown): { success: boolean; error?: unknown } },
  value: unknown,
  what = "",
): void {
  const result = schema.safeParse(value);
  assert(result.success, `${what}: ${JSON.stringify(value)} does not match: ${result.error}`);
}

/** Parses a run's stdout as exactly one JSON document (one line). */
function one(run: { code: number; stdout: string; stderr: string }, what: string): unknown {
  assertEquals(run.code, 0, `${what}: ${run.stderr}`);
  const lines = run.stdout.split("\n").filter((l) => l.trim() !== "");
  assertEquals(lines.length, 1, `${what} prints one document: ${run.stdout}`);
  return JSON.parse(lines[0]!);
}

/** What the prompts must make the worker do: `toolPrompt` runs one tool, `plainPrompt` none. */
export interface JsonCheckPrompts {
  toolPrompt: string;
  plainPrompt: string;
  timeout?: string;
}

/**
 * Launches worker `name` with `launch --json`, then checks converse, read-turn, status, send +
 * wait-for-turn, csd wait, list and usage, each with --json. Returns the converse document.
 */
export async function checkJsonOutputs(
  env: TestEnv,
  name: string,
  launchArgs: string[],
  prompts: JsonCheckPrompts,
): Promise<ConverseOutput> {
  const timeout = prompts.timeout ?? "120";
  const launched = one(
    await env.csd(["launch", "--json", ...launchArgs, name, env.project]),
    "launch --json",
  );
  assertValid(LaunchOutput, launched, "launch --json");
  assertEquals((launched as LaunchOutput).shim, `${env.workerDir}/bin/${name}`);

  const converse = one(
    await env.shim(name, ["converse", "--json", prompts.toolPrompt, timeout]),
    "converse --json",
  ) as ConverseOutput;
  assertValid(ConverseOutput, converse, "converse --json");
  assertEquals(converse.outcome, "ended");
  assert(
    converse.tool_calls.length >= 1,
    `converse saw the tool call: ${JSON.stringify(converse)}`,
  );
  assert(converse.tool_calls.every((c) => c.ok !== null), "every call has its result");

  const turn = one(await env.shim(name, ["read-turn", "--json"]), "read-turn --json");
  assertValid(ReadTurnOutput, turn, "read-turn --json");
  assertEquals((turn as ReadTurnOutput).tool_calls.length, converse.tool_calls.length);

  const status = one(await env.shim(name, ["status", "--json"]), "status --json");
  assertValid(StatusOutput, status, "status --json");
  assertEquals((status as StatusOutput).status, "idle");

  assertEquals((await env.shim(name, ["send", prompts.plainPrompt])).code, 0);
  const waited = one(
    await env.shim(name, ["wait-for-turn", timeout, "--json"]),
    "wait-for-turn --json",
  );
  assertValid(WaitOutput, waited, "wait-for-turn --json");
  assertEquals((waited as { worker: string }).worker, name);

  assertEquals((await env.shim(name, ["send", prompts.plainPrompt])).code, 0);
  const all = one(
    await env.csd(["wait", "--json", "--all", "--timeout", timeout, name]),
    "wait --json",
  );
  assertValid(WaitOutput, all, "wait --json");

  // Claude writes a turn's usage to its transcript after the stop hook that ends the wait: list
  // and usage agree once the transcript has caught up (a fast list read it a turn short).
  let listed: { usage?: unknown } | undefined;
  let usage: unknown;
  await eventually(
    async () => {
      const list = await env.csd(["list", "--json"]);
      assertEquals(list.code, 0, list.stderr);
      const entries = list.stdout.trim().split("\n").map((l) => JSON.parse(l));
      for (const entry of entries) assertValid(ListEntry, entry, "list --json");
      usage = one(await env.shim(name, ["usage", "--json"]), "usage --json");
      assertValid(UsageOutput, usage, "usage --json");
      listed = entries.find((e) => e.name === name);
      return JSON.stringify(listed?.usage) === JSON.stringify((usage as UsageOutput).total);
    },
    10_000,
    "list --json and usage --json to agree on the totals",
  ).catch(() => {});
  assertEquals(listed?.usage, (usage as UsageOutput).total, "list --json carries the totals");
  return converse;
}
