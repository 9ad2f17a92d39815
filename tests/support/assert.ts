/**
 * Minimal assertions (JSR's @std/assert is unreachable here). Failures name what differed.
 */
import { deepStrictEqual } from "node:assert";

export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new Error(message);
}

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  try {
    deepStrictEqual(actual, expected);
  } catch {
    throw new Error(
      `${message ? message + ": " : ""}expected ${show(expected)}, got ${show(actual)}`,
    );
  }
}

export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  if (!pattern.test(actual)) {
    throw new Error(`${message ? message + ": " : ""}${show(actual)} does not match ${pattern}`);
  }
}

export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  if (!actual.includes(expected)) {
    throw new Error(
      `${message ? message + ": " : ""}expected ${show(actual)} to include ${show(expected)}`,
    );
  }
}

function show(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : Deno.inspect(value);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
