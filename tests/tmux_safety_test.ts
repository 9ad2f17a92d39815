/**
 * csd never acts on a pane that is not its worker's and hands tmux nothing it would run, against
 * the fake agent: a restarted tmux server hands `$0`/`%0` to newcomers (reliability review F1), a
 * cwd with `#(cmd)` is a tmux format (F2), the C locale mangles format output, stop makes sure
 * the harness died and says what it found (F13, F14), and no prompt lingers in a tmux buffer
 * (F18); converse's tmux calls before the confirmation stay three.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { eventually, exists, TestEnv } from "../kit/env.ts";
import { staleBufferNames } from "../lib/tmux.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** An interactive shell: whatever is typed into it and followed by Enter runs. */
const USER_SHELL = "bash --norc --noprofile -i";

function meta(env: TestEnv, name: string): Record<string, unknown> {
  return JSON.parse(Deno.readTextFileSync(`${env.workerDir}/${name}.meta.json`));
}

/** Starts a user's session on the test's server and returns its "$session %pane" ids. */
async function userSession(env: TestEnv, name: string) {
  const made = await env.tmux(
    "new-session",
    ...["-d", "-P", "-F", "#{session_id} #{pane_id}", "-s", name, "-x", "150", "-y", "40"],
    USER_SHELL,
  );
  assertEquals(made.code, 0, made.stderr);
  return made.stdout.trim();
}

/** The test's tmux server as csd records it. */
async function serverIdentity(env: TestEnv) {
  const [pid, start] = (await env.tmux("display-message", "-p", "#{pid} #{start_time}")).stdout
    .trim().split(" ");
  return { pid: Number(pid), start_time: Number(start) };
}

async function sessionAlive(env: TestEnv, name: string): Promise<boolean> {
  return (await env.tmux("has-session", "-t", `=${name}`)).code === 0;
}

