/**
 * The launch lock's liveness (lib/worker/lock.ts), which launch (take-over of a stale lock) and
 * prune / the orphan scan (a launch in progress is left alone) share: with and without /proc.
 */
import { assertEquals } from "./support/assert.ts";
import { lockHolderAlive } from "../lib/worker/lock.ts";

function withTemp(body: (dir: string) => void): void {
  const dir = Deno.makeTempDirSync({ prefix: "csd-lock-" });
  try {
    body(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("lock holder: a live pid is alive, a dead pid, no pid and no file are not", () => {
  withTemp((dir) => {
    const lock = `${dir}/w.lock`;
    assertEquals(lockHolderAlive(lock), false, "no lock file");
    Deno.writeTextFileSync(lock, `${Deno.pid}\n`);
    assertEquals(lockHolderAlive(lock), true, "this process holds it");
    Deno.writeTextFileSync(lock, "not a pid\n");
    assertEquals(lockHolderAlive(lock), false, "garbage");
    // A proc root that lists other processes but not this pid: the holder is gone.
    const proc = `${dir}/proc`;
    Deno.mkdirSync(`${proc}/self`, { recursive: true });
    Deno.writeTextFileSync(lock, "4242\n");
    assertEquals(lockHolderAlive(lock, proc), false, "pid absent from proc");
    Deno.mkdirSync(`${proc}/4242`);
    assertEquals(lockHolderAlive(lock, proc), true, "pid present in proc");
  });
});

Deno.test("lock holder: without /proc the holder is assumed alive (launch and prune agree)", () => {
  withTemp((dir) => {
    const lock = `${dir}/w.lock`;
    Deno.writeTextFileSync(lock, "4242\n");
    const noProc = `${dir}/no-proc`;
    assertEquals(lockHolderAlive(lock, noProc), true);
  });
});
