/**
 * The one way an event line is written: a single O_APPEND write of the whole line. Shared by the
 * hook program (Deno) and the Pi extension (Node), hence node:fs, which both runtimes provide.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { EventLine } from "./schema.ts";

/**
 * Appends one event line with a single write, so concurrent writers (parallel hooks, csd
 * reconciling) never interleave bytes within a line. Synchronous: Pi calls process.exit right
 * after its last event, and an async write would be lost.
 */
export function appendEventLine(path: string, event: EventLine): void {
  const bytes = new TextEncoder().encode(JSON.stringify(event) + "\n");
  const fd = openSync(path, "a", 0o600);
  try {
    let written = writeSync(fd, bytes);
    while (written < bytes.length) written += writeSync(fd, bytes, written);
  } finally {
    closeSync(fd);
  }
}
