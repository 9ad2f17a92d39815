/** `csd list`: the workers in the worker dir with their status. */
import { err, out, parse, printHelpIfAsked, runMain } from "../lib/cli.ts";
import { UsageError } from "../lib/errors.ts";
import { scanMetas } from "../lib/meta.ts";
import { findOrphanSessions, knownServers } from "../lib/orphans.ts";
import type { WorkerMeta } from "../lib/schema.ts";
import { type WorkerStatus, workerStatus } from "../lib/status.ts";
import { type PaneInfo, Tmux } from "../lib/tmux.ts";
import { fromMeta } from "../lib/worker.ts";

export const HELP = `csd list — list workers

USAGE:
  csd list [--all] [--json] [<pattern>]

Prints one worker per line: STATUS, NAME, HARNESS, SESSION_ID, SHIM, CWD, VERSION (the
harness's version at launch; tab-separated, with a header). Workers whose tmux session is gone
are shown only with --all, and so are csd's orphaned tmux sessions (status orphaned: the worker's
meta is gone, its harness still runs; adopt or prune it). A meta that cannot be read is reported
on stderr. <pattern> keeps names containing it. With --json, prints one JSON object per worker
instead.

OPTIONS:
  --all       include gone workers and orphaned sessions
  --json      JSON lines: {"status","name","harness","session_id","shim","cwd",
              "harness_version",...}
  -h, --help  show this help`;

export interface ListedWorker {
  /** `orphaned`: a tmux session csd started whose meta is gone (prune kills it). */
  status: WorkerStatus | "orphaned";
  name: string;
  harness: string;
  session_id: string | null;
  shim: string;
  cwd: string;
  tmux_session_id: string;
  events_file: string;
  harness_version: string | null;
}

/**
 * Every worker with its status, using one tmux call per tmux server in use, and with `orphans`
 * csd's orphaned tmux sessions (no meta: the worker dir was wiped). A meta that cannot be read
 * is reported on stderr, never silently dropped.
 */
export async function listWorkers(options: { orphans?: boolean } = {}): Promise<ListedWorker[]> {
  const { metas, bad } = scanMetas();
  for (const meta of bad) err(`warning: skipped "${meta.name}": ${meta.reason}\n`);
  const panesBySocket = new Map<string | null, Map<string, PaneInfo>>();
  for (const socket of new Set(metas.map((m) => m.tmux_socket))) {
    const panes = await new Tmux(socket).listPanes();
    panesBySocket.set(socket, new Map(panes.map((p) => [p.paneId, p])));
  }
  // Concurrently: a Claude worker mid-turn costs a capture-pane (the screen check for an
  // Escape), and 100 of them one after another took most of a second.
  const listed: ListedWorker[] = await inParallel(metas, LIST_CONCURRENCY, async (meta) => {
    const worker = fromMeta(meta);
    const pane = panesBySocket.get(meta.tmux_socket)?.get(meta.tmux_pane_id) ?? null;
    return describe(meta, await workerStatus(worker, pane), worker.paths.shim);
  });
  if (!options.orphans) return listed;
  const named = new Set([...metas.map((m) => m.name), ...bad.map((b) => b.name)]);
  for (const orphan of await findOrphanSessions(knownServers(metas), named)) {
    listed.push({
      status: "orphaned",
      name: orphan.name,
      harness: "-",
      session_id: null,
      shim: "-",
      cwd: "-",
      tmux_session_id: orphan.sessionId,
      events_file: "-",
      harness_version: null,
    });
  }
  return listed;
}

/** How many workers' statuses are taken at once (each may run one tmux command). */
const LIST_CONCURRENCY = 16;

/** `work` of every item, at most `limit` at a time, results in the items' order. */
async function inParallel<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await work(items[at]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

function describe(meta: WorkerMeta, status: WorkerStatus, shim: string): ListedWorker {
  return {
    status,
    name: meta.name,
    harness: meta.harness,
    session_id: meta.session_id,
    shim,
    cwd: meta.cwd,
    tmux_session_id: meta.tmux_session_id,
    events_file: meta.events_file,
    harness_version: meta.harness_version ?? null,
  };
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parse(argv, { all: { type: "boolean" }, json: { type: "boolean" } });
  if (printHelpIfAsked(parsed, HELP)) return 0;
  if (parsed.positionals.length > 1) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[1]}"`);
  }
  const pattern = parsed.positionals[0] ?? "";
  const all = parsed.values.all === true;
  const workers = (await listWorkers({ orphans: all })).filter((w) =>
    w.name.includes(pattern) &&
    (all || w.status !== "gone")
  );
  if (parsed.values.json === true) {
    out(workers.map((w) => JSON.stringify(w) + "\n").join(""));
    return 0;
  }
  // VERSION comes last: scripts that read the earlier columns by position keep working.
  const rows = [["STATUS", "NAME", "HARNESS", "SESSION_ID", "SHIM", "CWD", "VERSION"]];
  for (const w of workers) {
    const version = w.harness_version ?? "-";
    rows.push([w.status, w.name, w.harness, w.session_id ?? "-", w.shim, w.cwd, version]);
  }
  out(rows.map((row) => row.join("\t") + "\n").join(""));
  return 0;
}

if (import.meta.main) await runMain(main, HELP);
