/**
 * Several workers, recovery and isolation, against the fake agent: parallel workers, adopt after
 * a reboot and in place, prune, the worker's environment, prompts that must arrive intact.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { eventually, exists, TestEnv } from "../kit/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function transcriptPrompts(env: TestEnv, name: string): string[] {
  const path = env.events(name).find((e) => e.transcript_path)!.transcript_path as string;
  return Deno.readTextFileSync(path).split("\n").filter(Boolean).map((l) => JSON.parse(l))
    .filter((e) => e.type === "user" && typeof e.message?.content === "string")
    .map((e) => e.message.content as string);
}

Deno.test(
  "four workers launched and conversing in parallel each get their own replies",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      const names = ["p1", "p2", "p3", "p4"];
      const launches = await Promise.all(names.map((n) => env.csd(["launch", n, env.project])));
      launches.forEach((run, i) => assertEquals(run.code, 0, `${names[i]}: ${run.stderr}`));
      for (const round of [1, 2]) {
        const replies = await Promise.all(
          names.map((n) => env.shim(n, ["converse", `task ${round} for ${n}`, "60"])),
        );
        replies.forEach((run, i) => {
          assertEquals(run.code, 0, run.stderr);
          assertEquals(run.stdout, `fake reply: task ${round} for ${names[i]}\n`);
        });
      }
      for (const n of names) {
        const prompts = env.events(n).filter((e) => e.event === "user_prompt_submit");
        assertEquals(prompts.map((e) => e.prompt), [`task 1 for ${n}`, `task 2 for ${n}`]);
      }
      const list = (await env.csd(["list"])).stdout.trim().split("\n");
      assertEquals(list.length, 5);
      assertEquals((await env.csd(["list", "p3"])).stdout.trim().split("\n").length, 2);
      await Promise.all(names.map((n) => env.shim(n, ["stop"])));
      assertEquals((await env.csd(["list", "--all"])).stdout.trim().split("\n").length, 1);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "prompts arrive intact: multi-line, quoted, unicode, 20 KB, leading / and !",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await env.launch("intact");
      const block = `He said "it's \\$HOME" & left; ünïcödé ✓ 日本語 🚀\n` +
        `  indented line with 'quotes' and \`ticks\`\n`;
      const big = Array.from({ length: 260 }, (_, i) => `${i}: ${block}`).join("");
      assert(big.length > 20_000);
      const prompts = ["line one\nline two\n\nline four", block.trim(), big.trimEnd()];
      for (const prompt of prompts) {
        const run = await env.shim("intact", ["converse", prompt, "60"]);
        assertEquals(run.code, 0, run.stderr);
      }
      // Through stdin too (for prompts too long for a command line).
      const viaStdin = await env.shim("intact", ["converse", "-", "60"], {
        stdin: "from stdin\nok",
      });
      assertEquals(viaStdin.code, 0, viaStdin.stderr);
      assertEquals(transcriptPrompts(env, "intact"), [...prompts, "from stdin\nok"]);

      for (const text of ["/compact this please", "!echo not a shell"]) {
        const run = await env.shim("intact", ["converse", text, "30"]);
        assertEquals(run.code, 0, `${text}: ${run.stderr}`);
        const last = env.events("intact").filter((e) => e.event === "user_prompt_submit").at(-1);
        assertEquals((last!.prompt as string).trim(), text, "delivered as a prompt, not a command");
      }
      // A real harness command goes through send --command and fires no prompt event.
      const before = env.events("intact").length;
      const command = await env.shim("intact", ["send", "--command", "/frobnicate"]);
      assertEquals(command.code, 0, command.stderr);
      assertEquals(env.events("intact").length, before);
    } finally {
      await env.dispose();
    }
  },
);

const MULTI_LINE = "line one\nline two\n\nline four";

/** Converses MULTI_LINE and checks it reached the worker as one prompt. */
async function assertMultiLineArrivesWhole(env: TestEnv, name: string): Promise<void> {
  const run = await env.shim(name, ["converse", MULTI_LINE, "30"]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.stdout, `fake reply: ${MULTI_LINE}\n`);
  assertEquals(transcriptPrompts(env, name), [MULTI_LINE]);
}

