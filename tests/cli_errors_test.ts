/**
 * Error paths and exit codes: launch refusals and failures (with cleanup), failed and crashed
 * turns, timeouts with diagnostics, ignored Enter keys, trust dialogs, usage errors.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { BIN, eventually, exists, linesUntil, TestEnv } from "../kit/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function files(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  } catch {
    return [];
  }
}

Deno.test("launch refuses bad names, missing cwd, no consent and a taken name", opts, async () => {
  const env = await TestEnv.create();
  try {
    for (const name of ["a.b", "a:b", "../x", "-x", "", "a/b", "x".repeat(65)]) {
      const run = await env.csd(["launch", name, env.project]);
      assertEquals(run.code, 2, `name ${JSON.stringify(name)}: ${run.stderr}`);
      assertMatch(run.stderr, /^error: /);
    }
    // node's own hint ("place it at the end of the command after '--'") would make the name a
    // harness argument: csd says what a name is instead (F19).
    const dashed = await env.csd(["launch", "-lead", env.project]);
    assertEquals(
      dashed.stderr.split("\n")[0],
      'error: Unknown option "-lead" (a worker name starts with a letter or digit; ' +
        "harness arguments go after --)",
    );
    const missing = await env.csd(["launch", "w", `${env.root}/nope`]);
    assertEquals(missing.code, 1);
    assertMatch(missing.stderr, /^error: Working directory ".*nope" does not exist\n$/);
    const harness = await env.csd(["launch", "--harness", "vim", "w", env.project]);
    assertEquals(harness.code, 2);

    await Deno.remove(`${env.home}/.claude/.claude-session-driver-consent`);
    const noConsent = await env.csd(["launch", "w", env.project]);
    assertEquals(noConsent.code, 1);
    assertStringIncludes(noConsent.stderr, "csd grant-consent");
    const grant = await env.csd(["grant-consent", "--yes"]);
    assertEquals(grant.code, 0);

    const shim = await env.launch("taken");
    const before = Deno.readTextFileSync(`${env.workerDir}/taken.meta.json`);
    const again = await env.csd(["launch", "taken", env.project]);
    assertEquals(again.code, 1);
    assertStringIncludes(again.stderr, 'A worker named "taken" already exists');
    assertEquals(Deno.readTextFileSync(`${env.workerDir}/taken.meta.json`), before);
    assertEquals((await env.exec(shim, ["status"])).stdout, "idle\n", "the first one is untouched");

    // A tmux session of that name that csd did not make is not touched either.
    await env.tmux("new-session", "-d", "-s", "foreign", "sleep 600");
    const foreign = await env.csd(["launch", "foreign", env.project]);
    assertEquals(foreign.code, 1);
    assertStringIncludes(foreign.stderr, 'tmux session named "foreign" already exists');
    assertEquals((await env.tmux("has-session", "-t", "=foreign")).code, 0);
    // Prefix matching must not confuse "taken" with "taken2".
    assertEquals((await env.csd(["launch", "take", env.project])).code, 0);
  } finally {
    await env.dispose();
  }
});

Deno.test(
  "a harness that crashes at start: pane lines shown, every file and session cleaned",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ crashAtStart: { exitCode: 3, message: "fatal: cannot load the model config" } });
      const run = await env.csd(["launch", "crashy", env.project]);
      assertEquals(run.code, 1);
      assertStringIncludes(run.stderr, 'Launch of "crashy" failed');
      assertStringIncludes(run.stderr, "fatal: cannot load the model config");
      assertEquals(run.stdout, "");
      assertEquals(files(env.workerDir).filter((f) => f.startsWith("crashy")), []);
      assertEquals(files(`${env.workerDir}/bin`), []);
      assertEquals((await env.tmux("has-session", "-t", "=crashy")).code !== 0, true);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "a worker that never becomes ready times out with CSD_LAUNCH_TIMEOUT and cleans up",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ sessionStartDelayMs: 60_000 });
      const run = await env.csd(["launch", "slowpoke", env.project], {
        env: { CSD_LAUNCH_TIMEOUT: "2" },
      });
      assertEquals(run.code, 1);
      assertStringIncludes(run.stderr, "did not become ready within 2s");
      assertEquals(files(env.workerDir).filter((f) => f.startsWith("slowpoke")), []);
      assertEquals((await env.tmux("has-session", "-t", "=slowpoke")).code !== 0, true);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "running as root without IS_SANDBOX: the harness's own error reaches the caller",
  opts,
  async () => {
    if (Deno.uid() !== 0) return;
    const env = await TestEnv.create();
    try {
      const run = await env.csd(["launch", "rooted", env.project], { env: { IS_SANDBOX: "" } });
      assertEquals(run.code, 1);
      assertStringIncludes(run.stderr, "cannot be used with root/sudo privileges");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "trust dialog: csd reads it and picks the trust option, even when No is highlighted and the " +
    "dialog is redrawn afresh after 300 ms (Claude 2.1.332)",
  opts,
  async () => {
    const scripts = [
      { trustDialog: "auto" },
      { trustDialog: "noHighlighted" },
      { trustDialog: "noHighlighted", dialogResetMs: 300 },
    ];
    for (const script of scripts) {
      const mode = JSON.stringify(script);
      const env = await TestEnv.create({ trusted: false });
      try {
        env.trust("/nonexistent-other-folder");
        env.script(script);
        const run = await env.csd(["launch", "trusty", env.project]);
        assertEquals(run.code, 0, `${mode}: ${run.stderr}`);
        assertEquals(
          (await env.shim("trusty", ["converse", "hi", "30"])).stdout,
          "fake reply: hi\n",
        );
        const config = JSON.parse(Deno.readTextFileSync(`${env.home}/.claude.json`));
        assertEquals(config.projects[env.project].hasTrustDialogAccepted, true, mode);
      } finally {
        await env.dispose();
      }
    }
  },
);

Deno.test(
  "send re-presses Enter while the prompt sits in the box (first Enter ignored)",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ ignoreEnters: 2 });
      await env.launch("deaf");
      const run = await env.shim("deaf", ["converse", "are you there", "30"], {
        env: { CSD_SUBMIT_RETRY_INTERVAL: "0.3" },
      });
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.stdout, "fake reply: are you there\n");
      const submits = env.events("deaf").filter((e) => e.event === "user_prompt_submit");
      assertEquals(submits.length, 1, "exactly one prompt, however many Enters");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("a missing harness binary is a clear error and leaves nothing behind", opts, async () => {
  const env = await TestEnv.create();
  try {
    const claude = await env.csd(["launch", "nobin", env.project], {
      env: { CSD_CLAUDE_BIN: `${env.root}/no/claude` },
    });
    assertEquals(claude.code, 1);
    assertStringIncludes(claude.stderr, "CSD_CLAUDE_BIN=");
    const codex = await env.csd(["launch", "--harness", "codex", "nobin", env.project], {
      env: { PATH: "/usr/bin:/bin" },
    });
    assertEquals(codex.code, 1);
    assertStringIncludes(
      codex.stderr,
      'Cannot find "codex" on PATH; install it or set CSD_CODEX_BIN',
    );
    assertEquals(files(env.workerDir).filter((f) => f.startsWith("nobin")), []);
    assertEquals(files(`${env.workerDir}/homes`), [], "no staged home left");
    assertEquals((await env.tmux("has-session", "-t", "=nobin")).code !== 0, true);
  } finally {
    await env.dispose();
  }
});

Deno.test("send fails loudly when the prompt is never confirmed", opts, async () => {
  const env = await TestEnv.create();
  try {
    env.script({ ignoreEnters: 1000 });
    await env.launch("mute");
    const run = await env.shim("mute", ["send", "hello?"], {
      env: { CSD_SUBMIT_TIMEOUT: "1.5", CSD_SUBMIT_RETRY_INTERVAL: "0.5" },
    });
    assertEquals(run.code, 124);
    assertStringIncludes(run.stderr, "did not confirm the prompt within 1.5s");
    const bad = await env.shim("mute", ["send", "x"], { env: { CSD_SUBMIT_TIMEOUT: "soon" } });
    assertEquals(bad.code, 2);
  } finally {
    await env.dispose();
  }
});

Deno.test(
  "a failed turn (API error) gives exit 3 at once, not after the timeout",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "break", fail: "API Error: 400 bad request" }] });
      await env.launch("flaky");
      // 3, not 124: the failure ended the wait, not the 600 s bound (no clock needed).
      const run = await env.shim("flaky", ["converse", "please break", "600"]);
      assertEquals(run.code, 3, run.stderr);
      assertStringIncludes(run.stderr, "API Error: 400");
      assertEquals((await env.shim("flaky", ["status"])).stdout, "idle\n");
      assertStringIncludes(
        (await env.shim("flaky", ["read-turn"])).stdout,
        "**Error:** API Error: 400",
      );

      assertEquals((await env.shim("flaky", ["send", "break again"])).code, 0);
      const wait = await env.shim("flaky", ["wait-for-turn", "600"]);
      assertEquals(wait.code, 3);
      assertEquals(JSON.parse(wait.stdout).event, "stop_failure");
      // The worker still works afterwards.
      assertEquals((await env.shim("flaky", ["converse", "fine now", "30"])).code, 0);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "a worker that crashes mid-turn ends the wait with exit 3; status terminated",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "die", crash: 9, delayMs: 200 }] });
      await env.launch("fragile");
      const run = await env.shim("fragile", ["converse", "die now", "600"]);
      assertEquals(run.code, 3, run.stderr);
      assertStringIncludes(run.stderr, "exited");
      assertEquals((await env.shim("fragile", ["status"])).stdout, "terminated\n");
      const list = await env.csd(["list"]);
      assertStringIncludes(list.stdout, "terminated\tfragile");
      const send = await env.shim("fragile", ["send", "anyone?"]);
      assertEquals(send.code, 1);
      assertStringIncludes(send.stderr, "has terminated");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "converse timeout: exit 124, diagnostic written, worker keeps running",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "long", text: "finally", delayMs: 4000 }] });
      await env.launch("sleepy");
      const diag = `${env.root}/diag.txt`;
      const run = await env.shim("sleepy", ["converse", "a long job", "1"], {
        env: { CSD_CONVERSE_DIAG_FILE: diag },
      });
      assertEquals(run.code, 124);
      assertStringIncludes(run.stderr, `csd-diagnostic: ${diag}`);
      const text = Deno.readTextFileSync(diag);
      for (const section of ["## process tree", "## pane", "## transcript", "## events"]) {
        assertStringIncludes(text, section);
      }
      assertStringIncludes(text, "user_prompt_submit");
      const tree = text.split("## pane")[0]!;
      assertStringIncludes(tree, "fake_claude.ts", "the process tree was listed");
      assertEquals((await env.shim("sleepy", ["status"])).stdout, "working\n");
      const wait = await env.shim("sleepy", ["wait-for-turn", "30", "--after-line", "2"]);
      assertEquals(wait.code, 0);
      assertEquals(JSON.parse(wait.stdout).last_assistant_message, "finally");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("usage errors exit 2 with one error line on every command", opts, async () => {
  const env = await TestEnv.create();
  try {
    await env.launch("u");
    const cases: string[][] = [
      ["converse"],
      ["converse", "hi", "soon"],
      ["converse", "hi", "-5"],
      ["send"],
      ["wait-for-turn", "abc"],
      ["wait-for-turn", "5", "--after-line", "x"],
      ["read-events", "--last", "-1"],
      ["read-turn", "extra"],
      ["status", "--bogus"],
      ["stop", "now"],
    ];
    for (const args of cases) {
      const run = await env.shim("u", args);
      assertEquals(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assertMatch(run.stderr, /^error: .+\n/);
    }
    for (const args of [["frobnicate"], ["list", "a", "b"], ["prune", "x"], ["adopt", "a", "b"]]) {
      const run = await env.csd(args);
      assertEquals(run.code, 2, args.join(" "));
    }
    const unknown = await env.csd(["--worker", "ghost", "status"]);
    assertEquals(unknown.code, 1);
    assertStringIncludes(unknown.stderr, 'No worker named "ghost"');
    const help = await env.shim("u", ["converse", "--help"]);
    assertEquals(help.code, 0);
    assertStringIncludes(help.stdout, "USAGE:");
    assertEquals((await env.shim("u", ["status"])).stdout, "idle\n", "nothing was lost");
  } finally {
    await env.dispose();
  }
});

Deno.test("grant-consent asks: only y/yes grants, --yes grants without asking", opts, async () => {
  const env = await TestEnv.create({ consent: false });
  const consent = `${env.home}/.claude/.claude-session-driver-consent`;
  try {
    // Refusals: an answer other than y/yes, an empty line, end of input, no stdin at all.
    for (const stdin of ["no\n", "n\n", "\n", "", "yess\n", "maybe yes\n", undefined]) {
      const run = await env.csd(["grant-consent"], stdin === undefined ? {} : { stdin });
      const what = `stdin ${JSON.stringify(stdin)}: ${run.stderr}`;
      assertEquals(run.code, 1, what);
      assertStringIncludes(run.stderr, "permission prompts bypassed", what);
      assertMatch(run.stderr, /\nerror: Consent not given/, what);
      assert(!exists(consent), `consent recorded for ${what}`);
    }
    for (const stdin of ["y\n", "YES\n", " Yes \r\n", "y"]) {
      const run = await env.csd(["grant-consent"], stdin === undefined ? {} : { stdin });
      assertEquals(run.code, 0, `stdin ${JSON.stringify(stdin)}: ${run.stderr}`);
      assert(exists(consent), `no consent for ${JSON.stringify(stdin)}`);
      assertEquals((await env.csd(["grant-consent", "--revoke"])).code, 0);
      assert(!exists(consent));
    }
    const scripted = await env.csd(["grant-consent", "--yes"]);
    assertEquals(scripted.code, 0, scripted.stderr);
    assert(exists(consent));
    assertEquals((await env.csd(["grant-consent", "--yes", "--revoke"])).code, 2);
  } finally {
    await env.dispose();
  }
});

Deno.test("a prompt or command that starts with '-' is text, not an option", opts, async () => {
  const env = await TestEnv.create();
  try {
    await env.launch("dash");
    const converse = async (args: string[]) => {
      const run = await env.shim("dash", ["converse", ...args]);
      assertEquals(run.code, 0, `converse ${JSON.stringify(args)}: ${run.stderr}`);
      return run.stdout;
    };
    assertEquals(
      await converse(["-n is not an option here"]),
      "fake reply: -n is not an option here\n",
    );
    assertEquals(await converse(["-x", "30"]), "fake reply: -x\n");
    assertEquals(await converse(["--", "-y"]), "fake reply: -y\n");
    assertEquals(await converse(["--", "--help", "30"]), "fake reply: --help\n");
    assertEquals(
      await converse(["--with-turn is a flag", "30"]),
      "fake reply: --with-turn is a flag\n",
    );
    // Options still count before and after the prompt and its timeout.
    assertStringIncludes(await converse(["-z", "30", "--with-turn"]), "fake reply: -z");
    assertStringIncludes(await converse(["--with-turn", "--", "-w"]), "## ");

    const send = await env.shim("dash", ["send", "-s"]);
    assertEquals(send.code, 0, send.stderr);
    const wait = await env.shim("dash", ["wait-for-turn", "30"]);
    assertEquals(JSON.parse(wait.stdout).last_assistant_message, "fake reply: -s");

    // tmux must not read a command's text as its own flags (F17): the fake answers "-t" as a
    // prompt, which proves it arrived. (--command writes no marker for wait-for-turn.)
    for (const text of ["-t", "-Rx"]) {
      const run = await env.shim("dash", ["send", "--command", "--", text]);
      assertEquals(run.code, 0, `--command ${text}: ${run.stderr}`);
      await eventually(
        () => env.events("dash").some((e) => e.last_assistant_message === `fake reply: ${text}`),
        10_000,
        `the turn of ${text}`,
      );
    }

    // What looks like an option and is not one is still refused, with csd's own hint.
    const bogus = await env.shim("dash", ["converse", "--bogus", "hi"]);
    assertEquals(bogus.code, 2);
    assertMatch(bogus.stderr, /^error: Unknown option "--bogus" \(a prompt that starts with -- /);
    const negative = await env.shim("dash", ["converse", "hi", "-5"]);
    assertEquals(negative.code, 2);
    assertStringIncludes(negative.stderr, 'Invalid timeout: "-5"');
  } finally {
    await env.dispose();
  }
});

/** Pids whose command line contains `text`. */
function pidsShowing(text: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).includes(text)) {
        found.push(Number(entry.name));
      }
    } catch {
      // Exited meanwhile.
    }
  }
  return found.filter((pid) => pid !== Deno.pid);
}

