/**
 * The launch lock of a worker name (`<name>.lock`, holding the launching process's pid). Launch
 * takes it over only from a dead holder; prune and the orphan scan leave a live holder's session
 * and files alone. Both ask this one function: they used to disagree on a system without /proc
 * (launch assumed the holder alive, prune assumed it dead and removed a launch in progress).
 */
import { pathExists } from "../path.ts";

/**
 * True while the process whose pid the lock file at `path` holds may still run. False when the
 * file is absent or holds no pid, or when `proc` shows no such process. Without a `proc` folder
 * (not Linux) the holder is assumed alive: a lock is never stolen on a guess.
 * @param proc the proc file system's root (a test passes a folder of its own)
 */
export function lockHolderAlive(path: string, proc = "/proc"): boolean {
  let pid: number;
  try {
    pid = Number(Deno.readTextFileSync(path).trim());
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    Deno.statSync(`${proc}/${pid}`);
    return true;
  } catch (error) {
    return !(error instanceof Deno.errors.NotFound) || !pathExists(`${proc}/self`);
  }
}