Deno.test(
  "launch waits for a screen drawn after session_start (Claude 2.1.332); a multi-line prompt " +
    "sent at once arrives whole",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ mountAfterSessionStartMs: 1000 });
      await env.launch("late");
      const screen = await env.tmux("capture-pane", "-p", "-t", "=late:");
      assertStringIncludes(screen.stdout, "\u276f\u00a0", "the input line is drawn");
      await assertMultiLineArrivesWhole(env, "late");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "a multi-line prompt arrives whole while the pane's bracketed-paste mode is off",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await env.launch("off");
      await env.bracketedPasteOff("off");
      await assertMultiLineArrivesWhole(env, "off");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("a subagent's stop is not the end of the turn", opts, async () => {
  const env = await TestEnv.create();
  try {
    env.script({ rules: [{ match: "delegate", subagent: true, delayMs: 400, text: "main done" }] });
    await env.launch("boss");
    const run = await env.shim("boss", ["converse", "delegate it", "30"]);
    assertEquals(run.stdout, "main done\n");
    const types = env.events("boss").map((e) => e.event);
    assert(types.indexOf("subagent_stop") < types.lastIndexOf("stop"), types.join(","));
  } finally {
    await env.dispose();
  }
});

Deno.test(
  "a prompt sent while a turn runs is queued; converse returns its own reply",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "slow", text: "slow reply", delayMs: 1500 }] });
      await env.launch("queue");
      assertEquals((await env.shim("queue", ["send", "slow first"])).code, 0);
      const second = await env.shim("queue", ["converse", "second prompt", "30"]);
      assertEquals(second.code, 0, second.stderr);
      assertEquals(second.stdout, "fake reply: second prompt\n");
      const stops = env.events("queue").filter((e) => e.event === "stop");
      assertEquals(stops.map((e) => e.last_assistant_message), [
        "slow reply",
        "fake reply: second prompt",
      ]);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("stop during a running turn still quits and cleans up", opts, async () => {
  const env = await TestEnv.create();
  try {
    env.script({ rules: [{ match: "forever", text: "never", delayMs: 120_000 }] });
    await env.launch("busy");
    await env.shim("busy", ["send", "run forever"]);
    assertEquals((await env.shim("busy", ["status"])).stdout, "working\n");
    const stop = await env.shim("busy", ["stop"]);
    assertEquals(stop.code, 0, stop.stderr);
    assertEquals((await env.tmux("has-session", "-t", "=busy")).code !== 0, true);
    assertEquals((await env.csd(["list", "--all"])).stdout.trim().split("\n").length, 1);
  } finally {
    await env.dispose();
  }
});

