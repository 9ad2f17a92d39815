/**
 * Reading append-only JSONL files that another process is writing. A reader only ever consumes
 * complete lines (ending in "\n"): the last line of a live file may be half-written.
 */
import type { EventLine } from "../schema.ts";
import { parseEventLine } from "./line.ts";
import { concatBytes } from "../bytes.ts";

/** One complete line and the byte range it occupies. */
export interface LineAt {
  text: string;
  /** Byte offset of the line's first byte. */
  start: number;
  /** Byte offset just past its newline. */
  end: number;
}

/** An event line with its position in the file. */
export interface EventAt extends LineAt {
  event: EventLine;
}

/** Size of a file in bytes, 0 when it does not exist. */
export function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

/** Reads complete lines starting at byte `offset`; a trailing partial line is left unread. */
export function readLinesFrom(path: string, offset: number): LineAt[] {
  return readChunk(path, offset)?.lines ?? [];
}

/** What one read of a file found: its identity and size, and the complete lines read. */
interface Chunk {
  ino: number | null;
  size: number;
  lines: LineAt[];
  /** The byte just before `offset` (undefined at offset 0 or past the end). */
  before: number | undefined;
}

/**
 * One open, fstat and read of `path` from byte `offset` (and the byte before it, so a caller
 * can tell whether `offset` still falls on a line start), at most `limit` bytes. Undefined when
 * the file is missing.
 */
function readChunk(path: string, offset: number, limit = Infinity): Chunk | undefined {
  let bytes: Uint8Array;
  let info: Deno.FileInfo;
  const from = Math.max(0, offset - 1);
  try {
    const file = Deno.openSync(path, { read: true });
    try {
      info = file.statSync();
      if (info.size <= from) {
        return { ino: info.ino, size: info.size, lines: [], before: undefined };
      }
      bytes = readAt(file, from, Math.min(info.size - from, limit));
    } finally {
      file.close();
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const before = offset > 0 ? bytes[0] : undefined;
  if (offset > 0) bytes = bytes.subarray(1);
  const lines: LineAt[] = [];
  const decoder = new TextDecoder();
  let lineStart = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, lineStart)) {
    lines.push({
      text: decoder.decode(bytes.subarray(lineStart, i)),
      start: offset + lineStart,
      end: offset + i + 1,
    });
    lineStart = i + 1;
  }
  return { ino: info.ino, size: info.size, lines, before };
}

/** Bytes a streaming read takes at a time: its buffer holds this plus the longest line. */
const CHUNK_BYTES = 64 * 1024;

function readAt(file: Deno.FsFile, position: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  file.seekSync(position, Deno.SeekMode.Start);
  let read = 0;
  while (read < length) {
    const n = file.readSync(bytes.subarray(read));
    if (n === null || n === 0) break;
    read += n;
  }
  return bytes.subarray(0, read);
}

/**
 * The lines of `path`, newest first, read backwards a chunk at a time: a 50 MB transcript or a
 * 100,000-line events file used to be read and split whole (hundreds of MB) to show its end.
 * Memory is one chunk plus the longest line. A last line without its newline (torn, or still
 * being written) is skipped unless `partial`. Lines are decoded whole, so a multi-byte
 * character cut by a chunk boundary is never split. With `within`, only the lines that start
 * inside the last `within` bytes are given, the one cut by that bound left out (the window
 * readTailEvents reads). Throws NotFound for a missing file.
 */