Deno.test(
  "no csd process puts a prompt on a command line (ps shows it to all users)",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "secret", text: "noted", delayMs: 3000 }] });
      await env.launch("quiet");
      for (const [via, viaStdin] of [["shim", true], ["shim", false], ["csd", false]] as const) {
        const secret = `secret-${crypto.randomUUID()}`;
        const args = ["converse", viaStdin ? "-" : secret, "30"];
        const child = via === "shim"
          ? env.spawnShim("quiet", args, secret)
          : env.spawn(`${BIN}/csd`, ["--worker", "quiet", ...args], secret);
        // While the turn runs: the shim, dispatch, deno, tmux and the harness all took their part.
        await eventually(
          () => env.events("quiet").some((e) => e.prompt === secret),
          10_000,
          "the prompt's user_prompt_submit",
        );
        const showing = pidsShowing(secret);
        const output = await child.output();
        assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
        // Given on stdin it is on no command line; given as an argument, only on the caller's own
        // process (the shim execs its way to deno under the same pid), never on a new one.
        assertEquals(showing, viaStdin ? [] : [child.pid], `${via}, via stdin: ${viaStdin}`);
      }
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "the converse diagnostic: new folder made 0700, file 0600, never through a symlink or over another's file",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "long", text: "finally", delayMs: 60_000 }] });
      await env.launch("diag");
      const converse = (diag: string) =>
        env.shim("diag", ["converse", "a long job", "1"], {
          env: { CSD_CONVERSE_DIAG_FILE: diag },
        });

      const nested = `${env.root}/reports/today/diag.txt`;
      const first = await converse(nested);
      assertEquals(first.code, 124, first.stderr);
      assertStringIncludes(first.stderr, `csd-diagnostic: ${nested}\n`);
      assertStringIncludes(Deno.readTextFileSync(nested), "## process tree");
      assertEquals(Deno.statSync(nested).mode! & 0o777, 0o600);
      assertEquals(Deno.statSync(`${env.root}/reports`).mode! & 0o777, 0o700);
      assertEquals(Deno.statSync(`${env.root}/reports/today`).mode! & 0o777, 0o700);
      // Our own earlier diagnostic is replaced.
      Deno.writeTextFileSync(nested, "old\n");
      assertEquals((await converse(nested)).code, 124);
      assertStringIncludes(Deno.readTextFileSync(nested), "## process tree");
      assertEquals(Deno.statSync(nested).mode! & 0o777, 0o600);

      // A planted symlink: the file it names stays untouched, and so does the link.
      const victim = `${env.root}/victim.txt`;
      Deno.writeTextFileSync(victim, "precious\n");
      const link = `${env.root}/planted.txt`;
      Deno.symlinkSync(victim, link);
      const planted = await converse(link);
      assertEquals(planted.code, 124);
      assertMatch(
        planted.stderr,
        /warning: Cannot write the diagnostic to ".*planted\.txt": .*symbolic link/,
      );
      assert(!planted.stderr.includes("csd-diagnostic:"));
      assertEquals(Deno.readTextFileSync(victim), "precious\n");
      assertEquals(Deno.readLinkSync(link), victim);

      if (Deno.uid() === 0) {
        const foreign = `${env.root}/foreign.txt`;
        Deno.writeTextFileSync(foreign, "theirs\n");
        Deno.chownSync(foreign, 65534, 65534);
        const run = await converse(foreign);
        assertEquals(run.code, 124);
        assertMatch(
          run.stderr,
          /warning: Cannot write the diagnostic to ".*foreign\.txt": .*another user/,
        );
        assertEquals(Deno.readTextFileSync(foreign), "theirs\n");
      }
      assertEquals(
        [...Deno.readDirSync(env.root)].filter((e) => e.name.includes(".tmp")).map((e) => e.name),
        [],
        "no temp file left",
      );
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "seconds follow one rule on the command line and in CSD_* variables, checked up front",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      // A bad launch timeout used to start (and kill) the harness first, then exit 1.
      for (const value of ["abc", "1e-9", "0", "-1", " 5", "0x10", "Infinity"]) {
        const run = await env.csd(["launch", "w", env.project], {
          env: { CSD_LAUNCH_TIMEOUT: value },
        });
        assertEquals(run.code, 2, `CSD_LAUNCH_TIMEOUT=${value}: ${run.stderr}`);
        assertEquals(
          run.stderr.split("\n")[0],
          `error: Invalid CSD_LAUNCH_TIMEOUT: "${value}" is not a positive number of seconds (digits with an optional decimal point, e.g. 30 or 0.5)`,
        );
        assertEquals(files(env.workerDir).filter((f) => f.startsWith("w")), []);
        assertEquals(
          (await env.tmux("has-session", "-t", "=w")).code !== 0,
          true,
          "nothing started",
        );
      }
      const shim = await env.launch("w", [], { CSD_LAUNCH_TIMEOUT: "20.5" });
      for (
        const name of ["CSD_SUBMIT_TIMEOUT", "CSD_SUBMIT_RETRY_INTERVAL", "CSD_REGISTER_TIMEOUT"]
      ) {
        const run = await env.exec(shim, ["send", "hi"], { env: { [name]: "1e3" } });
        assertEquals(run.code, 2, `${name}: ${run.stderr}`);
        assertStringIncludes(run.stderr, `Invalid ${name}: "1e3"`);
      }
      assertEquals(
        env.events("w").filter((e) => e.event === "user_prompt_submit"),
        [],
        "nothing sent",
      );
      for (const timeout of ["1e9", "1e-9", " 5"]) {
        const run = await env.exec(shim, ["wait-for-turn", timeout]);
        assertEquals(run.code, 2, `wait-for-turn ${timeout}: ${run.stderr}`);
        assertStringIncludes(
          run.stderr,
          `Invalid timeout: "${timeout}" is not a positive number of seconds (digits`,
        );
      }
      const fine = await env.exec(shim, ["converse", "hi", "30.5"], {
        env: { CSD_SUBMIT_TIMEOUT: "9.5" },
      });
      assertEquals(fine.stdout, "fake reply: hi\n", fine.stderr);
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "read-events --follow shows the stop_failure csd derives from the screen (Escape, no hook)",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      env.script({ rules: [{ match: "endless", text: "never", delayMs: 60_000 }] });
      await env.launch("esc");
      assertEquals((await env.shim("esc", ["send", "an endless task"])).code, 0);
      const follower = env.spawnShim("esc", ["read-events", "--follow", "--last", "1"]);
      await env.tmux("send-keys", "-t", "=esc:", "Escape");
      // No other csd command runs meanwhile: the follower alone must notice.
      const lines = await linesUntil(
        follower.stdout,
        (seen) => seen.some((l) => JSON.parse(l).event === "stop_failure"),
        20_000,
      );
      follower.kill("SIGTERM");
      assertEquals((await follower.status).code, 0);
      const failure = lines.map((l) => JSON.parse(l)).find((e) => e.event === "stop_failure");
      assertEquals(
        [failure?.error, failure?.derived_from],
        ["interrupted", "screen"],
        lines.join("\n"),
      );
    } finally {
      await env.dispose();
    }
  },
);

Deno.test("an unset HOME is one error line, not a stack trace", opts, async () => {
  const env = await TestEnv.create();
  try {
    const run = await env.csd(["grant-consent", "--yes"], { env: { HOME: "" } });
    assertEquals(run.code, 1, run.stderr);
    assertEquals(
      run.stderr,
      "error: HOME is not set: csd keeps consent and harness homes under it\n",
    );
  } finally {
    await env.dispose();
  }
});
