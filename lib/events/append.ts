/**
 * The one way an event line is written: a single O_APPEND write of the whole line. Shared by the
 * hook program (Deno) and the Pi extension (Node). Deno's own file API is used under Deno: importing
 * node:fs there starts Deno's Node compatibility layer, which cost the hook ~16 ms per event.
 */
import type { EventLine } from "../schema.ts";

/** The synchronous file calls an append needs, from whichever runtime runs this. */
interface SyncFs {
  openSync(path: string, flags: string, mode: number): number;
  fstatSync(fd: number): { size: number };
  readSync(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): number;
  writeSync(fd: number, data: Uint8Array, offset: number): number;
  closeSync(fd: number): void;
}

const NEWLINE = 0x0a;

/**
 * Appends one event line with a single write, so concurrent writers (parallel hooks, csd
 * reconciling) never interleave bytes within a line. Synchronous: Pi calls process.exit right
 * after its last event, and an async write would be lost.
 *
 * When the file does not end with a newline (a torn write on a full disk, a stray partial line),
 * the line starts with one: glued to the fragment it would be unparsable, and a lost `stop` left
 * converse waiting its whole timeout and status saying `working`. Checking costs one fstat and a
 * one-byte read; a racing writer can at worst add an empty line, which readers skip.
 */
export function appendEventLine(path: string, event: EventLine): void {
  const line = new TextEncoder().encode(JSON.stringify(event) + "\n");
  if (typeof Deno !== "undefined" && typeof Deno.openSync === "function") {
    const file = Deno.openSync(path, { read: true, append: true, create: true, mode: 0o600 });
    try {
      const size = file.statSync().size;
      const last = new Uint8Array(1);
      if (size > 0) {
        file.seekSync(size - 1, Deno.SeekMode.Start);
        if (file.readSync(last) !== 1) last[0] = NEWLINE;
      }
      const bytes = withLeadingNewline(line, size > 0 && last[0] !== NEWLINE);
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
  const fd = fs.openSync(path, "a+", 0o600);
  try {
    const size = fs.fstatSync(fd).size;
    const last = new Uint8Array([NEWLINE]);
    if (size > 0) fs.readSync(fd, last, 0, 1, size - 1);
    const bytes = withLeadingNewline(line, last[0] !== NEWLINE);
    let written = fs.writeSync(fd, bytes, 0);
    while (written < bytes.length) written += fs.writeSync(fd, bytes.subarray(written), 0);
  } finally {
    fs.closeSync(fd);
  }
}

function withLeadingNewline(line: Uint8Array, needed: boolean): Uint8Array {
  if (!needed) return line;
  const bytes = new Uint8Array(line.length + 1);
  bytes[0] = NEWLINE;
  bytes.set(line, 1);
  return bytes;
}
