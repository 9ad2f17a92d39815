/**
 * The post-mortem converse writes on a timeout when CSD_CONVERSE_DIAG_FILE is set: the
 * worker's process tree, its screen, and the tails of its transcript and events, so a harness
 * around csd can ship the file off-box before the worker is reaped.
 */
import { readLinesFrom } from "./jsonl.ts";
import { type Worker, workerPane } from "./worker.ts";
import { workerTranscript } from "./final_text.ts";

/** Writes the diagnostic to `path` (overwriting it). */
export async function writeDiagnostic(worker: Worker, path: string, why: string): Promise<void> {
  const sections: string[] = [
    `# csd converse diagnostic for worker ${worker.meta.name}`,
    `time: ${new Date().toISOString()}`,
    `reason: ${why}`,
    "",
    "## process tree",
    await processTree(worker),
    "",
    "## pane",
    await worker.tmux.capture(worker.meta.tmux_pane_id, 200).catch((e) => `(capture failed: ${e})`),
    "",
    "## transcript (last 30 lines)",
    tail(workerTranscript(worker), 30),
    "",
    "## events (last 20 lines)",
    tail(worker.paths.events, 20),
    "",
  ];
  await Deno.writeTextFile(path, sections.join("\n"));
}

async function processTree(worker: Worker): Promise<string> {
  const pane = await workerPane(worker);
  if (!pane) return "(pane gone)";
  try {
    // dax is loaded only here: converse's normal path stays lean.
    const { default: $ } = await import("dax");
    const table = await $`ps -eo pid,ppid,stat,etime,args`.noThrow().quiet().text();
    return descendants(table, pane.pid);
  } catch (error) {
    return `(ps failed: ${error})`;
  }
}

/** The lines of a `ps -eo pid,ppid,…` table that descend from `root`, indented by depth. */
export function descendants(table: string, root: number): string {
  const rows = table.split("\n").slice(1).map((line) => {
    const [pid, ppid] = line.trim().split(/\s+/);
    return { pid: Number(pid), ppid: Number(ppid), line: line.trim() };
  }).filter((row) => row.pid > 0);
  const out: string[] = [];
  const visit = (pid: number, depth: number) => {
    const row = rows.find((r) => r.pid === pid);
    if (row) out.push(`${"  ".repeat(depth)}${row.line}`);
    for (const child of rows.filter((r) => r.ppid === pid)) visit(child.pid, depth + 1);
  };
  visit(root, 0);
  return out.join("\n") || `(no process ${root})`;
}

function tail(path: string | null, count: number): string {
  if (!path) return "(none)";
  const lines = readLinesFrom(path, 0);
  return lines.slice(-count).map((l) => l.text).join("\n") || "(empty)";
}
