/**
 * lib/shapes.gen.ts (the zod-free checks the hot paths use) against lib/schema.ts (the zod
 * schemas): the committed file is what tools/gen_shapes.ts prints, and on fuzzed input both give
 * the same verdict, the same data (keys and their order) and the same issues.
 */
import * as z from "zod/mini";
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import * as schema from "../lib/schema.ts";
import * as shapes from "../lib/shapes.gen.ts";
import type { Shape } from "../lib/shape.ts";
import { GENERATED, renderShapes, shapeOf } from "../tools/gen_shapes.ts";
import { seededRandom } from "./support/random.ts";

const ROOT = new URL("..", import.meta.url).pathname;

Deno.test("lib/shapes.gen.ts is what tools/gen_shapes.ts derives from lib/schema.ts (make shapes)", async () => {
  const fmt = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--config", `${ROOT}/deno.json`, "--ext", "ts", "-"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = fmt.stdin.getWriter();
  await writer.write(new TextEncoder().encode(renderShapes()));
  await writer.close();
  const fresh = new TextDecoder().decode((await fmt.output()).stdout);
  assertEquals(Deno.readTextFileSync(`${ROOT}/lib/shapes.gen.ts`), fresh);
});

Deno.test("the generator refuses a zod construct the zod-free checker does not mirror", () => {
  const refusal = (schema: unknown, where: string): string => {
    try {
      shapeOf(schema as Parameters<typeof shapeOf>[0], where);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error(`${where} was accepted`);
  };
  assertStringIncludes(refusal(z.string().check(z.regex(/x/)), "X.f"), "X.f: string check");
  assertStringIncludes(refusal(z.union([z.string(), z.number()]), "X.u"), "type union");
  assertStringIncludes(refusal(z._default(z.string(), "a"), "X.d"), "type default");
});

const JUNK: unknown[] = [
  null,
  0,
  -1,
  1.5,
  2 ** 60,
  -(2 ** 60),
  "",
  "x",
  true,
  [],
  ["a", 1],
  {},
  { a: "b" },
  { a: 1 },
  Infinity,
  NaN,
];

/** A value for `shape`: mostly valid, sometimes junk, so both verdicts get exercised. */
function sample(shape: Shape, next: () => number, depth = 0): unknown {
  if (next() < 0.06) return JUNK[Math.floor(next() * JUNK.length)];
  switch (shape.kind) {
    case "optional":
      return next() < 0.4 ? undefined : sample(shape.inner, next, depth);
    case "nullable":
      return next() < 0.3 ? null : sample(shape.inner, next, depth);
    case "unknown":
      return next() < 0.5 ? { nested: [1, "two"] } : "anything";
    case "string":
      return next() < 0.1 ? "" : `s${Math.floor(next() * 100)}`;
    case "boolean":
      return next() < 0.5;
    case "number": {
      const options = [0, 1, 7, 3600, 3600.5, -3, 12.25, 2 ** 53, -(2 ** 53)];
      return options[Math.floor(next() * options.length)];
    }
    case "values":
      return next() < 0.1 ? "other" : shape.values[Math.floor(next() * shape.values.length)];
    case "array":
      return Array.from({ length: Math.floor(next() * 3) }, () => sample(shape.element, next));
    case "record":
      return Object.fromEntries(
        Array.from(
          { length: Math.floor(next() * 3) },
          (_, i) => [`k${i}`, sample(shape.value, next)],
        ),
      );
    case "object": {
      const value: Record<string, unknown> = {};
      // Keys in a shuffled order: the data must come out in the shape's order, as zod's does.
      const keys = Object.keys(shape.shape).sort(() => next() - 0.5);
      for (const key of keys) {
        const item = sample(shape.shape[key]!, next, depth + 1);
        if (item !== undefined) value[key] = item;
      }
      if (next() < 0.15) value[`extra${Math.floor(next() * 3)}`] = "unknown key";
      return value;
    }
  }
}

/** What the test compares of an issue: all but zod's extra detail (received, origin, note). */
function comparable(issues: readonly Record<string, unknown>[]): unknown[] {
  return issues.map((issue) => {
    const keep: Record<string, unknown> = { code: issue.code, path: issue.path };
    for (const key of ["expected", "values", "keys", "minimum", "maximum"]) {
      if (issue[key] !== undefined) keep[key] = issue[key];
    }
    return keep;
  });
}

for (const name of GENERATED) {
  Deno.test(`${name}: the zod-free check agrees with zod on 3,000 fuzzed values`, () => {
    const zodSchema = schema[name] as unknown as z.ZodMiniType;
    const check = shapes[`check${name}`] as (input: unknown) => {
      success: boolean;
      data?: unknown;
      error?: { issues: Record<string, unknown>[] };
    };
    const shape = shapeOf(zodSchema as unknown as Parameters<typeof shapeOf>[0], name);
    const next = seededRandom(name.length * 7919);
    let passed = 0;
    for (let i = 0; i < 3000; i++) {
      // Through JSON, as every reader gets them: no undefined, no NaN.
      const input = JSON.parse(JSON.stringify(sample(shape, next) ?? null));
      const expected = zodSchema.safeParse(input);
      const actual = check(input);
      const label = `${name} case ${i}: ${JSON.stringify(input)}`;
      assertEquals(actual.success, expected.success, label);
      if (expected.success) {
        passed++;
        assertEquals(JSON.stringify(actual.data), JSON.stringify(expected.data), label);
      } else {
        assertEquals(
          comparable(actual.error!.issues),
          comparable(expected.error.issues as unknown as Record<string, unknown>[]),
          label,
        );
      }
    }
    // Both verdicts must be exercised, or the agreement says little.
    assert(passed > 100 && passed < 2900, `${name}: ${passed} of 3000 valid`);
  });
}
