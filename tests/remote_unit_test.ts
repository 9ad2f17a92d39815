/**
 * The local side of remote workers without a target: the record is validated like a meta (a
 * planted one runs nothing), the forwarding hands any per-worker command to the target's csd
 * with BatchMode and none of the controller's variables, and a dead target is one line.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { TestEnv } from "../kit/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const GOOD = {
  version: 1,
  name: "rw",
  target: "ssh://deploy@build-box:2222",
  remote_name: "rw",
  remote_csd: "/home/deploy/.csd/0123456789abcdef",
  remote_worker_dir: "/home/deploy/.csd/workers",
  harness: "claude",
  cwd: "/srv/app",
  created_at: "2026-12-01T00:00:00.000Z",
};

/** An env whose `ssh` records its argv and fails the way a refused connection does. */
async function withFakeSsh(fn: (env: TestEnv, argvFile: string) => Promise<void>) {
  const env = await TestEnv.create();
  try {
    const bin = `${env.root}/fake-bin`;
    const argvFile = `${env.root}/ssh-argv`;
    await Deno.mkdir(bin);
    await Deno.writeTextFile(
      `${bin}/ssh`,
      `#!/bin/sh\nprintf '%s\\n' "$@" >> '${argvFile}'\n` +
        `echo "ssh: connect to host build-box port 2222: Connection refused" >&2\nexit 255\n`,
      { mode: 0o755 },
    );
    env.vars.PATH = `${bin}:${Deno.env.get("PATH")}`;
    env.vars.XDG_RUNTIME_DIR = env.root;
    env.vars.ANTHROPIC_API_KEY = "sk-controller-secret";
    await Deno.mkdir(`${env.workerDir}/bin`, { recursive: true, mode: 0o700 });
    await fn(env, argvFile);
  } finally {
    await env.dispose();
  }
}

async function plant(env: TestEnv, record: Record<string, unknown>) {
  await Deno.writeTextFile(`${env.workerDir}/rw.remote.json`, JSON.stringify(record), {
    mode: 0o600,
  });
}

async function readArgv(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "";
  }
}

Deno.test(
  "remote record: any per-worker command is forwarded, in one line when the target is down",
  opts,
  async () => {
    await withFakeSsh(async (env, argvFile) => {
      await plant(env, GOOD);
      for (const sub of ["status", "wait-for-turn", "read-turn", "session-id"]) {
        const run = await env.csd(["--worker", "rw", sub]);
        assertEquals(run.code, 1, run.stderr);
        assertEquals(
          run.stderr,
          'error: Cannot reach "ssh://deploy@build-box:2222": ssh: connect to host build-box port 2222: Connection refused\n',
        );
      }
      const argv = await readArgv(argvFile);
      assertStringIncludes(argv, "BatchMode=yes");
      assertStringIncludes(argv, "ForwardAgent=no");
      assertMatch(
        argv,
        / env CSD_WORKER_DIR=\/home\/deploy\/\.csd\/workers \/home\/deploy\/\.csd\/0123456789abcdef\/bin\/csd-status --worker rw\n/,
      );
      assert(!argv.includes("sk-controller-secret"), "a controller variable crossed");
      const list = await env.csd(["list"]);
      assertEquals(list.code, 0, list.stderr);
      assertMatch(
        list.stdout,
        /^unreachable\trw\tclaude\t-\t.*\t\/srv\/app\t-\t-\tssh:\/\/deploy@build-box:2222$/m,
      );
    });
  },
);

Deno.test(
  "remote record: a planted or corrupt record is refused in one line and runs nothing",
  opts,
  async () => {
    await withFakeSsh(async (env, argvFile) => {
      const cases: [Record<string, unknown>, string][] = [
        [{ ...GOOD, target: "ssh://-oProxyCommand=touch${IFS}/tmp/pwned" }, 'field "target"'],
        [{ ...GOOD, target: "ssh://build-box:0" }, 'field "target"'],
        [{ ...GOOD, remote_csd: "/home/deploy/.csd/../../../tmp/evil" }, 'field "remote_csd"'],
        [{ ...GOOD, remote_csd: "relative/path" }, 'field "remote_csd"'],
        [{ ...GOOD, remote_worker_dir: "/home/$(id)" }, 'field "remote_worker_dir"'],
        [{ ...GOOD, remote_name: "a;b" }, 'field "remote_name"'],
        [{ ...GOOD, name: "other" }, 'field "name"'],
        [{ ...GOOD, container: "c1" }, 'field "container"'],
        [{ ...GOOD, extra: 1 }, "Invalid remote worker record"],
      ];
      for (const [record, expected] of cases) {
        await plant(env, record);
        const run = await env.csd(["--worker", "rw", "status"]);
        assertEquals(run.code, 1, run.stderr);
        assertEquals(run.stderr.split("\n").length, 2, run.stderr);
        assertStringIncludes(run.stderr, expected);
      }
      await Deno.remove(`${env.workerDir}/rw.remote.json`);
      await Deno.symlink(`${env.root}/elsewhere.json`, `${env.workerDir}/rw.remote.json`);
      const link = await env.csd(["--worker", "rw", "status"]);
      assertEquals(link.code, 1, link.stderr);
      assertStringIncludes(link.stderr, "symlink");
      assertEquals(await readArgv(argvFile), "", "ssh ran for a refused record");
    });
  },
);

Deno.test(
  "launch --target: a URI that is not one of the three forms is a usage error",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      for (
        const uri of ["http://x", "ssh://", "ssh://-oProxyCommand=x", "docker-run://Bad Image"]
      ) {
        const run = await env.csd(["launch", "--target", uri, "x1", "/tmp"]);
        assertEquals(run.code, 2, run.stderr);
        assertStringIncludes(run.stderr, "Invalid target");
      }
    } finally {
      await env.dispose();
    }
  },
);
