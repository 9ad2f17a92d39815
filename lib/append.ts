/**
 * The one way an event line is written: a single O_APPEND write of the whole line. Shared by the
 * hook program (Deno) and the Pi extension (Node). Deno's own file API is used under Deno: importing
 * node:fs there starts Deno's Node compatibility layer, which cost the hook ~16 ms per event.
 */
import type { EventLine } from "./schema.ts";

/** The synchronous file calls an append needs, from whichever runtime runs this. */
interface SyncFs {
  openSync(path: string, flags: string, mode: number): number;
  writeSync(fd: number, data: Uint8Array, offset: number): number;
  closeSync(fd: number): void;
}

/**
 * Appends one event line with a single write, so concurrent writers (parallel hooks, csd
 * reconciling) never interleave bytes within a line. Synchronous: Pi calls process.exit right
 * after its last event, and an async write would be lost.
 */
export function appendEventLine(path: string, event: EventLine): void {
  const bytes = new TextEncoder().encode(JSON.stringify(event) + "\n");
  if (typeof Deno !== "undefined" && typeof Deno.openSync === "function") {
    const file = Deno.openSync(path, { append: true, create: true, mode: 0o600 });
    try {
      let written = file.writeSync(bytes);
      while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
    } finally {
      file.close();
    }
    return;
  }
  const fs = (globalThis as unknown as {
    process: { getBuiltinModule(name: string): SyncFs };
  }).process.getBuiltinModule("node:fs");
  const fd = fs.openSync(path, "a", 0o600);
  try {
    let written = fs.writeSync(fd, bytes, 0);
    while (written < bytes.length) written += fs.writeSync(fd, bytes.subarray(written), 0);
  } finally {
    fs.closeSync(fd);
  }
}
