/** Reading and writing worker meta files: validated by the shared schema, written atomically. */
import { CsdError } from "./errors.ts";
import { WORKER_FILE_SUFFIXES, workerDir, workerPaths } from "./paths.ts";
import { WorkerMeta } from "./schema.ts";

/**
 * Writes `meta` via a temp file and rename, so a reader never sees a half-written meta even
 * when launch dies mid-write.
 */
export function writeMeta(meta: WorkerMeta, dir: string = workerDir()): void {
  const path = workerPaths(meta.name, dir).meta;
  writeFileAtomic(path, JSON.stringify(WorkerMeta.parse(meta), null, 2) + "\n", 0o600);
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

/** The meta of worker `name`, or null when there is none. A corrupt meta is an error. */
export function readMeta(name: string, dir: string = workerDir()): WorkerMeta | null {
  const path = workerPaths(name, dir).meta;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  try {
    return WorkerMeta.parse(JSON.parse(text));
  } catch (error) {
    throw new CsdError(
      `Cannot read worker meta ${path}: ${error instanceof Error ? error.message : error}`,
    );
  }
}

/** Every readable meta in the worker dir, sorted by name; unreadable ones are skipped. */
export function listMetas(dir: string = workerDir()): WorkerMeta[] {
  const metas: WorkerMeta[] = [];
  for (const name of listWorkerNames(dir)) {
    try {
      const meta = readMeta(name, dir);
      if (meta) metas.push(meta);
    } catch {
      // A corrupt meta shows up in prune, not as a crash of list.
    }
  }
  return metas.sort((a, b) => a.name.localeCompare(b.name));
}

/** Names that have any per-worker file in the worker dir (metas or orphans). */
export function listWorkerNames(dir: string = workerDir(), suffixes = [".meta.json"]): string[] {
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