Deno.test(
  "adopt after a reboot (tmux and worker dir gone) continues the conversation",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await env.launch("phoenix");
      assertEquals(
        (await env.shim("phoenix", ["converse", "remember the word kiwi", "30"])).code,
        0,
      );
      const sid = (await env.shim("phoenix", ["session-id"])).stdout.trim();
      // The reboot: tmux server and /tmp state gone; only ~/.claude survives.
      await env.tmux("kill-server");
      await Deno.remove(env.workerDir, { recursive: true });

      const bad = await env.csd([
        "adopt",
        "phoenix",
        env.project,
        "00000000-0000-0000-0000-000000000000",
      ]);
      assertEquals(bad.code, 1);
      assertStringIncludes(bad.stderr, "No claude transcript for session");

      const adopt = await env.csd(["adopt", "phoenix", env.project, sid]);
      assertEquals(adopt.code, 0, adopt.stderr);
      assertEquals(adopt.stdout, `${env.workerDir}/bin/phoenix\n`);
      assertStringIncludes(adopt.stderr, "Worker adopted.");
      assertEquals((await env.shim("phoenix", ["session-id"])).stdout.trim(), sid);
      assertEquals(env.events("phoenix")[0]!.source, "resume");
      const run = await env.shim("phoenix", ["converse", "what was the word", "30"]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(transcriptPrompts(env, "phoenix"), [
        "remember the word kiwi",
        "what was the word",
      ]);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("adopt respawns a tmux session restored under the same name in place", opts, async () => {
  const env = await TestEnv.create();
  try {
    await env.launch("resurrected");
    await env.shim("resurrected", ["converse", "first life", "30"]);
    const sid = (await env.shim("resurrected", ["session-id"])).stdout.trim();
    await env.shim("resurrected", ["stop"]);
    // tmux-resurrect restored the session (running a plain shell) before csd knew about it.
    const made = await env.tmux(
      "new-session",
      "-d",
      "-P",
      "-F",
      "#{session_id}",
      "-s",
      "resurrected",
      "sh",
    );
    const sessionId = made.stdout.trim();
    const adopt = await env.csd(["adopt", "resurrected", env.project, sid]);
    assertEquals(adopt.code, 0, adopt.stderr);
    assertStringIncludes(adopt.stderr, "respawned in place");
    const meta = JSON.parse(Deno.readTextFileSync(`${env.workerDir}/resurrected.meta.json`));
    assertEquals(meta.tmux_session_id, sessionId, "same tmux session, layout kept");
    assertEquals((await env.shim("resurrected", ["converse", "second life", "30"])).code, 0);
  } finally {
    await env.dispose();
  }
});

Deno.test(
  "list --all shows gone workers; prune removes dead workers and orphans only",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "die", crash: 1 }] });
      await Promise.all(["alive", "killed", "crashed"].map((n) => env.launch(n)));
      await env.tmux("kill-session", "-t", "=killed");
      await env.shim("crashed", ["converse", "die", "30"]);
      // Leftovers of some earlier crash.
      Deno.writeTextFileSync(`${env.workerDir}/ghost.events.jsonl`, "{}\n");
      Deno.writeTextFileSync(`${env.workerDir}/bin/ghost`, "#!/bin/sh\n");
      Deno.mkdirSync(`${env.workerDir}/homes/ghost`);

      const list = (await env.csd(["list"])).stdout;
      assert(!list.includes("killed"), list);
      assertStringIncludes(list, "terminated\tcrashed");
      assertStringIncludes((await env.csd(["list", "--all"])).stdout, "gone\tkilled");

      const prune = await env.csd(["prune"]);
      assertEquals(prune.code, 0, prune.stderr);
      assertEquals(prune.stdout.trim().split("\n").sort(), [
        "pruned crashed (terminated)",
        "pruned killed (gone)",
        "removed orphaned files of ghost",
      ]);
      const remaining = [...Deno.readDirSync(env.workerDir)].map((e) => e.name).sort();
      assertEquals(remaining, [
        "alive.events.jsonl",
        "alive.meta.json",
        "alive.settings.json",
        "bin",
        "homes",
        "tmp",
      ]);
      assertEquals((await env.shim("alive", ["status"])).stdout, "idle\n");
      assertEquals((await env.tmux("has-session", "-t", "=crashed")).code !== 0, true);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "the worker gets the controller's environment, scrubbed, and no secret on a command line",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      const dump = `${env.root}/worker-env.txt`;
      env.script({ rules: [{ match: "env", tool: { command: `env > ${dump}` }, text: "dumped" }] });
      // The tmux server was started long ago with stale settings in its global environment.
      await env.tmux("new-session", "-d", "-s", "keeper", "sleep 600");
      await env.tmux("set-environment", "-g", "CLAUDE_CODE_USE_BEDROCK", "1");
      await env.tmux("set-environment", "-g", "STALE_FROM_TMUX", "1");
      const secret = "sk-secret-do-not-leak-1234567890";
      const controller = {
        CLAUDECODE: "1",
        CLAUDE_CODE_SESSION_ID: "controller-session",
        CLAUDE_CODE_CHILD_SESSION: "1",
        CLAUDE_CODE_SSE_PORT: "12345",
        CLAUDE_CODE_USE_VERTEX: "1",
        ANTHROPIC_API_KEY: secret,
        CONTROLLER_ONLY: "yes it's here",
      };
      const shim = await env.launch("clean", [], controller);
      const ps = new TextDecoder().decode(
        (await new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" }).output()).stdout,
      );
      assert(!ps.includes(secret), "the API key is on no command line");
      assertEquals(
        (await env.exec(shim, ["converse", "dump env", "30"], { env: controller })).code,
        0,
      );
      const vars = new Map(
        Deno.readTextFileSync(dump).split("\n").filter((l) => l.includes("=")).map((l) => {
          const at = l.indexOf("=");
          return [l.slice(0, at), l.slice(at + 1)] as [string, string];
        }),
      );
      assertEquals(vars.get("ANTHROPIC_API_KEY"), secret);
      assertEquals(vars.get("CONTROLLER_ONLY"), "yes it's here");
      assertEquals(vars.get("CLAUDE_CODE_USE_BEDROCK"), "", "stale selector pinned empty");
      assertEquals(
        vars.get("CLAUDE_CODE_USE_VERTEX"),
        "1",
        "the controller's own selector is kept",
      );
      assertEquals(vars.has("STALE_FROM_TMUX"), false);
      assertEquals(vars.get("CLAUDE_CODE_CHILD_SESSION"), undefined);
      assertEquals(vars.get("CLAUDE_CODE_SSE_PORT"), undefined);
      // The fake sets CLAUDECODE / CLAUDE_CODE_SESSION_ID for its tools itself, like the real one.
      assert(vars.get("CLAUDE_CODE_SESSION_ID") !== "controller-session");
      assertEquals(vars.get("CSD_WORKER"), "clean");
      await eventually(
        () => {
          try {
            Deno.statSync(`${env.workerDir}/clean.start.sh`);
            return false;
          } catch {
            return true;
          }
        },
        5000,
        "the start script to delete itself",
      );
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "a prompt that rebuilds a paste end marker arrives as text; the worker survives (F3)",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await env.launch("inject");
      // A one-pass strip of the markers turned `\x1b[20\x1b[201~1~` into a paste end: the
      // rest was typed as keys (Ctrl-U, /exit, Enter) and quit the worker.
      const attack = "TAG hi \x1b[20\x1b[201~1~\x15/exit\r";
      const run = await env.shim("inject", ["converse", "-", "30"], { stdin: attack });
      assertEquals(run.code, 0, run.stderr);
      const delivered = "TAG hi \u241b[20\u241b[201~1~\u2415/exit";
      assertEquals(run.stdout, `fake reply: ${delivered}\n`);
      const prompts = env.events("inject").filter((e) => e.event === "user_prompt_submit");
      assertEquals(prompts.map((e) => e.prompt), [delivered]);
      assertEquals((await env.shim("inject", ["status"])).stdout, "idle\n");
      // A command is typed as keys: a control character in it is refused, not typed.
      const command = await env.shim("inject", ["send", "--command", "/x\x1b[201~\x15/exit"]);
      assertEquals(command.code, 2, command.stderr);
      assertStringIncludes(command.stderr, "control character");
      assertEquals((await env.shim("inject", ["status"])).stdout, "idle\n");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "events file deleted, truncated or torn mid-turn: converse still gets its reply (F8)",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "slow", text: "slow reply {prompt}", delayMs: 3000 }] });
      await env.launch("torn");
      const events = `${env.workerDir}/torn.events.jsonl`;
      const faults: Record<string, () => void> = {
        deleted: () => Deno.removeSync(events),
        truncated: () => Deno.truncateSync(events, 0),
        torn: () => Deno.writeTextFileSync(events, 'x\n{"ts":"…","event":"sto', { append: true }),
      };
      for (const [fault, act] of Object.entries(faults)) {
        const prompt = `slow ${fault}`;
        // Before the fix each of these waited the whole timeout (124).
        const converse = env.shim("torn", ["converse", prompt, "30"]);
        // converse writes the marker once it has read the confirmation: a fault before that
        // would remove the confirmation itself.
        await eventually(
          () => exists(`${env.workerDir}/torn.sent`),
          20_000,
          `the ${fault} prompt to be confirmed`,
        );
        act();
        const run = await converse;
        assertEquals(run.code, 0, `${fault}: ${run.stderr}`);
        assertEquals(run.stdout, `slow reply ${prompt}\n`, fault);
        assertEquals((await env.shim("torn", ["status"])).stdout, "idle\n", fault);
      }
      // The hook started a new line after the torn one: the stop was not glued to it.
      const lines = Deno.readTextFileSync(events).split("\n");
      assert(lines.includes('{"ts":"…","event":"sto'), "the torn line stands alone");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "two controllers on one worker: each converse gets its own reply; a send is told busy (F5)",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({
        rules: [
          { match: "slow", text: "reply for {prompt}", delayMs: 1200 },
          { match: "long", text: "long reply", delayMs: 8000 },
        ],
      });
      await env.launch("shared");
      const sent: string[] = [];
      for (let round = 1; round <= 3; round++) {
        const prompts = [`slow A${round}`, `slow B${round}`];
        sent.push(...prompts);
        const runs = await Promise.all(
          prompts.map((p) => env.shim("shared", ["converse", p, "60"])),
        );
        runs.forEach((run, i) => {
          assertEquals(run.code, 0, `${prompts[i]}: ${run.stderr}`);
          assertEquals(run.stdout, `reply for ${prompts[i]}\n`, "its own reply, never the other's");
        });
      }
      const submitted = env.events("shared").filter((e) => e.event === "user_prompt_submit");
      assertEquals(submitted.map((e) => e.prompt).sort(), sent.sort(), "none merged or lost");

      // converse holds the worker through its turn: a send meanwhile waits its bound, then is
      // refused with the holder named, and nothing is typed.
      const long = env.shim("shared", ["converse", "long one", "60"]);
      await eventually(
        () => env.events("shared").some((e) => e.prompt === "long one"),
        20_000,
        "the long prompt to start",
      );
      const busy = await env.shim("shared", ["send", "late"], { env: { CSD_SUBMIT_TIMEOUT: "1" } });
      assertEquals(busy.code, 1, busy.stderr);
      assertMatch(
        busy.stderr,
        /^error: Worker "shared" is busy: another controller's converse \(pid \d+/,
      );
      const longRun = await long;
      assertEquals(longRun.code, 0, longRun.stderr);
      assertEquals(longRun.stdout, "long reply\n");
      assert(!env.events("shared").some((e) => e.prompt === "late"), "the busy send typed nothing");
      assertEquals((await env.shim("shared", ["send", "late"])).code, 0, "free again");
      assertEquals((await env.shim("shared", ["wait-for-turn", "30"])).code, 0);

      // A controller killed while it holds the worker leaves no lock behind.
      const doomed = env.spawnShim("shared", ["converse", "long two", "60"]);
      await eventually(
        () => env.events("shared").some((e) => e.prompt === "long two"),
        20_000,
        "the doomed prompt to start",
      );
      doomed.kill("SIGKILL");
      await doomed.output();
      const after = await env.shim("shared", ["send", "after the kill"]);
      assertEquals(after.code, 0, after.stderr);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "after a converse timeout, wait-for-turn returns the turn even if it ended before (F12)",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "slow", text: "slow reply", delayMs: 3000 }] });
      await env.launch("late");
      const converse = await env.shim("late", ["converse", "slow one", "1"]);
      assertEquals(converse.code, 124, converse.stderr);
      // The turn ends before the controller's wait-for-turn.
      await eventually(
        () => env.events("late").some((e) => e.event === "stop"),
        20_000,
        "the turn to end",
      );
      const wait = await env.shim("late", ["wait-for-turn", "5"]);
      assertEquals(wait.code, 0, wait.stderr);
      assertEquals(JSON.parse(wait.stdout).last_assistant_message, "slow reply");
      // Collected now: the next wait-for-turn waits for a new turn.
      assertEquals((await env.shim("late", ["wait-for-turn", "1"])).code, 124);
      // A converse that collected its own turn leaves nothing for wait-for-turn either.
      assertEquals((await env.shim("late", ["converse", "quick", "30"])).code, 0);
      assertEquals((await env.shim("late", ["wait-for-turn", "1"])).code, 124);
    } finally {
      await env.dispose();
    }
  },
);

