/**
 * The post-mortem converse writes on a timeout when CSD_CONVERSE_DIAG_FILE is set: the
 * worker's process tree, its screen, and the tails of its transcript and events, so a harness
 * around csd can ship the file off-box before the worker is reaped.
 */
import { basename, dirname } from "node:path";
import { CsdError } from "../cli/errors.ts";
import { linesBackward } from "../events/jsonl.ts";
import { workerPane } from "../worker/worker.ts";
import type { Worker } from "../worker/handle.ts";
import { workerTranscript } from "./read.ts";

/**
 * Writes the diagnostic to `path`: private (0600), creating missing folders (0700). It names a
 * place the caller chose, often in a shared /tmp, and holds prompts and replies, so it never
 * writes through a symlink planted there (one clobbered a root-owned file) nor over a file of
 * another user. The text goes to a new temp file beside it (created exclusively, so it cannot be
 * a planted link either) renamed over `path`: rename replaces a link, never follows it, and
 * another user's file in a sticky /tmp cannot be renamed over. Our own earlier diagnostic is
 * replaced.
 * @throws CsdError when `path` is a symlink, not a regular file, or another user's
 */
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
  await writePrivateFile(path, sections.join("\n"));
}

async function writePrivateFile(path: string, text: string): Promise<void> {
  const existing = await Deno.lstat(path).catch(() => null);
  if (existing?.isSymlink) {
    throw new CsdError(`"${path}" is a symbolic link; not writing through it`);
  }
  if (existing && !existing.isFile) throw new CsdError(`"${path}" is not a regular file`);
  if (existing && existing.uid !== Deno.uid()) {
    throw new CsdError(`"${path}" belongs to another user; not replacing it`);
  }
  const folder = dirname(path);
  await Deno.mkdir(folder, { recursive: true, mode: 0o700 });
  const temp = `${folder}/.${basename(path)}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeTextFile(temp, text, { createNew: true, mode: 0o600 });
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

async function processTree(worker: Worker): Promise<string> {
  const pane = await workerPane(worker);
  if (!pane) return "(pane gone)";
  try {
    // Deno.Command, not dax: a bundle hoists dax's node: imports to its top, and loading Node's
    // compatibility layer cost every converse start ~15 ms even when no diagnostic was written.
    const ps = await new Deno.Command("ps", {
      args: ["-eo", "pid,ppid,stat,etime,args"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return descendants(new TextDecoder().decode(ps.stdout), pane.pid);
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
  // From the end: the transcript a timed-out turn left may be tens of MB.
  const lines: string[] = [];
  try {
    for (const line of linesBackward(path)) {
      if (lines.length >= count) break;
      lines.push(line.text);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return lines.reverse().join("\n") || "(empty)";
}
