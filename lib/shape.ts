/**
 * A zod-free checker for csd's data shapes, on the hot paths (the hook, status, list, the event
 * readers): loading zod costs ~13–15 ms of every start, more than the whole budget of a status
 * call or a hook run. The shapes it checks are not written by hand: tools/gen_shapes.ts derives
 * them from the zod schemas in lib/schema.ts into lib/shapes.gen.ts, and tests/shapes_test.ts
 * holds the two to the same verdict, output and issues on fuzzed input. So lib/schema.ts stays
 * the one definition of every shape.
 *
 * It mirrors zod/mini's semantics for the subset the schemas use: objects keep only their
 * shape's keys, in the shape's order (strict ones report unknown keys); issues carry zod's code,
 * path, expected type or allowed values; every issue is collected, not just the first.
 */

/** One node of a shape, as tools/gen_shapes.ts derives it from a zod schema. */
export type Shape =
  | { kind: "object"; shape: Record<string, Shape>; strict: boolean }
  | { kind: "string"; minLength?: number }
  | { kind: "number"; int: boolean; min?: Bound; max?: Bound }
  | { kind: "boolean" }
  | { kind: "unknown" }
  | { kind: "values"; values: readonly (string | number)[] }
  | { kind: "array"; element: Shape }
  | { kind: "record"; value: Shape }
  | { kind: "optional"; inner: Shape }
  | { kind: "nullable"; inner: Shape };

/** A number check's bound (zod's greater_than / less_than). */
export interface Bound {
  value: number;
  inclusive: boolean;
}

/** One problem with a value, in zod's terms (code, path, and what was expected). */
export interface ShapeIssue {
  code: "invalid_type" | "invalid_value" | "unrecognized_keys" | "too_small" | "too_big";
  path: (string | number)[];
  expected?: string;
  values?: readonly (string | number)[];
  keys?: string[];
  minimum?: number;
  maximum?: number;
  message: string;
}

/** A check's outcome, shaped like zod's safeParse result so callers read it the same way. */
export type Checked<T> =
  | { success: true; data: T }
  | { success: false; error: { issues: ShapeIssue[] } };

const MESSAGE = "Invalid input";

/**
 * Where a value sits, as a chain to its parent: the issue path is built only when an issue is
 * reported. Copying the path array for every field was a third of `read-events`' time on a
 * 100,000-line file.
 */
type Where = { parent: Where; key: string | number } | undefined;

function pathOf(where: Where): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at = where; at; at = at.parent) path.unshift(at.key);
  return path;
}

/** Checks `input` against `shape`; the data is a copy holding only what the shape knows. */
export function checkShape<T>(shape: Shape, input: unknown): Checked<T> {
  const issues: ShapeIssue[] = [];
  const data = check(shape, input, undefined, issues);
  return issues.length === 0 ? { success: true, data: data as T } : {
    success: false,
    error: { issues },
  };
}

function check(
  shape: Shape,
  input: unknown,
  path: Where,
  issues: ShapeIssue[],
): unknown {
  switch (shape.kind) {
    case "optional":
      return input === undefined ? undefined : check(shape.inner, input, path, issues);
    case "nullable":
      return input === null ? null : check(shape.inner, input, path, issues);
    case "unknown":
      return input;
    case "string":
      return checkString(shape.minLength, input, path, issues);
    case "boolean":
      if (typeof input !== "boolean") issues.push(typeIssue("boolean", path));
      return input;
    case "number":
      return checkNumber(shape, input, path, issues);
    case "values":
      if (!shape.values.includes(input as string | number)) {
        issues.push({
          code: "invalid_value",
          values: shape.values,
          path: pathOf(path),
          message: MESSAGE,
        });
      }
      return input;
    case "array":
      return checkArray(shape.element, input, path, issues);
    case "record":
      return checkRecord(shape.value, input, path, issues);
    case "object":
      return checkObject(shape, input, path, issues);
  }
}

function typeIssue(expected: string, path: Where): ShapeIssue {
  return { code: "invalid_type", expected, path: pathOf(path), message: MESSAGE };
}

