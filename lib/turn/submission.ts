/**
 * What send and converse share around a submission: the per-worker lock that lets only one of
 * them type into a worker at a time, and the `.sent` marker that tells the next wait-for-turn
 * which turn is still uncollected.
 *
 * Without the lock, two controllers on one worker crossed replies (B printed A's reply with exit
 * 0: its Ctrl-C cleared A's pasted text, and the turn it then waited for was A's), merged two
 * prompts into one, or lost one. The lock is an flock on `<name>.submit-lock`: the kernel drops it
 * when its holder dies, so a killed controller never leaves a worker locked.
 */
import { err } from "../cli/main.ts";
import type { EventAt, LineCursor } from "../events/jsonl.ts";
import { CsdError } from "../cli/errors.ts";
import { writeFileAtomic } from "../worker/meta.ts";
import type { LockHolder, SentMarker } from "../schema.ts";
import { checkLockHolder, checkSentMarker } from "../shapes.gen.ts";
import { expectShape } from "../shape.ts";
import { sleep } from "../wait.ts";
import type { Worker } from "../worker/handle.ts";
import { dirname } from "../path.ts";

/** How often a waiting caller retries the lock (flock has no wake-up for a bounded wait). */
const LOCK_POLL_MS = 100;

/** A held submission lock; `using` releases it at the end of the holder's scope. */
export interface SubmissionLock extends Disposable {
  release(): void;
}

/**
 * Takes the worker's submission lock, waiting for another holder until `deadline`.
 * @param command the holder's subcommand, named in another caller's "busy" error
 * @throws CsdError (exit 1) naming the holder when the lock is still held at the deadline
 */
export async function lockSubmission(
  worker: Worker,
  command: string,
  deadline: number,
): Promise<SubmissionLock> {
  const path = worker.paths.submitLock;
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true, write: true, create: true, mode: 0o600 });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CsdError(`Cannot open the submission lock of worker "${worker.meta.name}": ${why}`);
  }
  const started = Date.now();
  try {
    while (!file.tryLockSync(true)) {
      const left = deadline - Date.now();
      if (left <= 0) throw busyError(worker.meta.name, path, Date.now() - started);
      await sleep(Math.min(LOCK_POLL_MS, left));
    }
  } catch (error) {
    file.close();
    throw error;
  }
  writeHolder(file, { pid: Deno.pid, command, since: new Date().toISOString() });
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    writeHolder(file, undefined);
    file.close();
  };
  return { release, [Symbol.dispose]: release };
}

/** Records (or clears) who holds the lock; best effort: a full disk must not block a prompt. */
function writeHolder(file: Deno.FsFile, holder: LockHolder | undefined): void {
  try {
    file.truncateSync(0);
    if (!holder) return;
    file.seekSync(0, Deno.SeekMode.Start);
    file.writeSync(new TextEncoder().encode(JSON.stringify(holder) + "\n"));
  } catch {
    // ENOSPC and the like: the busy error then names no pid.
  }
}

function busyError(name: string, path: string, waitedMs: number): CsdError {
  const holder = readHolder(path);
  const who = holder
    ? `another controller's ${holder.command} (pid ${holder.pid}, since ${holder.since})`
    : "another controller";
  return new CsdError(
    `Worker "${name}" is busy: ${who} is submitting to it; csd runs one send or converse ` +
      `at a time per worker (waited ${Math.round(waitedMs / 1000)}s)`,
  );
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed = checkLockHolder(JSON.parse(Deno.readTextFileSync(path)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The worker's `.sent` marker, or undefined when there is none (or it is unreadable). */
export function readSentMarker(path: string): SentMarker | undefined {
  try {
    const parsed = checkSentMarker(JSON.parse(Deno.readTextFileSync(path)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the marker: its turn has been collected, or a new submission supersedes it. */
export function clearSentMarker(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // None.
  }
}

/** How a submission came out. */
export interface Submitted {
  /** The user_prompt_submit event that confirmed it (null when queued behind a running turn). */
  confirmation: EventAt | null;
  /** Byte offset of the events file before the paste. */
  baseline: number;
  /** The text as delivered (control characters made visible, slash/bang guarded). */
  delivered: string;
  /**
   * What the submission read past the baseline (the confirmation, and whatever came with it) and
   * the cursor it read with: a wait for the turn goes on from there. A wait that re-read from the
   * baseline lost the confirmation when the events file was deleted or truncated in between, and
   * waited out its whole timeout for a "queued prompt" that had long started (F8, flaky).
   */
  read: SubmitRead;
}

/** The events a submission read, and where it stopped reading (see Submitted.read). */
export interface SubmitRead {
  events: EventAt[];
  cursor: LineCursor;
}

/**
 * Records the submitted prompt for the next wait-for-turn. The prompt is already delivered, so
 * a failure (a full disk) is a warning, not an error: a caller told "failed" would send it twice.
 */
export function recordSentMarker(path: string, submitted: Submitted): void {
  const marker: SentMarker = { offset: submitted.baseline, prompt: submitted.delivered };
  try {
    writeFileAtomic(
      path,
      JSON.stringify(expectShape(checkSentMarker(marker), "sent marker")) + "\n",
      0o600,
    );
  } catch (error) {
    clearSentMarker(path);
    const why = error instanceof Error ? error.message : String(error);
    err(
      `warning: the prompt was delivered, but csd could not record it for wait-for-turn ` +
        `(${why}); a later wait-for-turn waits for the next turn end after it is called\n`,
    );
  }
}

/** As much as the hook's longest line: its 64 KB text cap plus the event's other fields. */
const PROBE_BYTES = 72 * 1024;

/**
 * Why the hook may be unable to record the worker's events, or undefined. The hook swallows a failed
 * append (it must never block a turn), so on a full disk the prompt runs but no
 * user_prompt_submit or stop arrives, and "raise CSD_SUBMIT_TIMEOUT" or "run status" would send
 * the caller the wrong way.
 * Probed by writing as much as the hook's longest line into a scratch file there.
 */
export function eventsUnrecordable(worker: Worker): string | undefined {
  const dir = dirname(worker.paths.events);
  const probe = `${dir}/.csd-space-probe-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    const file = Deno.openSync(probe, { write: true, createNew: true, mode: 0o600 });
    try {
      const bytes = new Uint8Array(PROBE_BYTES);
      let written = 0;
      while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
    } finally {
      file.close();
    }
    return undefined;
  } catch (error) {
    if ((error as { code?: string }).code === "ENOSPC") return `no space left on ${dir}`;
    if ((error as { code?: string }).code === "EDQUOT") return `disk quota exceeded on ${dir}`;
    return undefined;
  } finally {
    try {
      Deno.removeSync(probe);
    } catch {
      // Never created.
    }
  }
}
