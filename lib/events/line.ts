/** Parsing one events-file line, zod-free (see lib/shape.ts): every event reader runs it. */
import type { EventLine } from "../schema.ts";
import { checkEventLine } from "../shapes.gen.ts";

/**
 * Parses one events-file line. Returns undefined for a torn or foreign line instead of
 * throwing: a reader may meet the half-written last line of a live file.
 */
export function parseEventLine(line: string): EventLine | undefined {
  if (line.trim() === "") return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = checkEventLine(raw);
  return parsed.success ? parsed.data : undefined;
}