/** Descendants of `root` (pids), read from /proc. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      parent.set(Number(entry.name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // Exited meanwhile.
    }
  }
  const found: number[] = [];
  const visit = (pid: number) => {
    for (const [child, ppid] of parent) {
      if (ppid === pid) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(root);
  return found;
}

/** True while `pid` runs (a zombie nobody reaps has ended). */
function running(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

Deno.test(
  "after a tmux server restart a user's shell holding %0 gets no prompt and is not killed",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await env.launch("w1");
      const ids = `${meta(env, "w1").tmux_session_id} ${meta(env, "w1").tmux_pane_id}`;
      await env.killServer(); // a crash, `kill-server`, the last session closed
      const user = await userSession(env, "mywork");
      assertEquals(user, ids, "the user's new session took the worker's old ids");
      assertEquals((await env.shim("w1", ["status"])).stdout, "gone\n");
      const marker = `${env.root}/EXECUTED-IN-USER-SHELL`;
      const send = await env.shim("w1", ["send", `touch ${marker}`], {
        env: { CSD_SUBMIT_TIMEOUT: "3" },
      });
      assertEquals(send.code, 1, send.stderr);
      assertStringIncludes(send.stderr, 'Worker "w1" is gone');
      const screen = (await env.tmux("capture-pane", "-p", "-t", "=mywork:")).stdout;
      assert(!screen.includes("EXECUTED"), screen);
      assert(!exists(marker), "the user's shell ran the prompt");
      assertStringIncludes((await env.csd(["list", "--all"])).stdout, "gone\tw1\t");
      const prune = await env.csd(["prune"]);
      assertEquals(prune.stdout, "pruned w1 (gone)\n");
      assert(await sessionAlive(env, "mywork"), "prune killed the user's session");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "a stale worker's send, stop and prune never reach the new worker that holds its ids",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await env.launch("w1");
      await env.killServer();
      await env.launch("w2");
      assertEquals(meta(env, "w2").tmux_pane_id, meta(env, "w1").tmux_pane_id);
      assertEquals(meta(env, "w2").tmux_session_id, meta(env, "w1").tmux_session_id);
      const send = await env.shim("w1", ["send", "stale-w1-prompt"], {
        env: { CSD_SUBMIT_TIMEOUT: "3" },
      });
      assertEquals(send.code, 1, send.stderr);
      const stop = await env.shim("w1", ["stop"]);
      assertEquals(stop.code, 0, stop.stderr);
      assertEquals(stop.stderr, "stopped w1 (already gone)\n");
      assertEquals((await env.csd(["prune"])).stdout, "");
      assert(await sessionAlive(env, "w2"), "w1's stop or prune killed w2");
      assertEquals(env.events("w2").filter((e) => e.event === "user_prompt_submit"), []);
      const run = await env.shim("w2", ["converse", "still mine", "30"]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, "fake reply: still mine\n");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "a session restored under the worker's name on a new server is not the worker",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await env.launch("w1");
      const recorded = meta(env, "w1");
      assertEquals(recorded.tmux_server, await serverIdentity(env));
      // A meta written before csd recorded the server's identity still drives its live worker;
      // it is judged by the server's age instead.
      const legacy = { ...recorded };
      delete legacy.tmux_server;
      Deno.writeTextFileSync(`${env.workerDir}/legacy.json`, JSON.stringify(legacy));
      Deno.copyFileSync(`${env.workerDir}/legacy.json`, `${env.workerDir}/w1.meta.json`);
      assertEquals((await env.shim("w1", ["converse", "old meta", "30"])).code, 0);
      assertEquals((await env.shim("w1", ["status"])).stdout, "idle\n");
      Deno.writeTextFileSync(`${env.workerDir}/w1.meta.json`, JSON.stringify(recorded));
      // The restart happens a second later than the launch, as any real one does: tmux's
      // start_time has whole seconds.
      const launchedSecond = Math.floor(Date.parse(recorded.created_at as string) / 1000);
      while (Math.floor(Date.now() / 1000) <= launchedSecond) {
        await new Promise((r) => setTimeout(r, 50));
      }
      // tmux-resurrect (or a user) brings back a session named w1 with the same ids.
      await env.killServer();
      const ids = await userSession(env, "w1");
      assertEquals(ids, `${recorded.tmux_session_id} ${recorded.tmux_pane_id}`);
      const marker = `${env.root}/EXECUTED`;
      for (const variant of ["recorded", "legacy"]) {
        if (variant === "legacy") {
          Deno.copyFileSync(`${env.workerDir}/legacy.json`, `${env.workerDir}/w1.meta.json`);
        }
        assertEquals((await env.shim("w1", ["status"])).stdout, "gone\n", variant);
        const send = await env.shim("w1", ["send", `touch ${marker}`]);
        assertEquals(send.code, 1, `${variant}: ${send.stderr}`);
        assert(!exists(marker), `${variant}: the restored shell ran the prompt`);
      }
      const handoff = await env.shim("w1", ["handoff"]);
      assertEquals(handoff.code, 1, "handoff must not send a human to the restored shell");
      assertEquals(handoff.stdout, "");
      const stop = await env.shim("w1", ["stop"]);
      assertEquals(stop.stderr, "stopped w1 (already gone)\n");
      assert(await sessionAlive(env, "w1"), "stop killed the restored session");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "a launch whose tmux server restarts before the worker is ready kills nothing of the newcomer",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ sessionStartDelayMs: 60_000 });
      const launching = env.csd(["launch", "slow", env.project], {
        env: { CSD_LAUNCH_TIMEOUT: "30" },
      });
      await eventually(() => exists(`${env.workerDir}/slow.meta.json`), 20_000, "the session");
      await env.killServer();
      await userSession(env, "mywork");
      const launch = await launching;
      assertEquals(launch.code, 1, launch.stderr);
      assertStringIncludes(launch.stderr, "the tmux pane closed");
      assert(await sessionAlive(env, "mywork"), "launch's cleanup killed the user's session");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("a meta naming another pane is never typed into or killed", opts, async () => {
  const env = await TestEnv.create();
  try {
    await env.launch("w1");
    const [sessionId, paneId] = (await userSession(env, "usershell")).split(" ");
    const path = `${env.workerDir}/w1.meta.json`;
    const planted = { ...meta(env, "w1"), tmux_session_id: sessionId, tmux_pane_id: paneId };
    Deno.writeTextFileSync(path, JSON.stringify(planted));
    const marker = `${env.root}/PWNED-by-send`;
    const send = await env.shim("w1", ["send", `touch ${marker}`]);
    assertEquals(send.code, 1, send.stderr);
    assert(!exists(marker), "the user's shell ran the prompt");
    const stop = await env.shim("w1", ["stop"]);
    assertEquals(stop.stderr, "stopped w1 (already gone)\n");
    assert(await sessionAlive(env, "usershell"), "stop killed the user's session");
    assert(!(await env.tmux("capture-pane", "-p", "-t", paneId!)).stdout.includes("/exit"));
  } finally {
    await env.dispose();
  }
});

