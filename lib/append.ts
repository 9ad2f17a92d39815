/** The one way an event line is written: a single O_APPEND write of the whole line. */
import type { EventLine } from "./schema.ts";

/**
 * Appends one event line with a single write, so concurrent writers (parallel hooks, csd
 * reconciling) never interleave bytes within a line.
 */
export function appendEventLine(path: string, event: EventLine): void {
  const bytes = new TextEncoder().encode(JSON.stringify(event) + "\n");
  const file = Deno.openSync(path, { append: true, create: true, mode: 0o600 });
  try {
    let written = file.writeSync(bytes);
    while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
  } finally {
    file.close();
  }
}
