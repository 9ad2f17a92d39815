/** `csd list`: the workers in the worker dir with their status. */
import { err, out, parse, printHelpIfAsked, runMain } from "../lib/cli/main.ts";
import { CsdError, UsageError } from "../lib/cli/errors.ts";
import { workerPaths } from "../lib/paths.ts";
import { commandTarget, remoteCsdArgv, scanRemotes, transportTo } from "../lib/remote/forward.ts";
import type { RemoteWorker } from "../lib/schema.ts";
import { formatTarget } from "../lib/remote/transport.ts";
import { scanMetas } from "../lib/worker/meta.ts";
import { findOrphanSessions, knownServers } from "../lib/worker/orphans.ts";
import type { WorkerMeta } from "../lib/schema.ts";
import type { WorkerStatus } from "../lib/events/query.ts";
import type { ListEntry } from "../lib/cli/output_schema.ts";
import { workerUsage } from "../lib/turn/read.ts";
import { workerStatuses } from "../lib/worker/status.ts";
import { fromMeta } from "../lib/worker/worker.ts";

export const HELP = `csd list — list workers

USAGE:
  csd list [--all] [--json] [<pattern>]

Prints one worker per line: STATUS, NAME, HARNESS, SESSION_ID, SHIM, CWD, VERSION (the
harness's version at launch), BRANCH (a --worktree worker's branch; its CWD is the worktree),
TARGET (local, or where a --target worker runs); tab-separated, with a header. Each target is
asked once, in parallel, for at most 15 s; the workers of one that does not answer show as
unreachable. Workers whose tmux session is gone
are shown only with --all, and so are csd's orphaned tmux sessions (status orphaned: the worker's
meta is gone, its harness still runs; adopt or prune it). A meta that cannot be read is reported
on stderr. <pattern> keeps names containing it. With --json, prints one JSON object per worker
instead.

OPTIONS:
  --all       include gone workers and orphaned sessions
  --json      JSON lines: {"status","name","harness","session_id","shim","cwd",
              "tmux_session_id","events_file","harness_version","worktree","usage"};
              usage is the worker's token totals (read from its transcript; null before one)
  -h, --help  show this help`;

/** One listed worker: `list --json`'s ListEntry (lib/cli/output_schema.ts). */
export type ListedWorker = ListEntry;

/**
 * Every worker with its status, with one list-panes per tmux server in use (and one call for
 * the screens of Claude workers mid-turn), and with `orphans` csd's orphaned tmux sessions (no
 * meta: the worker dir was wiped). A meta that cannot be read is reported on stderr, never
 * silently dropped.
 */
export async function listWorkers(
  options: { orphans?: boolean; usage?: boolean } = {},
): Promise<ListedWorker[]> {
  const { metas, bad } = scanMetas();
  for (const meta of bad) err(`warning: skipped "${meta.name}": ${meta.reason}\n`);
  // Targets, orphans and the workers' tmux servers are asked at the same time.
  const remote = listRemoteWorkers();
  const named = new Set([...metas.map((m) => m.name), ...bad.map((b) => b.name)]);
  const orphans = options.orphans
    ? findOrphanSessions(knownServers(metas), named)
    : Promise.resolve([]);
  const workers = metas.map(fromMeta);
  // All at once: a Claude worker mid-turn needs its screen (the check for an Escape), and 100
  // capture-panes one after another took most of a second.
  const statuses = await workerStatuses(workers);
  const described = workers.map((worker, at) => ({ worker, status: statuses[at]! }));
  const listed = await inParallel(described, USAGE_CONCURRENCY, async ({ worker, status }) => {
    const entry = describe(worker.meta, status, worker.paths.shim);
    // Reading every transcript costs a pass over each file: only --json asks for it.
    if (options.usage) {
      entry.usage = await workerUsage(worker).then((r) => r?.total ?? null, () => null);
    }
    return entry;
  });
  listed.push(...await remote);
  listed.sort((a, b) => a.name.localeCompare(b.name));
  for (const orphan of await orphans) {
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
      worktree: null,
      target: "local",
    });
  }
  return listed;
}

