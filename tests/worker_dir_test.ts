/** The worker dir's safety checks, and readers meeting half-written files. */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { eventually, exists, TestEnv } from "../kit/env.ts";
import { CsdError, fsErrorToCsdError } from "../lib/cli/errors.ts";
import { readMeta, writeMeta } from "../lib/worker/meta.ts";
import type { WorkerMeta } from "../lib/schema.ts";
import { LineCursor, readEventsFrom, readLinesFrom } from "../lib/events/jsonl.ts";
import { parseEventLine } from "../lib/schema.ts";
import { statusFromEvents } from "../lib/events/query.ts";
import { absolutePath } from "../lib/paths.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "launch refuses a worker dir that is a symlink elsewhere or owned by another user",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      Deno.mkdirSync(`${env.root}/elsewhere`);
      Deno.symlinkSync(`${env.root}/elsewhere`, env.workerDir);
      const linked = await env.csd(["launch", "w", env.project]);
      assertEquals(linked.code, 1);
      assertStringIncludes(linked.stderr, "it is a symlink to");
      assertEquals(
        [...Deno.readDirSync(`${env.root}/elsewhere`)].length,
        0,
        "nothing written there",
      );
      Deno.removeSync(env.workerDir);

      if (Deno.uid() === 0) {
        Deno.mkdirSync(env.workerDir, { mode: 0o700 });
        Deno.chownSync(env.workerDir, 4242, 4242);
        const foreign = await env.csd(["launch", "w", env.project]);
        assertEquals(foreign.code, 1);
        assertStringIncludes(foreign.stderr, "owned by uid 4242");
        Deno.removeSync(env.workerDir);
      }
      // A fresh one is created private, with its subfolders.
      Deno.mkdirSync(env.workerDir, { mode: 0o777 });
      Deno.chmodSync(env.workerDir, 0o777);
      assertEquals((await env.csd(["launch", "w", env.project])).code, 0);
      assertEquals(Deno.statSync(env.workerDir).mode! & 0o777, 0o700, "tightened to 0700");
      assertEquals(Deno.statSync(`${env.workerDir}/w.meta.json`).mode! & 0o777, 0o600);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("readers take only complete lines: a half-written last line waits for its newline", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/w.events.jsonl`;
    const stop = JSON.stringify({ ts: "t", event: "stop" });
    Deno.writeTextFileSync(path, JSON.stringify({ ts: "t", event: "user_prompt_submit" }) + "\n");
    Deno.writeTextFileSync(path, stop.slice(0, 10), { append: true });
    assertEquals(readEventsFrom(path).map((e) => e.event.event), ["user_prompt_submit"]);
    assertEquals(statusFromEvents(readEventsFrom(path).map((e) => e.event)), "working");
    const cursor = new LineCursor(path, 0);
    assertEquals(cursor.next().length, 1);
    assertEquals(cursor.next().length, 0, "the torn line is not consumed");
    Deno.writeTextFileSync(path, stop.slice(10) + "\n", { append: true });
    const rest = cursor.next();
    assertEquals(rest.length, 1);
    assertEquals(parseEventLine(rest[0]!.text)?.event, "stop");
    assertEquals(readLinesFrom(`${dir}/missing`, 0), []);
    assertEquals(parseEventLine("{not json"), undefined);
    assertEquals(parseEventLine('{"ts":"t","event":"bogus"}'), undefined);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("statusFromEvents(): session_start never hides a running turn", () => {
  const e = (event: string) => ({ ts: "t", event }) as never;
  assertEquals(statusFromEvents([e("session_start")]), "idle");
  assertEquals(statusFromEvents([e("user_prompt_submit"), e("session_start")]), "working");
  assertEquals(statusFromEvents([e("stop"), e("notification")]), "idle");
  assertEquals(statusFromEvents([e("stop_failure")]), "idle");
  assertEquals(statusFromEvents([e("session_end")]), "terminated");
  assertEquals(statusFromEvents([]), undefined);
  assert(
    statusFromEvents([e("user_prompt_submit"), e("subagent_stop")]) === "working",
    "a subagent's stop ends no turn",
  );
});

/** Rewrites fields of a worker's meta in place, as a corrupting or hostile writer would. */
function patchMeta(env: TestEnv, name: string, patch: Record<string, unknown>): void {
  const path = `${env.workerDir}/${name}.meta.json`;
  const meta = JSON.parse(Deno.readTextFileSync(path));
  Deno.writeTextFileSync(path, JSON.stringify({ ...meta, ...patch }));
}

/** One `error: …` line and nothing else: no stack, no multi-line dump. */
function assertOneLine(stderr: string, ...expected: string[]): void {
  assertEquals(stderr.trimEnd().split("\n").length, 1, `one line expected:\n${stderr}`);
  assert(!stderr.includes("    at "), `no stack trace:\n${stderr}`);
  for (const text of expected) assertStringIncludes(stderr, text);
}

Deno.test(
  "a meta whose name climbs out of the worker dir is refused: stop and prune delete nothing outside",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await env.launch("w1");
      await env.launch("w2");
      for (const victim of ["victim", "victim2"]) {
        Deno.mkdirSync(`${env.root}/${victim}`);
        Deno.writeTextFileSync(`${env.root}/${victim}/keep.txt`, "keep");
      }
      // homes/../../victim is <root>/victim.
      patchMeta(env, "w1", { name: "../../victim" });
      patchMeta(env, "w2", { name: "../../victim2" });
      await env.tmux("kill-session", "-t", "=w2");

      const stop = await env.shim("w1", ["stop"]);
      assertEquals(stop.code, 1, stop.stderr);
      assertOneLine(stop.stderr, `${env.workerDir}/w1.meta.json`, '"name"');
      assert(exists(`${env.root}/victim/keep.txt`), "stop deleted a folder outside the dir");
      assertEquals((await env.tmux("has-session", "-t", "=w1")).code, 0, "w1 left running");

      const prune = await env.csd(["prune"]);
      assertEquals(prune.code, 0, prune.stderr);
      assert(exists(`${env.root}/victim2/keep.txt`), "prune deleted a folder outside the dir");
      assertStringIncludes(prune.stderr, `${env.workerDir}/w2.meta.json`);
      assert(exists(`${env.workerDir}/w2.meta.json`), "a bad meta is reported, not acted on");

      const list = await env.csd(["list", "--all"]);
      assertEquals(list.code, 0, list.stderr);
      assert(!list.stdout.includes("victim"), list.stdout);
      assertStringIncludes(list.stderr, `${env.workerDir}/w1.meta.json`);
      assertStringIncludes(list.stderr, `${env.workerDir}/w2.meta.json`);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("a meta's tmux socket label cannot reach another tmux server", opts, async () => {
  const env = await TestEnv.create();
  const evil = `${env.root}/evil.sock`;
  const evilTmux = (...args: string[]) =>
    new Deno.Command("tmux", { args: ["-S", evil, ...args], stdout: "piped", stderr: "piped" })
      .output();
  try {
    await env.launch("task");
    // The attacker's server: a pane that shows whatever is typed into it.
    await evilTmux("new-session", "-d", "-s", "task", "cat");
    const ids = new TextDecoder().decode(
      (await evilTmux("list-panes", "-a", "-F", "#{session_id} #{pane_id}")).stdout,
    ).trim().split(" ");
    // tmux puts -L labels in /tmp/tmux-<uid>/ and follows "..": this label is the evil socket.
    patchMeta(env, "task", {
      tmux_socket: `../..${evil}`,
      tmux_session_id: ids[0],
      tmux_pane_id: ids[1],
    });
    const send = await env.shim("task", ["send", "SECRET hunter2"], {
      env: { CSD_SUBMIT_TIMEOUT: "2" },
    });
    const screen = new TextDecoder().decode((await evilTmux("capture-pane", "-p")).stdout);
    assert(!screen.includes("hunter2"), `the prompt reached the planted server:\n${screen}`);
    assertEquals(send.code, 1, send.stderr);
    assertOneLine(send.stderr, `${env.workerDir}/task.meta.json`, '"tmux_socket"');
    // Launch never writes a label readers would refuse.
    const launch = await env.csd(["launch", "other", env.project], {
      env: { CSD_TMUX_SOCKET: `../..${evil}` },
    });
    assertEquals(launch.code, 2, launch.stderr);
    assertStringIncludes(launch.stderr, "Invalid CSD_TMUX_SOCKET");
    assert(!exists(`${env.workerDir}/other.meta.json`));
  } finally {
    await evilTmux("kill-server");
    await env.dispose();
  }
});

Deno.test(
  "readers refuse a worker dir (or bin/, homes/, tmp/, a meta) owned by another user or writable by others",
  opts,
  async () => {
    // CI runs as root; only root can hand a folder to another uid.
    assert(Deno.uid() === 0, "this test needs root to create files owned by another user");
    const env = await TestEnv.create();
    const other = 4242;
    try {
      await env.launch("w1");
      const readers = [
        ["list"],
        ["--worker", "w1", "status"],
        ["--worker", "w1", "send", "hello"],
        ["prune"],
      ];
      const refusedBy = async (what: string, path: string, expected: string) => {
        for (const args of readers) {
          const run = await env.csd(args);
          assertEquals(run.code, 1, `${what}: csd ${args.join(" ")}: ${run.stdout}${run.stderr}`);
          assertOneLine(run.stderr, path, expected);
        }
      };

      Deno.chownSync(env.workerDir, other, other);
      await refusedBy("dir owned by another user", env.workerDir, `owned by uid ${other}`);
      Deno.chownSync(env.workerDir, 0, 0);

      Deno.chmodSync(env.workerDir, 0o770);
      await refusedBy("group-writable dir", env.workerDir, "writable by group or others");
      Deno.chmodSync(env.workerDir, 0o700);

      for (const sub of ["bin", "homes", "tmp"]) {
        Deno.chownSync(`${env.workerDir}/${sub}`, other, other);
        await refusedBy(`${sub}/ of another user`, `${env.workerDir}/${sub}`, `uid ${other}`);
        Deno.chownSync(`${env.workerDir}/${sub}`, 0, 0);
      }

      // Planted before launch tightened the dir: the file keeps its owner.
      Deno.chownSync(`${env.workerDir}/w1.meta.json`, other, other);
      const status = await env.csd(["--worker", "w1", "status"]);
      assertEquals(status.code, 1);
      assertOneLine(status.stderr, `${env.workerDir}/w1.meta.json`, `owned by uid ${other}`);
      Deno.chownSync(`${env.workerDir}/w1.meta.json`, 0, 0);

      // Readable by others is allowed (names only: the files inside are private).
      Deno.chmodSync(env.workerDir, 0o755);
      assertEquals((await env.csd(["--worker", "w1", "status"])).stdout, "idle\n");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "prune skips, and reports, a live worker with a corrupt meta and a meta-less name whose tmux session runs",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await env.launch("w1");
      Deno.writeTextFileSync(`${env.workerDir}/w1.meta.json`, "{not json");
      // Files of a name without a meta, whose tmux session is not csd's: not proven dead.
      Deno.writeTextFileSync(`${env.workerDir}/mine.events.jsonl`, "{}\n");
      await env.tmux("new-session", "-d", "-s", "mine", "sleep 600");

      const prune = await env.csd(["prune"]);
      assertEquals(prune.code, 0, prune.stderr);
      assertEquals(prune.stdout, "");
      assertStringIncludes(prune.stderr, `${env.workerDir}/w1.meta.json`);
      assertStringIncludes(prune.stderr, '"mine"');
      for (const file of ["w1.meta.json", "w1.events.jsonl", "bin/w1", "mine.events.jsonl"]) {
        assert(exists(`${env.workerDir}/${file}`), `prune removed ${file}`);
      }
      assertEquals((await env.tmux("has-session", "-t", "=w1")).code, 0);
      assertEquals((await env.tmux("has-session", "-t", "=mine")).code, 0);
    } finally {
      await env.dispose();
    }
  },
);

/** Wipes the worker dir once `ready` holds; the running converse must fail at once, exit 1. */
async function wipeDuring(
  env: TestEnv,
  converse: Promise<{ code: number; stderr: string }>,
  ready: () => boolean | Promise<boolean>,
): Promise<void> {
  await eventually(ready, 10_000, "converse to be under way");
  Deno.removeSync(env.workerDir, { recursive: true });
  const run = await converse;
  assertEquals(run.code, 1, run.stderr);
  assertOneLine(run.stderr, "w1", "gone");
}

Deno.test(
  "worker dir wiped mid-turn: converse fails fast, list --all shows the orphan, prune kills it",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "slow", delayMs: 60_000, text: "late" }] });
      const shim = await env.launch("w1");
      await env.tmux("new-session", "-d", "-s", "bystander", "sleep 600");
      await wipeDuring(
        env,
        env.exec(shim, ["converse", "slow one", "30"]),
        () => env.events("w1").some((e) => e.event === "user_prompt_submit"),
      );

      assertEquals((await env.csd(["list"])).stdout.includes("w1"), false);
      const list = await env.csd(["list", "--all"]);
      assertEquals(list.code, 0, list.stderr);
      assertStringIncludes(list.stdout, "orphaned\tw1");
      assert(!list.stdout.includes("bystander"), list.stdout);

      const prune = await env.csd(["prune"]);
      assertEquals(prune.code, 0, prune.stderr);
      assertStringIncludes(prune.stdout, "killed orphaned tmux session w1");
      assert((await env.tmux("has-session", "-t", "=w1")).code !== 0, "the orphan was killed");
      assertEquals((await env.tmux("has-session", "-t", "=bystander")).code, 0);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "worker dir wiped before the prompt is confirmed: converse fails fast, not after the submit timeout",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ ignoreEnters: 1000 });
      const shim = await env.launch("w1");
      const converse = env.exec(shim, ["converse", "never confirmed", "30"], {
        env: { CSD_SUBMIT_TIMEOUT: "30", CSD_SUBMIT_RETRY_INTERVAL: "0.3" },
      });
      // The prompt sits in the box, unconfirmed.
      await wipeDuring(
        env,
        converse,
        async () => (await env.tmux("capture-pane", "-p", "-t", "=w1:")).stdout.includes("never"),
      );
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("a relative CSD_WORKER_DIR is made absolute", opts, async () => {
  const env = await TestEnv.create();
  try {
    // env.exec runs in env.root, so "workers" is env.workerDir.
    const run = await env.csd(["launch", "rel", env.project], {
      env: { CSD_WORKER_DIR: "workers" },
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout.trim(), `${env.workerDir}/bin/rel`);
    assertStringIncludes(Deno.readTextFileSync(`${env.workerDir}/bin/rel`), env.workerDir);
    assertEquals((await env.shim("rel", ["converse", "hi", "30"])).stdout, "fake reply: hi\n");
  } finally {
    await env.dispose();
  }
});

Deno.test(
  "one-line errors: worker dir is a file, wrong-shape meta, file system errors",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      Deno.writeTextFileSync(env.workerDir, "not a dir");
      for (const args of [["--worker", "f1", "status"], ["list"], ["prune"]]) {
        const run = await env.csd(args);
        assertEquals(run.code, 1, args.join(" "));
        assertOneLine(run.stderr, env.workerDir, "not a directory");
      }
      Deno.removeSync(env.workerDir);
      Deno.mkdirSync(env.workerDir, { mode: 0o700 });
      Deno.writeTextFileSync(`${env.workerDir}/w.meta.json`, '{"version":2}');
      const status = await env.csd(["--worker", "w", "status"]);
      assertEquals(status.code, 1);
      assertOneLine(status.stderr, `${env.workerDir}/w.meta.json`, '"version"');
    } finally {
      await env.dispose();
    }
    for (
      const write of [
        () => Deno.writeTextFileSync("/dev/full", "x"),
        () => Deno.readTextFileSync("/dev/null/x"),
      ]
    ) {
      let thrown: unknown;
      try {
        write();
      } catch (error) {
        thrown = error;
      }
      const mapped = fsErrorToCsdError(thrown);
      assert(mapped, `not mapped: ${thrown}`);
      assertEquals(mapped.exitCode, 1);
      assert(!mapped.message.includes("\n"), mapped.message);
      assertMatch(mapped.message, /^Cannot (write|read) "\/dev\/(full|null\/x)": [a-z]/);
    }
  },
);

Deno.test("readMeta() refuses a meta field that would steer csd elsewhere", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const good: WorkerMeta = {
      version: 1,
      name: "w",
      harness: "codex",
      session_id: null,
      cwd: "/srv/project",
      tmux_socket: "csd-test.1",
      tmux_session_id: "$3",
      tmux_pane_id: "%7",
      events_file: `${dir}/w.events.jsonl`,
      transcript_path: null,
      home: "/root",
      harness_args: [],
      reproduce: "csd launch w /srv/project",
      created_at: "2026-12-01T00:00:00Z",
      adopted: false,
      ready: true,
      harness_home: `${dir}/homes/w`,
    };
    writeMeta(good, dir);
    assertEquals(readMeta("w", dir), good);
    const bad: [keyof WorkerMeta, unknown][] = [
      ["name", "../../victim"],
      ["tmux_socket", "../../tmp/x/evil.sock"],
      ["tmux_socket", ".."],
      ["tmux_session_id", "=victim"],
      ["tmux_pane_id", "victim:0.0"],
      ["events_file", "/etc/passwd"],
      ["harness_home", `${dir}/homes/../../victim`],
      ["transcript_path", "relative/t.jsonl"],
      ["transcript_path", "/x/../etc/shadow"],
      ["cwd", "project"],
      ["version", 2],
    ];
    for (const [field, value] of bad) {
      Deno.writeTextFileSync(`${dir}/w.meta.json`, JSON.stringify({ ...good, [field]: value }));
      let message = "";
      try {
        readMeta("w", dir);
      } catch (error) {
        assert(error instanceof CsdError, String(error));
        message = error.message;
      }
      assertStringIncludes(message, `${dir}/w.meta.json`);
      assertStringIncludes(message, `field "${field}"`);
      assert(!message.includes("\n"), message);
    }
    assertEquals(readMeta("absent", dir), null);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("absolutePath() resolves like POSIX path.resolve", () => {
  const cwd = Deno.cwd();
  assertEquals(absolutePath("/a/./b/../c/"), "/a/c");
  assertEquals(absolutePath("/../x"), "/x");
  assertEquals(absolutePath("rel/d"), `${cwd === "/" ? "" : cwd}/rel/d`);
  assertEquals(absolutePath(".."), cwd.split("/").slice(0, -1).join("/") || "/");
});
