/**
 * Waiting, in one helper: re-check a condition whenever a watched folder changes (inotify via
 * Deno.watchFs), with a slow polling fallback for filesystems that report nothing. The bash
 * csd polled every 500 ms with `wc -l | tail | jq`; this wakes within milliseconds of a write.
 */

/** How often to re-check when no file event arrives (also the pane-liveness cadence). */
const FALLBACK_POLL_MS = 1000;

/** Wakes waiters when anything changes in the watched folders. */
export class ChangeWatcher {
  #watchers: Deno.FsWatcher[] = [];
  #waiters = new Set<() => void>();
  #generation = 0;

  /** Watches `dirs` (missing ones are skipped: polling still covers them). */
  constructor(dirs: string[]) {
    for (const dir of new Set(dirs)) {
      try {
        const watcher = Deno.watchFs(dir, { recursive: false });
        this.#watchers.push(watcher);
        this.#pump(watcher);
      } catch {
        // No such folder or no inotify: the polling fallback covers it.
      }
    }
  }

  async #pump(watcher: Deno.FsWatcher): Promise<void> {
    try {
      for await (const _event of watcher) {
        this.#generation++;
        for (const wake of this.#waiters) wake();
        this.#waiters.clear();
      }
    } catch {
      // The watcher was closed.
    }
  }

  /** A counter that grows on every change; compare to skip a wait when something already moved. */
  get generation(): number {
    return this.#generation;
  }

  /** Resolves on the next change after `seenGeneration`, or after `ms`. */
  wait(ms: number, seenGeneration: number): Promise<void> {
    if (this.#generation !== seenGeneration) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      const waiters = this.#waiters;
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }

  /** Stops watching. */
  close(): void {
    for (const watcher of this.#watchers) {
      try {
        watcher.close();
      } catch {
        // Already closed.
      }
    }
    this.#watchers = [];
    for (const wake of this.#waiters) wake();
  }
}

/** Options for `waitUntil`. */
export interface WaitOptions {
  /** Folders whose changes trigger a re-check. */
  watch: string[];
  /** Absolute deadline (ms since epoch); undefined waits forever. */
  deadline: number | undefined;
  /** Re-check at least this often even without file events. */
  pollMs?: number;
  /** Stops the wait early (returns undefined). */
  signal?: AbortSignal;
}

/**
 * Calls `check` until it returns a value, re-checking on every change in `watch` and at least
 * every `pollMs`. Returns undefined when the deadline passes or the signal aborts.
 */
export async function waitUntil<T>(
  check: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions,
): Promise<T | undefined> {
  const watcher = new ChangeWatcher(options.watch);
  const pollMs = options.pollMs ?? FALLBACK_POLL_MS;
  try {
    while (true) {
      const seen = watcher.generation;
      const result = await check();
      if (result !== undefined) return result;
      if (options.signal?.aborted) return undefined;
      const now = Date.now();
      if (options.deadline !== undefined && now >= options.deadline) return undefined;
      const remaining = options.deadline === undefined ? pollMs : options.deadline - now;
      await raceAbort(watcher.wait(Math.min(pollMs, remaining), seen), options.signal);
    }
  } finally {
    watcher.close();
    // Deno removes the inotify watches on its watcher thread after close(). A command that
    // exits right after its last wait (converse, wait-for-turn) otherwise exits with them still
    // registered, and the kernel's teardown of a watched inotify instance held the exit 10–20 ms
    // (strace: exit_group, then the last thread gone ~20 ms later). One turn of the event loop
    // lets the thread drop them first.
    await sleep(0);
  }
}

function raceAbort(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  return new Promise((resolve) => {
    const onAbort = () => resolve();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