function checkString(
  minLength: number | undefined,
  input: unknown,
  path: Where,
  issues: ShapeIssue[],
): unknown {
  if (typeof input !== "string") issues.push(typeIssue("string", path));
  // zod runs a length check on anything with a length, even after the type failed (an array).
  const length = (input as { length?: unknown } | null | undefined)?.length;
  if (minLength !== undefined && typeof length === "number" && length < minLength) {
    issues.push({ code: "too_small", minimum: minLength, path: pathOf(path), message: MESSAGE });
  }
  return input;
}

function checkNumber(
  shape: Extract<Shape, { kind: "number" }>,
  input: unknown,
  path: Where,
  issues: ShapeIssue[],
): unknown {
  if (typeof input !== "number" || !Number.isFinite(input)) {
    issues.push(typeIssue("number", path));
    return input;
  }
  if (shape.int) {
    // zod stops at a failed integer format: the bounds are not checked then.
    if (!Number.isInteger(input)) return void issues.push(typeIssue("int", path)), input;
    if (!Number.isSafeInteger(input)) {
      const tooSmall = input < 0;
      issues.push({
        code: tooSmall ? "too_small" : "too_big",
        ...(tooSmall ? { minimum: Number.MIN_SAFE_INTEGER } : { maximum: Number.MAX_SAFE_INTEGER }),
        path: pathOf(path),
        message: MESSAGE,
      });
    }
  }
  const { min, max } = shape;
  if (min && (min.inclusive ? input < min.value : input <= min.value)) {
    issues.push({ code: "too_small", minimum: min.value, path: pathOf(path), message: MESSAGE });
  }
  if (max && (max.inclusive ? input > max.value : input >= max.value)) {
    issues.push({ code: "too_big", maximum: max.value, path: pathOf(path), message: MESSAGE });
  }
  return input;
}

function checkArray(
  element: Shape,
  input: unknown,
  path: Where,
  issues: ShapeIssue[],
): unknown {
  if (!Array.isArray(input)) return void issues.push(typeIssue("array", path)), input;
  return input.map((item, index) => check(element, item, { parent: path, key: index }, issues));
}

function isPlainObject(input: unknown): input is Record<string, unknown> {
  return typeof input === "object" && input !== null && !Array.isArray(input);
}

function checkRecord(
  value: Shape,
  input: unknown,
  path: Where,
  issues: ShapeIssue[],
): unknown {
  if (!isPlainObject(input)) return void issues.push(typeIssue("record", path)), input;
  const data: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    data[key] = check(value, input[key], { parent: path, key }, issues);
  }
  return data;
}

function checkObject(
  shape: Extract<Shape, { kind: "object" }>,
  input: unknown,
  path: Where,
  issues: ShapeIssue[],
): unknown {
  if (!isPlainObject(input)) return void issues.push(typeIssue("object", path)), input;
  const data: Record<string, unknown> = {};
  for (const key in shape.shape) {
    const field = shape.shape[key]!;
    const present = Object.hasOwn(input, key);
    // zod leaves an absent optional (or unknown) key absent rather than undefined; most of an
    // event line's 30 keys are absent, so they cost no call.
    if (!present && (field.kind === "optional" || field.kind === "unknown")) continue;
    const value = check(field, present ? input[key] : undefined, { parent: path, key }, issues);
    if (present) data[key] = value;
  }
  if (shape.strict) {
    const unknownKeys = Object.keys(input).filter((key) => !(key in shape.shape));
    if (unknownKeys.length > 0) {
      issues.push({
        code: "unrecognized_keys",
        keys: unknownKeys,
        path: pathOf(path),
        message: MESSAGE,
      });
    }
  }
  return data;
}

/**
 * The data of a check that must pass: for what csd itself is about to write (a meta, a marker),
 * where a failure is csd's own bug, never the user's input.
 */
export function expectShape<T>(checked: Checked<T>, what: string): T {
  if (checked.success) return checked.data;
  const issue = checked.error.issues[0]!;
  throw new Error(
    `Refusing to write an invalid ${what}: ${issue.code} at "${issue.path.join(".")}"`,
  );
}