/** Fills the filesystem holding `dir` (a private tmpfs) until writes fail with ENOSPC. */
function fillDisk(dir: string): void {
  const filler = Deno.openSync(`${dir}/filler`, { write: true, create: true });
  try {
    const block = new Uint8Array(4096);
    while (true) filler.writeSync(block);
  } catch (error) {
    if (!(error instanceof Error) || !/No space left/.test(error.message)) throw error;
  } finally {
    filler.close();
  }
}

/** Appends `text` to a file page by page until ENOSPC (the page slack of a tmpfs file). */
function appendUntilFull(path: string, byte: string): void {
  const file = Deno.openSync(path, { append: true });
  try {
    while (file.writeSync(new TextEncoder().encode(byte)) > 0) { /* fill */ }
  } catch (error) {
    if (!(error instanceof Error) || !/No space left/.test(error.message)) throw error;
  } finally {
    file.close();
  }
}

Deno.test({
  name: "disk full: send reports a delivered prompt once; an unrecorded prompt is named (F9)",
  ...opts,
  ignore: Deno.uid() !== 0, // mounts a private tmpfs as the worker dir
  fn: async () => {
    const env = await TestEnv.create();
    Deno.mkdirSync(env.workerDir, { mode: 0o700 });
    const mount = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", env.workerDir],
    }).output();
    assertEquals(mount.code, 0, new TextDecoder().decode(mount.stderr));
    try {
      env.script({ rules: [{ match: "slow", text: "slow reply", delayMs: 8000 }] });
      await env.launch("full");
      const events = `${env.workerDir}/full.events.jsonl`;
      // Room for this turn's events in the events file's last page, and none anywhere else.
      const size = Deno.statSync(events).size;
      Deno.writeTextFileSync(events, " ".repeat(4096 - (size % 4096)) + "\n", { append: true });
      fillDisk(env.workerDir);
      const send = await env.shim("full", ["send", "hello full disk"]);
      // Before: exit 1 with a stack trace (ENOSPC writing the .sent marker) after a delivery.
      assertEquals(send.code, 0, send.stderr);
      assertMatch(send.stderr, /^warning: the prompt was delivered, but csd could not record it/);
      assert(!send.stderr.includes("    at "), send.stderr);
      await eventually(
        () => env.events("full").some((e) => e.event === "stop"),
        20_000,
        "the turn to end",
      );
      // Now the hook cannot record anything: the events page is full too.
      appendUntilFull(events, "\n");
      const converse = await env.shim("full", ["converse", "unrecorded prompt", "30"], {
        env: { CSD_SUBMIT_TIMEOUT: "3" },
      });
      // Before: 124 "raise CSD_SUBMIT_TIMEOUT", though the prompt ran.
      assertEquals(converse.code, 1, converse.stderr);
      assertStringIncludes(
        converse.stderr,
        `events not recorded: no space left on ${env.workerDir}`,
      );

      // The disk fills up mid-turn: the prompt is recorded, its turn end cannot be.
      Deno.removeSync(`${env.workerDir}/filler`);
      const midTurn = env.shim("full", ["converse", "slow turn", "4"]);
      await eventually(
        () => env.events("full").some((e) => e.prompt === "slow turn"),
        20_000,
        "the slow prompt to be recorded",
      );
      fillDisk(env.workerDir);
      appendUntilFull(events, "\n");
      const cut = await midTurn;
      assertEquals(cut.code, 124, cut.stderr);
      assertStringIncludes(cut.stderr, `events not recorded: no space left on ${env.workerDir}`);
    } finally {
      await env.tmux("kill-server");
      await new Deno.Command("umount", { args: ["-l", env.workerDir] }).output();
      await env.dispose();
    }
  },
});
