/** Reading and writing worker meta files: validated by the shared schema, written atomically. */
import { isAbsolute, resolve } from "../path.ts";
import { CsdError } from "../cli/errors.ts";
import { WORKER_FILE_SUFFIXES, WORKER_NAME_PATTERN, workerDir, workerPaths } from "../paths.ts";
import type { WorkerMeta } from "../schema.ts";
import { checkWorkerMeta } from "../shapes.gen.ts";
import { expectShape, type ShapeIssue } from "../shape.ts";
import { assertOwnFile, checkWorkerDir } from "./dir.ts";

/**
 * Writes `meta` via a temp file and rename, so a reader never sees a half-written meta even
 * when launch dies mid-write.
 */
export function writeMeta(meta: WorkerMeta, dir: string = workerDir()): void {
  const path = workerPaths(meta.name, dir).meta;
  // What readers would refuse is never written (a CSD_TMUX_SOCKET label with "/", say).
  const problem = metaProblem(meta, meta.name, dir);
  if (problem) throw new CsdError(`Cannot write worker meta "${path}": ${problem}`);
  writeFileAtomic(
    path,
    JSON.stringify(expectShape(checkWorkerMeta(meta), "worker meta"), null, 2) + "\n",
    0o600,
  );
}

/** Writes a file atomically (temp file in the same folder, then rename). */
export function writeFileAtomic(path: string, content: string, mode: number): void {
  const temp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    Deno.writeTextFileSync(temp, content, { mode });
    Deno.chmodSync(temp, mode);
    Deno.renameSync(temp, path);
  } catch (error) {
    try {
      Deno.removeSync(temp);
    } catch {
      // Nothing to clean.
    }
    throw error;
  }
}

/**
 * The meta of worker `name`, or null when there is none. Checks the worker dir first (see
 * checkWorkerDir). A corrupt, planted or hand-edited meta is a one-line CsdError naming the file
 * and the field: a meta names the tmux server prompts go to and the folders stop deletes.
 */
export function readMeta(name: string, dir: string = workerDir()): WorkerMeta | null {
  if (!checkWorkerDir(dir)) return null;
  const path = workerPaths(name, dir).meta;
  let text: string;
  try {
    assertOwnFile(path, Deno.lstatSync(path), "worker meta");
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    if (error instanceof CsdError) throw error;
    throw new CsdError(`Cannot read worker meta "${path}": ${errorText(error)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CsdError(`Cannot read worker meta "${path}": ${errorText(error)}`);
  }
  const parsed = checkWorkerMeta(raw);
  if (!parsed.success) {
    throw new CsdError(`Invalid worker meta "${path}": ${describeIssues(parsed.error.issues)}`);
  }
  const problem = metaProblem(parsed.data, name, dir);
  if (problem) throw new CsdError(`Invalid worker meta "${path}": ${problem}`);
  return parsed.data;
}

/** A tmux `-L` label stays a file name in tmux's socket folder: no `/`, no `..`. */
const SOCKET_LABEL = /^[A-Za-z0-9_.-]{1,100}$/;

/** The reason `label` is not a safe tmux socket label, or null when it is one. */
export function socketLabelProblem(label: string): string | null {
  return SOCKET_LABEL.test(label) && !label.includes("..")
    ? null
    : `"${label}" is not a tmux socket label (letters, digits, "_", "-", "." and no "..")`;
}

/**
 * What is wrong with a schema-valid meta, or null. Everything csd acts on is checked: the name
 * builds every path (stop deleted `homes/../../victim`), the socket label picks the tmux server
 * a prompt is pasted into (a label with `..` reaches any socket), the ids are tmux targets, and
 * the paths csd derives from the name must agree with the ones recorded.
 */
function metaProblem(meta: WorkerMeta, name: string, dir: string): string | null {
  const field = (key: string, reason: string) => `field "${key}" ${reason}`;
  if (meta.name !== name || !WORKER_NAME_PATTERN.test(meta.name)) {
    return field("name", `is "${meta.name}", not the file's worker name "${name}"`);
  }
  const label = meta.tmux_socket === null ? null : socketLabelProblem(meta.tmux_socket);
  if (label) return field("tmux_socket", label);
  if (!/^\$\d+$/.test(meta.tmux_session_id)) {
    return field("tmux_session_id", `is "${meta.tmux_session_id}", not a tmux session id`);
  }
  if (!/^%\d+$/.test(meta.tmux_pane_id)) {
    return field("tmux_pane_id", `is "${meta.tmux_pane_id}", not a tmux pane id`);
  }
  const paths = workerPaths(name, dir);
  // Events and the staged home live in the worker dir, at the place the name gives.
  if (resolve(meta.events_file) !== paths.events) {
    return field("events_file", `is "${meta.events_file}", not ${paths.events}`);
  }
  if (meta.harness_home !== null && resolve(meta.harness_home) !== paths.home) {
    return field("harness_home", `is "${meta.harness_home}", not ${paths.home}`);
  }
  // The transcript lives in the harness's own folders (Claude's under HOME): only sanitized.
  for (
    const [key, value] of [
      ["transcript_path", meta.transcript_path],
      ["home", meta.home],
      ["cwd", meta.cwd],
    ] as const
  ) {
    if (value !== null && (!isAbsolute(value) || value.split("/").includes(".."))) {
      return field(key, `is "${value}", not an absolute path without ".."`);
    }
  }
  return null;
}

/** The shape's issues as one line: the first field and why, and how many more. */
function describeIssues(issues: readonly ShapeIssue[]): string {
  const first = issues[0];
  if (!first) return "it does not match the worker meta shape";
  const where = first.path.length > 0 ? `field "${first.path.join(".")}"` : "the meta";
  const why = first.values
    ? `must be ${first.values.map((v) => JSON.stringify(v)).join(" or ")}`
    : first.expected !== undefined
    ? `must be a ${first.expected}`
    : first.message.toLowerCase();
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problems)` : "";
  return `${where} ${why}${more}`;
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}

/** A meta that could not be read, with the one-line reason. */
export interface BadMeta {
  name: string;
  reason: string;
}

/** Every meta in the worker dir, sorted by name, and the ones that could not be read. */
export function scanMetas(dir: string = workerDir()): { metas: WorkerMeta[]; bad: BadMeta[] } {
  const metas: WorkerMeta[] = [];
  const bad: BadMeta[] = [];
  if (!checkWorkerDir(dir)) return { metas, bad };
  for (const name of listWorkerNames(dir)) {
    try {
      const meta = readMeta(name, dir);
      if (meta) metas.push(meta);
    } catch (error) {
      if (!(error instanceof CsdError)) throw error;
      bad.push({ name, reason: error.message });
    }
  }
  return { metas: metas.sort((a, b) => a.name.localeCompare(b.name)), bad };
}

/** Names that have any per-worker file in the worker dir (metas or orphans). */
function listWorkerNames(dir: string = workerDir(), suffixes = [".meta.json"]): string[] {
  const names = new Set<string>();
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!entry.isFile) continue;
    for (const suffix of suffixes) {
      if (entry.name.endsWith(suffix)) names.add(entry.name.slice(0, -suffix.length));
    }
  }
  return [...names].sort();
}

/** Names with any per-worker file at all, including orphaned leftovers. */
export function listAllWorkerFileNames(dir: string = workerDir()): string[] {
  return listWorkerNames(dir, [...WORKER_FILE_SUFFIXES]);
}
