/** `<shim> read-events`: print (and optionally follow) the worker's event stream. */
import { out, parseCount, runMain, stringFlag } from "../lib/cli.ts";
import { UsageError } from "../lib/errors.ts";
import { type EventAt, LineCursor, parseEvents, readEventsFrom } from "../lib/jsonl.ts";
import { EVENT_TYPES, type EventType } from "../lib/schema.ts";
import { waitUntil } from "../lib/wait.ts";
import { loadWorker, type Worker, workerPane } from "../lib/worker.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/worker_command.ts";
import { dirname } from "node:path";

export const HELP = `read-events — print the worker's events (JSON lines)

USAGE:
  <shim> read-events [--last N] [--type T] [--follow]

OPTIONS:
  --last N    only the last N (matching) events; with --follow, caps the backlog
  --type T    only events of type T: ${EVENT_TYPES.join(", ")}
  --follow    keep printing new events as they arrive; ends when the worker is stopped or
              its tmux pane is gone (or on Ctrl-C / SIGTERM)
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

  const events = readEventsFrom(worker.paths.events).filter(matches);
  const backlog = last === undefined ? events : last === 0 ? [] : events.slice(-last);
  out(backlog.map((e) => e.text + "\n").join(""));
  if (parsed.values.follow !== true) return 0;
  const all = readEventsFrom(worker.paths.events);
  await follow(worker, all.at(-1)?.end ?? 0, matches);
  return 0;
}

function parseType(value: string | undefined): EventType | undefined {
  if (value === undefined) return undefined;
  if (!(EVENT_TYPES as readonly string[]).includes(value)) {
    throw new UsageError(`Unknown event type "${value}": use one of ${EVENT_TYPES.join(", ")}`);
  }
  return value as EventType;
}

/** Prints new events until the worker's files are removed or its pane is gone. */
async function follow(worker: Worker, offset: number, matches: (e: EventAt) => boolean) {
  const cursor = new LineCursor(worker.paths.events, offset);
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => stop.abort());
  }
  const flush = () => {
    const fresh = parseEvents(cursor.next()).filter(matches);
    if (fresh.length > 0) out(fresh.map((e) => e.text + "\n").join(""));
  };
  let lastPaneCheck = 0;
  await waitUntil<true>(async () => {
    flush();
    if (stop.signal.aborted) return true;
    try {
      Deno.statSync(worker.paths.events);
    } catch {
      return true; // stop removed the worker
    }
    if (Date.now() - lastPaneCheck < 1000) return undefined;
    lastPaneCheck = Date.now();
    const pane = await workerPane(worker);
    if (pane) return undefined;
    flush();
    return true;
  }, { watch: [dirname(worker.paths.events)], deadline: undefined, signal: stop.signal });
}

if (import.meta.main) await runMain(main, HELP);