export function* linesBackward(
  path: string,
  options: { partial?: boolean; chunk?: number; within?: number } = {},
): Generator<LineAt> {
  const chunkBytes = options.chunk ?? CHUNK_BYTES;
  const decoder = new TextDecoder();
  const file = Deno.openSync(path, { read: true });
  try {
    let pos = file.statSync().size;
    const floor = options.within !== undefined && pos > options.within ? pos - options.within : -1;
    /** The bytes of the line being assembled (its start not found yet), in order. */
    let pending: Uint8Array[] = [];
    let pendingEnd = pos;
    let unterminated = true;
    const line = (start: number): LineAt | undefined => {
      const bytes = concatBytes(pending);
      const wanted = !unterminated || (options.partial === true && bytes.length > 0);
      const found = wanted ? { text: decoder.decode(bytes), start, end: pendingEnd } : undefined;
      unterminated = false;
      pending = [];
      pendingEnd = start;
      return found;
    };
    while (pos > 0) {
      const from = Math.max(0, pos - chunkBytes);
      const chunk = readAt(file, from, pos - from);
      let stop = chunk.length;
      for (
        let i = chunk.lastIndexOf(0x0a);
        i >= 0;
        i = i > 0 ? chunk.lastIndexOf(0x0a, i - 1) : -1
      ) {
        if (from + i + 1 <= floor) return;
        pending.unshift(chunk.subarray(i + 1, stop));
        const found = line(from + i + 1);
        if (found) yield found;
        stop = i;
      }
      // The line being assembled starts at or before the floor: the window's cut first line.
      if (from <= floor) return;
      if (stop > 0) pending.unshift(chunk.slice(0, stop));
      pos = from;
    }
    if (floor < 0 && (pending.length > 0 || pendingEnd > 0)) {
      const found = line(0);
      if (found) yield found;
    }
  } finally {
    file.close();
  }
}

/**
 * The complete lines of `path` from byte `offset` (a line start) on, oldest first, read a chunk
 * at a time (memory: one chunk plus the longest line); a trailing partial line is left unread.
 * Nothing for a missing file.
 */
export function* linesForward(path: string, offset = 0): Generator<LineAt> {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  const decoder = new TextDecoder();
  try {
    let pending: Uint8Array[] = [];
    let lineStart = offset;
    let pos = offset;
    while (true) {
      const chunk = readAt(file, pos, CHUNK_BYTES);
      if (chunk.length === 0) return;
      let from = 0;
      // indexOf, not a byte loop: the native search made a 37 MB read ~100 ms faster.
      for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, from)) {
        pending.push(chunk.subarray(from, i));
        const end = pos + i + 1;
        yield { text: decoder.decode(concatBytes(pending)), start: lineStart, end };
        pending = [];
        lineStart = end;
        from = i + 1;
      }
      if (from < chunk.length) pending.push(chunk.slice(from));
      pos += chunk.length;
    }
  } finally {
    file.close();
  }
}

/**
 * Reads the JSON objects of a JSONL file from its end backwards and returns `compute` of the
 * shortest tail (in file order) it gives a result for — tried each time a line `isStart` says
 * may begin the wanted part (a turn's prompt) is reached — or of the whole file. The one turn a
 * reader renders costs memory, not the transcript's length. A torn last line is skipped as
 * parseJsonObjects skips it. Undefined when the file cannot be read.
 */
export function fromTail<T extends object, R>(
  path: string,
  isStart: (object: T) => boolean,
  compute: (objects: T[]) => R | undefined,
): R | undefined {
  const newestFirst: T[] = [];
  try {
    for (const line of linesBackward(path, { partial: true })) {
      const object = parseJsonObject<T>(line.text);
      if (!object) continue;
      newestFirst.push(object);
      if (!isStart(object)) continue;
      const result = compute(newestFirst.toReversed());
      if (result !== undefined) return result;
    }
  } catch {
    return undefined;
  }
  return compute(newestFirst.reverse());
}

/** Parses the event lines of `lines`, skipping torn or foreign ones. */
export function parseEvents(lines: LineAt[]): EventAt[] {
  const events: EventAt[] = [];
  for (const line of lines) {
    const event = parseEventLine(line.text);
    if (event) events.push({ ...line, event });
  }
  return events;
}

/** Every event of a file from byte `offset` on. */
export function readEventsFrom(path: string, offset = 0): EventAt[] {
  return parseEvents(readLinesFrom(path, offset));
}

/** The byte offset just past the first `count` lines (or the end of the complete lines). */
export function offsetAfterLines(path: string, count: number): number {
  if (count <= 0) return 0;
  let end = 0;
  let seen = 0;
  for (const line of linesForward(path)) {
    end = line.end;
    if (++seen === count) break;
  }
  return end;
}

