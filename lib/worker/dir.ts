/**
 * Creating and checking the worker dir. It holds prompts' results and the start scripts that
 * carry the controller's environment, so it must be private: created 0700, and refused when
 * another user owns it or it is a symlink pointing elsewhere (a planted /tmp/csd-workers).
 */
import { CsdError } from "../cli/errors.ts";
import {
  DEFAULT_WORKER_DIR,
  homesDir,
  LEGACY_WORKER_DIR,
  shimDir,
  tmpDir,
  usingDefaultWorkerDir,
  workerDir,
} from "../paths.ts";

/** Makes sure the worker dir (and its bin/ and homes/) exist and are safe; returns its path. */
export function ensureWorkerDir(): string {
  const dir = workerDir();
  ensurePrivateDir(dir);
  ensurePrivateDir(shimDir(dir));
  ensurePrivateDir(homesDir(dir));
  ensurePrivateDir(tmpDir(dir));
  if (usingDefaultWorkerDir()) ensureLegacySymlink();
  return dir;
}

/**
 * Checks the worker dir for a reader, creating nothing; false when it is absent. Readers act on
 * what the dir holds — a meta names the tmux server a prompt is pasted into, prune deletes what
 * it finds — so a planted dir (another user's `/tmp/csd-workers`) must never be read: the dir
 * and its bin/, homes/ and tmp/ must be the user's own, not symlinks, and writable by nobody
 * else. Readable by others is accepted: it shows only names (the files inside are private), and
 * refusing would lock a user out of workers launched before the dir was tightened.
 */
export function checkWorkerDir(dir: string = workerDir()): boolean {
  const info = lstatOrNull(dir);
  if (!info) return false;
  assertSafe(dir, info);
  assertNotWritableByOthers(dir, info);
  for (const sub of [shimDir(dir), homesDir(dir), tmpDir(dir)]) {
    const subInfo = lstatOrNull(sub);
    if (!subInfo) continue;
    assertSafe(sub, subInfo);
    assertNotWritableByOthers(sub, subInfo);
  }
  return true;
}

/**
 * Throws unless `path` is a regular file owned by the user: a file another user planted before
 * launch tightened the dir keeps its owner.
 */
export function assertOwnFile(path: string, info: Deno.FileInfo, what: string): void {
  if (!info.isFile) {
    throw new CsdError(
      `Refusing ${what} ${path}: it is ${info.isSymlink ? "a symlink" : "not a regular file"}`,
    );
  }
  const uid = Deno.uid();
  if (uid !== null && info.uid !== null && info.uid !== uid) {
    throw new CsdError(
      `Refusing ${what} ${path}: it is owned by uid ${info.uid}, not you (uid ${uid})`,
    );
  }
}

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new CsdError(`Cannot check worker dir "${path}": ${message(error)}`);
  }
}

function assertNotWritableByOthers(dir: string, info: Deno.FileInfo): void {
  if (info.mode === null || (info.mode & 0o022) === 0) return;
  const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
  throw new CsdError(
    `Refusing worker dir "${dir}": it is writable by group or others (mode ${mode}); ` +
      `check its contents, then run chmod 700 on it`,
  );
}

function ensurePrivateDir(dir: string): void {
  let info: Deno.FileInfo | undefined;
  try {
    info = Deno.lstatSync(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (!info) {
    try {
      Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) {
        throw new CsdError(`Cannot create worker dir "${dir}": ${message(error)}`);
      }
    }
    info = Deno.lstatSync(dir);
  }
  assertSafe(dir, info);
  if (info.mode !== null && (info.mode & 0o077) !== 0) Deno.chmodSync(dir, 0o700);
}

function assertSafe(dir: string, info: Deno.FileInfo): void {
  if (info.isSymlink) {
    let target: string;
    try {
      target = Deno.realPathSync(dir);
    } catch {
      target = Deno.readLinkSync(dir);
    }
    throw new CsdError(
      `Refusing worker dir "${dir}": it is a symlink to "${target}"; remove it or set CSD_WORKER_DIR`,
    );
  }
  if (!info.isDirectory) {
    throw new CsdError(`Refusing worker dir "${dir}": it is not a directory`);
  }
  const uid = Deno.uid();
  if (uid !== null && info.uid !== null && info.uid !== uid) {
    throw new CsdError(
      `Refusing worker dir "${dir}": it is owned by uid ${info.uid}, not you (uid ${uid}); ` +
        `set CSD_WORKER_DIR to a folder of your own`,
    );
  }
}

/** Keeps `/tmp/claude-workers` pointing at the default dir; never touches a real folder there. */
function ensureLegacySymlink(): void {
  try {
    Deno.lstatSync(LEGACY_WORKER_DIR);
    return;
  } catch {
    // Absent: create it below.
  }
  try {
    Deno.symlinkSync(DEFAULT_WORKER_DIR, LEGACY_WORKER_DIR);
  } catch {
    // Another launch made it at the same moment, or /tmp refuses: not worth failing a launch.
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