Deno.test(
  "send refuses a worker whose events say its session ended, until a new session starts",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await env.launch("w1");
      const event = (name: string, extra: Record<string, string>) =>
        Deno.writeTextFileSync(
          `${env.workerDir}/w1.events.jsonl`,
          JSON.stringify({
            ts: new Date().toISOString(),
            event: name,
            harness: "claude",
            session_id: meta(env, "w1").session_id,
            launch: meta(env, "w1").launch_id,
            ...extra,
          }) + "\n",
          { append: true },
        );
      event("session_end", { reason: "other" });
      const send = await env.shim("w1", ["send", "anyone there"]);
      assertEquals(send.code, 1, send.stderr);
      assertStringIncludes(send.stderr, 'Worker "w1" has terminated (its session ended)');
      assertEquals(env.events("w1").filter((e) => e.event === "user_prompt_submit"), []);
      // Pi's /new and /reload, Claude's /clear: a new session in the same process.
      event("session_start", { source: "clear" });
      assertEquals((await env.shim("w1", ["converse", "new session", "30"])).code, 0);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "a cwd containing #(cmd) runs nothing on launch or adopt, and the worker works there",
  opts,
  async () => {
    const env = await TestEnv.create();
    const pwned = `${env.home}/PWNED`;
    try {
      const cwd = `${env.root}/proj#(touch ${pwned})`;
      Deno.mkdirSync(cwd, { recursive: true });
      env.trust(cwd);
      const launch = await env.csd(["launch", "fmt", cwd]);
      assertEquals(launch.code, 0, launch.stderr);
      const run = await env.shim("fmt", ["converse", "hello", "30"]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(env.events("fmt")[0]!.cwd, cwd);
      const path = await env.tmux("display-message", "-p", "-t", "=fmt:", "#{pane_current_path}");
      assertEquals(path.stdout.trim(), cwd);
      const sid = (await env.shim("fmt", ["session-id"])).stdout.trim();
      assertEquals((await env.shim("fmt", ["stop"])).code, 0);
      // adopt into an existing session respawns its pane (`respawn-pane -c`).
      await env.tmux("new-session", "-d", "-s", "ad1", "sleep 600");
      const adopt = await env.csd(["adopt", "ad1", cwd, sid]);
      assertEquals(adopt.code, 0, adopt.stderr);
      assertStringIncludes(adopt.stderr, "respawned in place");
      assertEquals(meta(env, "ad1").tmux_server, await serverIdentity(env));
      assertEquals((await env.shim("ad1", ["converse", "again", "30"])).code, 0);
      assert(!exists(pwned), "tmux ran the #() in the cwd");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("launch, converse and list work with the locale unset (C locale)", opts, async () => {
  const env = await TestEnv.create();
  try {
    const noLocale = { LANG: "", LC_ALL: "", LC_CTYPE: "" };
    const launch = await env.csd(["launch", "c1", env.project], { env: noLocale });
    assertEquals(launch.code, 0, launch.stderr);
    const run = await env.shim("c1", ["converse", "héllo ❯ wörld", "30"], { env: noLocale });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout, "fake reply: héllo ❯ wörld\n");
    assertMatch((await env.csd(["list"], { env: noLocale })).stdout, /^idle\tc1\t/m);
    assertEquals((await env.shim("c1", ["stop"], { env: noLocale })).code, 0);
  } finally {
    await env.dispose();
  }
});

Deno.test(
  "stop SIGKILLs a harness that survives /exit, the hangup and a closed terminal",
  opts,
  async () => {
    const env = await TestEnv.create();
    const leaked: number[] = [];
    try {
      env.script({ ignoreExit: true, ignoreHangup: true });
      await env.launch("stubborn");
      assertEquals((await env.shim("stubborn", ["converse", "hi", "30"])).code, 0);
      const panePid = Number(
        (await env.tmux("display-message", "-p", "-t", "=stubborn:", "#{pane_pid}")).stdout,
      );
      leaked.push(...descendants(panePid));
      assert(leaked.length > 0, "the harness runs under the pane");
      const stop = await env.shim("stubborn", ["stop"]);
      assertEquals(stop.code, 0, stop.stderr);
      assertMatch(
        stop.stderr,
        /^stopped stubborn \(killed; SIGKILLed \d+ process(es)? that outlived/,
      );
      assertEquals(leaked.filter(running), [], "harness processes survived stop");
    } finally {
      for (const pid of leaked.filter(running)) Deno.kill(pid, "SIGKILL");
      await env.dispose();
    }
  },
);

Deno.test("stop says when the worker was already gone or had already exited", opts, async () => {
  const env = await TestEnv.create();
  try {
    env.script({ rules: [{ match: "die", crash: 137 }] });
    await env.launch("gone");
    await env.launch("crashed");
    await env.tmux("kill-session", "-t", "=gone");
    assertEquals((await env.shim("crashed", ["converse", "die", "30"])).code, 3);
    assertEquals((await env.shim("gone", ["stop"])).stderr, "stopped gone (already gone)\n");
    assertEquals(
      (await env.shim("crashed", ["stop"])).stderr,
      "stopped crashed (already exited with status 137)\n",
    );
    assertEquals(await sessionAlive(env, "crashed"), false);
  } finally {
    await env.dispose();
  }
});

Deno.test(
  "a send killed right after tmux load-buffer leaves no buffer holding the prompt",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await env.launch("w1");
      // SIGKILLs the calling csd right after the subcommand named in KILL_AFTER.
      const path = await tmuxWrapped(
        env,
        `for a in "$@"; do [ "$a" = "$KILL_AFTER" ] && kill -9 $PPID; done`,
      );
      const send = await env.shim("w1", ["send", "LOADED-NOT-PASTED"], {
        env: { PATH: path, KILL_AFTER: "load-buffer" },
      });
      assertEquals(send.code, 137, send.stderr);
      assertEquals((await env.tmux("list-buffers", "-F", "#{buffer_name}")).stdout, "");
      const run = await env.shim("w1", ["converse", "the next prompt", "30"]);
      assertEquals(run.stdout, "fake reply: the next prompt\n");
    } finally {
      await env.dispose();
    }
  },
);

/**
 * A PATH whose `tmux` runs the real one, then `after` (sh, with the call's "$@" and the real
 * exit status in $rc), and exits with that status.
 */
async function tmuxWrapped(env: TestEnv, after: string): Promise<string> {
  const realTmux = new TextDecoder().decode(
    (await new Deno.Command("sh", { args: ["-c", "command -v tmux"] }).output()).stdout,
  ).trim();
  const wrap = `${env.root}/tmuxwrap`;
  Deno.mkdirSync(wrap, { recursive: true });
  Deno.writeTextFileSync(
    `${wrap}/tmux`,
    `#!/bin/sh\n'${realTmux}' "$@"; rc=$?\n${after}\nexit $rc\n`,
    { mode: 0o755 },
  );
  return `${wrap}:${Deno.env.get("PATH")}`;
}

Deno.test("converse reaches its prompt's confirmation with three tmux calls", opts, async () => {
  // Each tmux call is a process start on converse's path: pane lookup, screen check, buffer
  // listing, paste and Enter were five, about 25 ms of what converse added to a turn. Enter
  // stays a call of its own (see submitPrompt).
  const env = await TestEnv.create();
  try {
    await env.launch("w1");
    const log = `${env.root}/tmux-calls.log`;
    const path = await tmuxWrapped(env, `printf '%s\\n' "$*" >>'${log}'`);
    const run = await env.shim("w1", ["converse", "count the calls", "30"], {
      env: { PATH: path },
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout, "fake reply: count the calls\n");
    const calls = Deno.readTextFileSync(log).trim().split("\n").map(subcommands);
    assertEquals(calls.slice(0, 3), [
      ["display-message", "capture-pane"],
      ["list-buffers", "load-buffer", "paste-buffer"],
      ["send-keys"],
    ]);
  } finally {
    await env.dispose();
  }
});

/** The tmux subcommands of one logged call (`-u -L <socket> sub args… ; sub args…`). */
function subcommands(call: string): string[] {
  const words = call.split(" ");
  const names: string[] = [];
  let at = words[0] === "-u" ? 1 : 0;
  if (words[at] === "-L") at += 2;
  names.push(words[at]!);
  words.forEach((word, i) => {
    if (word === ";" && i + 1 < words.length) names.push(words[i + 1]!);
  });
  return names;
}

Deno.test("stale csd buffers are those older than a minute, never foreign ones", () => {
  const now = 1_000_000;
  const listing = [
    `csd-a\t${now - 3600}`,
    `csd-b\t${now - 5}`,
    `buffer0\t${now - 3600}`,
    `mine\t${now - 3600}`,
    "",
  ].join("\n");
  assertEquals(staleBufferNames(listing, now), ["csd-a"]);
});