/**
 * Incremental reader: each call returns the complete lines appended since the last one. The
 * events file can be deleted (the next hook recreates it), truncated, or replaced while a turn
 * runs; a reader that kept its byte offset then saw nothing and waited its whole timeout. So
 * when the file went missing, changed inode, shrank below the offset, or no longer has a line
 * end just before the offset, everything in it is new: the cursor reads it from the start.
 */
export class LineCursor {
  readonly path: string;
  offset: number;
  #ino: number | null | undefined;
  #missing = false;
  /** Whether `offset` is known to follow a line end (a caller's baseline may not: a torn line). */
  #aligned: boolean;
  constructor(path: string, offset: number) {
    this.path = path;
    this.offset = offset;
    const chunk = readChunk(path, offset, 1);
    this.#aligned = offset === 0 || chunk?.before === 0x0a;
    if (chunk) this.#ino = chunk.ino;
    else this.#missing = true;
  }
  /** The complete lines appended since the previous call (all of a replaced file's lines). */
  next(): LineAt[] {
    let chunk = readChunk(this.path, this.offset);
    if (chunk === undefined) {
      this.#missing = true;
      return [];
    }
    const replaced = this.#missing || (this.#ino != null && chunk.ino !== this.#ino) ||
      chunk.size < this.offset || (this.#aligned && this.offset > 0 && chunk.before !== 0x0a);
    if (replaced && this.offset > 0) {
      this.offset = 0;
      chunk = readChunk(this.path, 0) ?? chunk;
    }
    this.#missing = false;
    this.#ino = chunk.ino;
    const last = chunk.lines.at(-1);
    if (last) {
      this.offset = last.end;
      this.#aligned = true;
    }
    return chunk.lines;
  }
}

/** How much of the events file's tail status reads: enough for thousands of events. */
export const TAIL_BYTES = 256 * 1024;

/** The last tail read of each events file, by identity (inode, size, mtime). */
const tails = new Map<string, { key: string; events: EventLine[] }>();

/**
 * The events in the last `maxBytes` of a file (the first, possibly cut, line skipped). One
 * status read the same unchanged tail three times (reconcile, screen check, status), validating
 * every line each time: a read is reused while the file's inode, size and mtime are the same.
 */
export function readTailEvents(path: string, maxBytes = TAIL_BYTES): EventLine[] {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch {
    return [];
  }
  const key = `${info.ino}:${info.size}:${info.mtime?.getTime()}:${maxBytes}`;
  const cached = tails.get(path);
  if (cached?.key === key) return [...cached.events];
  const start = Math.max(0, info.size - maxBytes);
  // Only what the stat covers: a line appended since belongs to the next key.
  const lines = readLinesFrom(path, start).filter((line) => line.end <= info.size);
  if (start > 0) lines.shift();
  const events = parseEvents(lines).map((e) => e.event);
  tails.set(path, { key, events });
  return [...events];
}

/** The complete lines in the last `maxBytes` of a file, as text (the first, cut line dropped). */
export function readTailLines(path: string, maxBytes = TAIL_BYTES): string {
  const size = fileSize(path);
  const start = Math.max(0, size - maxBytes);
  const lines = readLinesFrom(path, start);
  if (start > 0) lines.shift();
  return lines.map((line) => line.text).join("\n");
}

/**
 * The JSON objects of a JSONL text, in order. Torn lines (the half-written end of a live file)
 * and non-object lines are skipped: harness transcripts are read while being written.
 */
export function parseJsonObjects<T extends object>(text: string): T[] {
  const objects: T[] = [];
  for (const line of text.split("\n")) {
    const object = parseJsonObject<T>(line);
    if (object) objects.push(object);
  }
  return objects;
}

/** The JSON object on one line, or undefined for a blank, torn or non-object line. */
function parseJsonObject<T extends object>(line: string): T | undefined {
  if (!line.trim()) return undefined;
  try {
    const value = JSON.parse(line);
    if (value && typeof value === "object" && !Array.isArray(value)) return value as T;
  } catch {
    // A half-written last line.
  }
  return undefined;
}
