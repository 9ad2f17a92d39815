/**
 * Writes the JSON Schema of the approval policy file (schema/policy.schema.json) from its zod
 * schema, so editors can check a policy as it is written. tests/approval_policy_unit_test.ts
 * fails when the shipped file is stale: re-run `deno run -A tools/policy_schema.ts`.
 */
import * as z from "zod/mini";
import { ApprovalPolicy } from "../lib/schema.ts";

/**
 * The JSON Schema of the policy file. Here, not in lib/approval/policy.ts: zod's JSON Schema code
 * (and its locales) would otherwise be bundled into the hook program every tool call starts.
 */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ApprovalPolicy, { io: "input" }),
    title: "csd tool-approval policy",
  };
}

/** The shipped file's text for the current schema. */
export function policySchemaText(): string {
  return JSON.stringify(policyJsonSchema(), null, 2) + "\n";
}

if (import.meta.main) {
  const target = new URL("../schema/policy.schema.json", import.meta.url).pathname;
  Deno.mkdirSync(new URL("../schema/", import.meta.url).pathname, { recursive: true });
  Deno.writeTextFileSync(target, policySchemaText());
}
