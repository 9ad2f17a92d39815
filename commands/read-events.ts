/** `<shim> read-events`: print (and optionally follow) the worker's event stream. */
import { out, parseCount, runMain, stringFlag } from "../lib/cli/main.ts";
import { UsageError } from "../lib/cli/errors.ts";
import { type EventAt, linesBackward, linesForward } from "../lib/events/jsonl.ts";
import { EVENT_TYPES, type EventType } from "../lib/vocabulary.ts";
import { parseEventLine } from "../lib/events/line.ts";
import { followEvents } from "../lib/turn/wait.ts";
import { loadWorker } from "../lib/worker/worker.ts";
import type { Worker } from "../lib/worker/handle.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/cli/worker_args.ts";

export const HELP = `read-events — print the worker's events (JSON lines)

USAGE:
  <shim> read-events [--last N] [--type T] [--follow]

OPTIONS:
  --last N    only the last N (matching) events; with --follow, caps the backlog
  --type T    only events of type T: ${EVENT_TYPES.join(", ")}
  --follow    keep printing new events as they arrive, the ones csd derives included (a turn
              that failed without a hook, an Escape); ends when the worker's harness exits,
              it is stopped or its tmux pane is gone (or on Ctrl-C / SIGTERM)
  -h, --help  show this help

EXIT CODES: 0 ok, 1 no such worker, 2 usage error (an unknown --type fails fast).`;

export async function main(argv: string[]): Promise<number> {
  const command = parseWorkerCommand(argv, {
    last: { type: "string" },
    type: { type: "string" },
    follow: { type: "boolean" },
  }, HELP);
  if (!command) return 0;
  const { parsed } = command;
  maxPositionals(parsed, 0);
  const lastArg = stringFlag(parsed, "last");
  const last = lastArg === undefined ? undefined : parseCount(lastArg, "--last");
  const type = parseType(stringFlag(parsed, "type"));
  const worker = loadWorker(command.name);
  const matches = (e: EventAt) => type === undefined || e.event.event === type;

  const end = last === undefined
    ? printAll(worker.paths.events, matches)
    : printLast(worker.paths.events, last, matches);
  if (parsed.values.follow !== true) return 0;
  await follow(worker, end, matches);
  return 0;
}

/** Output is flushed in blocks this size: one write per line was the cost of a big backlog. */
const FLUSH_CHARS = 64 * 1024;

/**
 * Prints every matching event, streaming: a 100,000-line file was parsed whole (288 MiB) before
 * the first line came out. Returns the offset just past the last complete line.
 */
function printAll(path: string, matches: (e: EventAt) => boolean): number {
  let end = 0;
  let block = "";
  for (const line of linesForward(path)) {
    end = line.end;
    const event = parseEventLine(line.text);
    if (!event || !matches({ ...line, event })) continue;
    block += line.text + "\n";
    if (block.length >= FLUSH_CHARS) {
      out(block);
      block = "";
    }
  }
  out(block);
  return end;
}

/**
 * Prints the last `count` matching events, read from the end backwards (only the lines kept are
 * validated). Returns the offset just past the last complete line, where a follow starts.
 */
function printLast(path: string, count: number, matches: (e: EventAt) => boolean): number {
  const kept: string[] = [];
  let end: number | undefined;
  try {
    for (const line of linesBackward(path)) {
      end ??= line.end;
      if (kept.length >= count) break;
      const event = parseEventLine(line.text);
      if (event && matches({ ...line, event })) kept.push(line.text + "\n");
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  out(kept.reverse().join(""));
  return end ?? 0;
}

function parseType(value: string | undefined): EventType | undefined {
  if (value === undefined) return undefined;
  if (!(EVENT_TYPES as readonly string[]).includes(value)) {
    throw new UsageError(`Unknown event type "${value}": use one of ${EVENT_TYPES.join(", ")}`);
  }
  return value as EventType;
}

/**
 * Prints new events until the worker's harness exits or its pane is gone (stop kills it), or
 * on SIGINT/SIGTERM. It reads through followEvents, as converse and wait-for-turn do, so the
 * lines csd derives (a Codex turn that failed without a hook, a Claude turn cut by Escape) are
 * written and shown even when no other csd command runs meanwhile.
 */
async function follow(worker: Worker, offset: number, matches: (e: EventAt) => boolean) {
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => stop.abort());
  }
  await followEvents<true>(
    worker,
    offset,
    undefined,
    (event) => {
      if (matches(event)) out(event.text + "\n");
      return undefined;
    },
    () => true,
    stop.signal,
  );
}

if (import.meta.main) await runMain(main, HELP);