/** How many workers' transcripts `--json` reads at once. */
const USAGE_CONCURRENCY = 16;

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
    worktree: meta.worktree ? { path: meta.worktree.path, branch: meta.worktree.branch } : null,
    target: "local",
  };
}

/** How long `list` waits for a target's answer before showing its workers as unreachable. */
const TARGET_LIST_TIMEOUT_MS = 15_000;

/**
 * The workers on targets: each target is asked once, all in parallel, bounded in time; one that
 * does not answer shows its workers as `unreachable` instead of failing the list.
 */
export async function listRemoteWorkers(): Promise<ListedWorker[]> {
  const { remotes, bad } = scanRemotes();
  for (const record of bad) err(`warning: skipped "${record.name}": ${record.reason}\n`);
  const byTarget = new Map<string, RemoteWorker[]>();
  for (const record of remotes) {
    const key = formatTarget(commandTarget(record));
    byTarget.set(key, [...(byTarget.get(key) ?? []), record]);
  }
  const answers = await Promise.all([...byTarget.values()].map(async (records) => {
    const first = records[0]!;
    const transport = transportTo(commandTarget(first));
    try {
      const result = await transport.run(
        remoteCsdArgv(first.remote_csd, first.remote_worker_dir, "list", ["--all", "--json"]),
        { timeoutMs: TARGET_LIST_TIMEOUT_MS },
      );
      if (result.code !== 0) throw new CsdError(new TextDecoder().decode(result.stderr).trim());
      const found = new Map<string, ListedWorker>();
      for (const line of new TextDecoder().decode(result.stdout).split("\n")) {
        if (!line.trim()) continue;
        const worker = JSON.parse(line) as ListedWorker;
        found.set(worker.name, worker);
      }
      return { records, found };
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      err(`warning: ${formatTarget(commandTarget(first))} did not answer: ${reason}\n`);
      return { records, found: null };
    }
  }));
  const listed: ListedWorker[] = [];
  for (const { records, found } of answers) {
    for (const record of records) {
      const there = found?.get(record.remote_name);
      listed.push({
        status: found === null ? "unreachable" : there?.status ?? "gone",
        name: record.name,
        harness: record.harness,
        session_id: there?.session_id ?? null,
        shim: workerPaths(record.name).shim,
        cwd: record.cwd,
        tmux_session_id: there?.tmux_session_id ?? "-",
        events_file: there ? `${formatTarget(commandTarget(record))}:${there.events_file}` : "-",
        harness_version: there?.harness_version ?? null,
        target: record.target,
      });
    }
  }
  return listed;
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parse(argv, { all: { type: "boolean" }, json: { type: "boolean" } });
  if (printHelpIfAsked(parsed, HELP)) return 0;
  if (parsed.positionals.length > 1) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[1]}"`);
  }
  const pattern = parsed.positionals[0] ?? "";
  const all = parsed.values.all === true;
  const json = parsed.values.json === true;
  const workers = (await listWorkers({ orphans: all, usage: json })).filter((w) =>
    w.name.includes(pattern) &&
    (all || w.status !== "gone")
  );
  if (json) {
    out(workers.map((w) => JSON.stringify(w) + "\n").join(""));
    return 0;
  }
  // New columns come last: scripts that read the earlier columns by position keep working.
  const rows = [
    ["STATUS", "NAME", "HARNESS", "SESSION_ID", "SHIM", "CWD", "VERSION", "BRANCH", "TARGET"],
  ];
  for (const w of workers) {
    const version = w.harness_version ?? "-";
    const branch = w.worktree?.branch ?? "-";
    rows.push([
      w.status,
      w.name,
      w.harness,
      w.session_id ?? "-",
      w.shim,
      w.cwd,
      version,
      branch,
      w.target ?? "local",
    ]);
  }
  out(rows.map((row) => row.join("\t") + "\n").join(""));
  return 0;
}

if (import.meta.main) await runMain(main, HELP);
