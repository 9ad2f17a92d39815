/**
 * Creating and checking the worker dir. It holds prompts' results and the start scripts that
 * carry the controller's environment, so it must be private: created 0700, and refused when
 * another user owns it or it is a symlink pointing elsewhere (a planted /tmp/csd-workers).
 */
import { CsdError } from "./errors.ts";
import {
  DEFAULT_WORKER_DIR,
  homesDir,
  LEGACY_WORKER_DIR,
  shimDir,
  tmpDir,
  usingDefaultWorkerDir,
  workerDir,
} from "./paths.ts";

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

/** Checks the worker dir without creating anything (for readers); false when absent. */
export function checkWorkerDir(): boolean {
  const dir = workerDir();
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(dir);
  } catch {
    return false;
  }
  assertSafe(dir, info);
  return true;
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
        throw new CsdError(`Cannot create worker dir ${dir}: ${message(error)}`);
      }
    }
    info = Deno.lstatSync(dir);
  }
  assertSafe(dir, info);
  if (info.mode !== null && (info.mode & 0o077) !== 0) Deno.chmodSync(dir, 0o700);
}

function assertSafe(dir: string, info: Deno.FileInfo): void {
  if (info.isSymlink) {
    const target = Deno.realPathSync(dir);
    throw new CsdError(
      `Refusing worker dir ${dir}: it is a symlink to ${target}; remove it or set CSD_WORKER_DIR`,
    );
  }
  if (!info.isDirectory) {
    throw new CsdError(`Refusing worker dir ${dir}: it is not a directory`);
  }
  const uid = Deno.uid();
  if (uid !== null && info.uid !== null && info.uid !== uid) {
    throw new CsdError(
      `Refusing worker dir ${dir}: it is owned by uid ${info.uid}, not you (uid ${uid}); ` +
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
