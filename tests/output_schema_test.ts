/**
 * The `--json` output schemas: the shipped JSON Schemas are generated from the zod ones, and the
 * outputs commands print today validate against them (fake agent; usage on the real harnesses
 * is validated in tests/real_usage_test.ts).
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { TestEnv } from "../kit/env.ts";
import { schemaFiles } from "../tools/gen_output_schemas.ts";
import { assertValid, checkJsonOutputs } from "./support/json_outputs.ts";
import {
  ConverseOutput,
  DoctorOutput,
  ListEntry,
  OUTPUT_SCHEMAS,
  UsageOutput,
  WaitOutput,
} from "../lib/cli/output_schema.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const valid = assertValid;

Deno.test("schema/*.json are the current JSON Schemas of lib/cli/output_schema.ts", () => {
  const files = schemaFiles();
  assertEquals(
    [...files.keys()].sort(),
    Object.keys(OUTPUT_SCHEMAS).map((n) => `${n}.json`).sort(),
  );
  const shipped = new URL("../schema/", import.meta.url);
  for (const [file, text] of files) {
    assertEquals(
      Deno.readTextFileSync(new URL(file, shipped)),
      text,
      `schema/${file} is stale: run deno run -A tools/gen_output_schemas.ts`,
    );
  }
  // Every object is closed: a field a command adds without a schema change is an error.
  const usage = JSON.parse(files.get("usage.json")!);
  assertEquals(usage.additionalProperties, false);
  assertEquals(usage.$id, "csd/usage.json");
});

Deno.test("output schemas refuse unknown fields and wrong types", () => {
  const total = { input: 1, output: 2, cache_read: 3, cache_write: 4, cost_usd: null };
  const report = { worker: "w", harness: "pi", transcript_path: "/t", turns: [], total };
  valid(UsageOutput, report);
  assertEquals(UsageOutput.safeParse({ ...report, extra: 1 }).success, false);
  assertEquals(UsageOutput.safeParse({ ...report, harness: "vim" }).success, false);
  assertEquals(
    UsageOutput.safeParse({ ...report, total: { ...total, input: "1" } }).success,
    false,
  );
});

Deno.test(
  "doctor --json, list --json and an event line with its worker match their schemas",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      const doctor = await env.csd(["doctor", "--json"]);
      valid(DoctorOutput, JSON.parse(doctor.stdout));
      await env.launch("s1");
      const converse = await env.shim("s1", ["converse", "hello", "30"]);
      assertEquals(converse.code, 0, converse.stderr);
      const list = await env.csd(["list", "--json"]);
      assertEquals(list.code, 0, list.stderr);
      const lines = list.stdout.trim().split("\n").map((l) => JSON.parse(l));
      assertEquals(lines.length, 1);
      for (const line of lines) valid(ListEntry, line);
      const stop = env.events("s1").findLast((e) => e.event === "stop");
      assert(stop, "the turn ended with a stop event");
      valid(WaitOutput, { ...stop, worker: "s1" });
      assertEquals(WaitOutput.safeParse(stop).success, false, "the worker field is required");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("every command's --json output matches its schema (fake agent)", opts, async () => {
  const env = await TestEnv.create();
  try {
    env.script({
      rules: [
        { match: "list files", tool: { command: "ls" }, text: "Listed." },
        { match: "say hi", text: "hi" },
        { match: "break", fail: "API Error: 400 bad request" },
      ],
    });
    const converse = await checkJsonOutputs(env, "j1", [], {
      toolPrompt: "list files",
      plainPrompt: "say hi",
      timeout: "30",
    });
    assertEquals(converse.reply, "Listed.");
    assertEquals(converse.tool_calls[0]!.ok, true);
    // A failed turn: still one document (outcome failed), the error on stderr, exit 3.
    const failed = await env.shim("j1", ["converse", "--json", "break it", "30"]);
    assertEquals(failed.code, 3, failed.stderr);
    assertStringIncludes(failed.stderr, "error:");
    const document = JSON.parse(failed.stdout);
    valid(ConverseOutput, document);
    assertEquals([document.outcome, document.exit_code], ["failed", 3]);
  } finally {
    await env.dispose();
  }
});
