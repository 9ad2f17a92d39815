// Tests for the scripted fake `claude` (tests/support/fake_claude.ts): each test drives it in a
// private tmux server, with a temp HOME and cwd and a hook that logs every event payload.

const FAKE = new URL("./support/fake_claude", import.meta.url).pathname;
const EXAMPLE_SCRIPT = new URL("./fixtures/fake/example.json", import.meta.url).pathname;
const ALL_EVENTS = [
  "SessionStart",
  "UserPromptSubmit",
  "PreToolUse",
  "PostToolUse",
  "PostToolUseFailure",
  "Stop",
  "StopFailure",
  "SubagentStart",
  "SubagentStop",
  "Notification",
  "SessionEnd",
];

type HookEvent = Record<string, unknown> & { hook_event_name: string };
type Line = Record<string, unknown>;
type Truthy<T> = Exclude<T, false | null | undefined | 0 | "">;

function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

function assertEquals<T>(actual: T, expected: T, msg = "") {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${msg} expected ${e}, got ${a}`);
}

function cleanEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  for (const k of ["TMUX", "TMUX_PANE", "CLAUDECODE", "CLAUDE_CODE_SESSION_ID"]) delete env[k];
  return env;
}

async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
) {
  const out = await new Deno.Command(cmd, {
    args,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: opts.env ?? cleanEnv(),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

interface Options {
  script?: Record<string, unknown> | string; // object, or a path to a script file
  trusted?: boolean; // write hasTrustDialogAccepted for the cwd (default true)
  extraHooks?: Record<string, string[]>; // more hook commands per event
  skipBypassPrompt?: boolean; // skipDangerousModePermissionPrompt in --settings (default true)
  inlineSettings?: boolean; // pass --settings as inline JSON instead of a file path
  args?: string[];
  sessionId?: string;
}

class FakeRun {
  readonly socket = `fake-test-${crypto.randomUUID().slice(0, 8)}`;
  readonly dir: string;
  readonly home: string;
  readonly work: string;
  readonly log: string;
  readonly exitFile: string;
  sessionId: string;
  private started = false;
  private socketPath = "";

  private constructor(dir: string, sessionId: string) {
    this.dir = dir;
    this.home = `${dir}/home`;
    this.work = `${dir}/work dir`;
    this.log = `${dir}/events.log`;
    this.exitFile = `${dir}/exit`;
    this.sessionId = sessionId;
  }

  static async create(opts: Options = {}): Promise<FakeRun> {
    const dir = await Deno.makeTempDir({ prefix: "fake-claude-test-" });
    const r = new FakeRun(dir, opts.sessionId ?? crypto.randomUUID());
    await Deno.mkdir(r.home, { recursive: true });
    await Deno.mkdir(r.work, { recursive: true });
    const claudeJson: Record<string, unknown> = { hasCompletedOnboarding: true, projects: {} };
    if (opts.trusted ?? true) {
      claudeJson.projects = { [r.work]: { hasTrustDialogAccepted: true } };
    }
    await Deno.writeTextFile(`${r.home}/.claude.json`, JSON.stringify(claudeJson));
    const hooks: Record<string, unknown[]> = {};
    for (const ev of ALL_EVENTS) {
      const cmds = [`cat >> '${r.log}'; echo >> '${r.log}'`, ...(opts.extraHooks?.[ev] ?? [])];
      hooks[ev] = [{ hooks: cmds.map((command) => ({ type: "command", command, timeout: 10 })) }];
    }
    const settings = { hooks, skipDangerousModePermissionPrompt: opts.skipBypassPrompt ?? true };
    await Deno.writeTextFile(`${dir}/settings.json`, JSON.stringify(settings));
    const settingsArg = opts.inlineSettings ? JSON.stringify(settings) : `${dir}/settings.json`;
    let scriptPath = "";
    if (typeof opts.script === "string") scriptPath = opts.script;
    else if (opts.script) {
      scriptPath = `${dir}/script.json`;
      await Deno.writeTextFile(scriptPath, JSON.stringify(opts.script));
    }
    const args = opts.args ??
      ["--session-id", r.sessionId, "--settings", settingsArg, "--dangerously-skip-permissions"];
    await r.launch(args, scriptPath);
    return r;
  }

  get transcriptPath(): string {
    return `${this.home}/.claude/projects/${
      this.work.replace(/[^a-zA-Z0-9]/g, "-")
    }/${this.sessionId}.jsonl`;
  }

  async launch(args: string[], scriptPath = "") {
    const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
    const envs = [
      `HOME=${q(this.home)}`,
      `PATH=${q(Deno.env.get("PATH") ?? "/usr/bin:/bin")}`,
      "TERM=xterm-256color",
      "IS_SANDBOX=1",
      ...(scriptPath ? [`FAKE_CLAUDE_SCRIPT=${q(scriptPath)}`] : []),
    ];
    const line =
      `cd ${q(this.work)} && env -i ${envs.join(" ")} ${q(FAKE)} ${args.map(q).join(" ")}; ` +
      `echo $? > ${q(this.exitFile)}; sleep 600`;
    await Deno.writeTextFile(`${this.dir}/run.sh`, line + "\n");
    try {
      await Deno.remove(this.exitFile);
    } catch { /* first launch */ }
    if (this.started) {
      await this.tmux("respawn-pane", "-k", "-t", "w", `sh '${this.dir}/run.sh'`);
    } else {
      this.started = true;
      await this.tmux(
        "new-session",
        "-d",
        "-s",
        "w",
        "-x",
        "200",
        "-y",
        "50",
        `sh '${this.dir}/run.sh'`,
      );
      this.socketPath = (await this.tmux("display-message", "-p", "#{socket_path}")).trim();
    }
  }

  async tmux(...args: string[]) {
    const r = await run("tmux", ["-L", this.socket, ...args]);
    if (r.code !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr}`);
    return r.stdout;
  }

  paste(text: string) {
    return this.tmux("send-keys", "-t", "w", "-l", `\x1b[200~${text}\x1b[201~`);
  }

  keys(...keys: string[]) {
    return this.tmux("send-keys", "-t", "w", ...keys);
  }

  type(text: string) {
    return this.tmux("send-keys", "-t", "w", "-l", text);
  }

  screen() {
    return this.tmux("capture-pane", "-p", "-t", "w");
  }

  async events(): Promise<HookEvent[]> {
    let text = "";
    try {
      text = await Deno.readTextFile(this.log);
    } catch { /* nothing yet */ }
    return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  }

  async names(): Promise<string[]> {
    return (await this.events()).map((e) => e.hook_event_name);
  }

  async transcript(): Promise<Line[]> {
    const text = await Deno.readTextFile(this.transcriptPath);
    return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  }

  async exitCode(): Promise<number | null> {
    try {
      const text = (await Deno.readTextFile(this.exitFile)).trim();
      return text === "" ? null : Number(text);
    } catch {
      return null;
    }
  }

  // Waits for the fake to exit (the pane's wrapper records the code) and returns the code.
  async exited(timeoutMs = 5000): Promise<number> {
    const box = await this.until("exit", async () => {
      const code = await this.exitCode();
      return code === null ? null : { code };
    }, timeoutMs);
    return box.code;
  }

  // Polls until check() returns a truthy value; fails after timeoutMs.
  async until<T>(
    what: string,
    check: () => Promise<T> | T,
    timeoutMs = 5000,
  ): Promise<Truthy<T>> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const v = await check();
      if (v) return v as Truthy<T>;
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for ${what}\nevents: ${(await this.names()).join(",")}\n` +
            `screen:\n${await this.screen().catch(() => "")}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  // Waits for the n-th (1-based) event of a kind and returns it.
  async event(name: string, n = 1, timeoutMs = 5000): Promise<HookEvent> {
    return await this.until(`${name} #${n}`, async () => {
      return (await this.events()).filter((e) => e.hook_event_name === name)[n - 1];
    }, timeoutMs);
  }

  async close() {
    await run("tmux", ["-L", this.socket, "kill-server"]);
    // tmux 3.3a leaves the socket file behind.
    if (this.socketPath) await Deno.remove(this.socketPath).catch(() => {});
    await Deno.remove(this.dir, { recursive: true });
  }
}

async function withFake(opts: Options, body: (f: FakeRun) => Promise<void>) {
  const f = await FakeRun.create(opts);
  try {
    await body(f);
  } finally {
    await f.close();
  }
}

// Every parentUuid names a line of the file; follows the chain from a uuid back to the root.
function checkChain(lines: Line[]) {
  const byUuid = new Map<string, Line>();
  for (const l of lines) if (typeof l.uuid === "string") byUuid.set(l.uuid, l);
  for (const l of lines) {
    const p = l.parentUuid;
    if (typeof p === "string") assert(byUuid.has(p), `dangling parentUuid ${p}`);
    if (typeof l.uuid === "string") {
      assertEquals(l.sessionId, lines.find((x) => x.sessionId)?.sessionId, "sessionId");
    }
  }
  return byUuid;
}

function assistantTexts(lines: Line[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (l.type !== "assistant") continue;
    const content = (l.message as { content: { type: string; text?: string }[] }).content;
    for (const b of content) if (b.type === "text" && b.text) out.push(b.text);
  }
  return out;
}

const BASE_ARGS = (f: FakeRun) => [
  "--session-id",
  f.sessionId,
  "--settings",
  `${f.dir}/settings.json`,
  "--dangerously-skip-permissions",
];

Deno.test("startup, prompt, scripted reply, transcript format", async () => {
  const envHook = `echo "$CLAUDE_PROJECT_DIR|$CLAUDE_CODE_SESSION_ID|$CLAUDECODE" > hook-env.txt`;
  await withFake({ script: EXAMPLE_SCRIPT, extraHooks: { SessionStart: [envHook] } }, async (f) => {
    const start = await f.event("SessionStart");
    const hookEnv = await f.until("hook env", () => Deno.readTextFile(`${f.work}/hook-env.txt`));
    assertEquals(hookEnv.trim(), `${f.work}|${f.sessionId}|1`);
    assertEquals(start.source, "startup");
    assertEquals(start.session_id, f.sessionId);
    assertEquals(start.transcript_path, f.transcriptPath);
    assertEquals(start.cwd, f.work);
    await f.until("idle box", async () => (await f.screen()).includes("❯\u00a0"));

    await f.paste("think hard about it");
    await f.until("text in box", async () => (await f.screen()).includes("❯\u00a0think hard"));
    await f.keys("Enter");
    const stop = await f.event("Stop");
    assertEquals(stop.last_assistant_message, "thought about: think hard about it");
    assertEquals(await f.names(), ["SessionStart", "UserPromptSubmit", "Stop"]);
    const ups = (await f.events())[1]!;
    assertEquals(ups.prompt, "think hard about it");
    assertEquals(ups.permission_mode, "bypassPermissions");
    assertEquals(ups.prompt_id, stop.prompt_id);

    const lines = await f.until("turn_duration", async () => {
      const t = await f.transcript();
      return t.some((l) => l.subtype === "turn_duration") && t;
    });
    const byUuid = checkChain(lines);
    const user = lines.find((l) => l.type === "user")!;
    assertEquals((user.message as { content: string }).content, "think hard about it");
    assertEquals(user.parentUuid, null);
    const assistants = lines.filter((l) => l.type === "assistant");
    assertEquals(assistants.length, 2, "thinking + text blocks");
    const ids = assistants.map((l) => (l.message as { id: string }).id);
    assertEquals(ids[0], ids[1], "blocks share message.id");
    // The final text chains back to the prompt.
    const text = assistants.find((l) => JSON.stringify(l.message).includes('"type":"text"'))!;
    let cur: Line | undefined = text;
    const seen: string[] = [];
    while (cur) {
      seen.push(String(cur.type));
      cur = typeof cur.parentUuid === "string" ? byUuid.get(cur.parentUuid) : undefined;
    }
    assertEquals(seen.at(-1), "user");
    assertEquals(assistantTexts(lines), ["thought about: think hard about it"]);
  });
});

Deno.test("tool rule runs the command between Pre/PostToolUse; deny blocks it", async () => {
  const deny = `grep -q forbidden && echo '{"hookSpecificOutput":{"hookEventName":"PreToolUse",` +
    `"permissionDecision":"deny","permissionDecisionReason":"nope"}}' || true`;
  await withFake({
    script: {
      rules: [
        { match: "make", tool: { command: "echo made > made.txt; echo out" }, text: "file made" },
        { match: "fail cmd", tool: { command: "echo bad >&2; exit 2" }, text: "it failed" },
        { match: "forbidden", tool: { command: "touch forbidden.txt" }, text: "was denied" },
      ],
    },
    extraHooks: { PreToolUse: [deny] },
  }, async (f) => {
    await f.event("SessionStart");
    await f.paste("make a file");
    await f.keys("Enter");
    assertEquals((await f.event("Stop")).last_assistant_message, "file made");
    assertEquals(await Deno.readTextFile(`${f.work}/made.txt`), "made\n");
    const names = await f.names();
    assertEquals(names, ["SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop"]);
    const [pre, post] = (await f.events()).slice(2, 4);
    assertEquals(pre!.tool_name, "Bash");
    assertEquals(
      (pre!.tool_input as { command: string }).command,
      "echo made > made.txt; echo out",
    );
    assertEquals(pre!.tool_use_id, post!.tool_use_id);
    assertEquals((post!.tool_response as { stdout: string }).stdout, "out");

    await f.paste("fail cmd");
    await f.keys("Enter");
    await f.event("Stop", 2);
    const failure = (await f.events()).find((e) => e.hook_event_name === "PostToolUseFailure")!;
    assertEquals(failure.error, "Exit code 2\nbad");

    await f.paste("forbidden");
    await f.keys("Enter");
    await f.event("Stop", 3);
    const after = (await f.names()).slice(-3);
    assertEquals(after, ["UserPromptSubmit", "PreToolUse", "Stop"], "no PostToolUse when denied");
    assert(!(await Deno.stat(`${f.work}/forbidden.txt`).catch(() => null)), "denied tool ran");
    const lines = await f.transcript();
    checkChain(lines);
    const results = lines.filter((l) => l.toolUseResult !== undefined);
    assertEquals(results.length, 3);
    assertEquals(results[2]!.toolUseResult, "Error: nope");
  });
});

Deno.test("API failure gives StopFailure, no Stop, and a synthetic transcript line", async () => {
  await withFake({ script: EXAMPLE_SCRIPT }, async (f) => {
    await f.event("SessionStart");
    await f.paste("please break");
    await f.keys("Enter");
    const failure = await f.event("StopFailure");
    assert(String(failure.last_assistant_message).startsWith("API Error: 400 "));
    assertEquals(failure.error, "unknown");
    // A following prompt still works, and its Stop is the first Stop.
    await f.paste("hello");
    await f.keys("Enter");
    await f.event("Stop");
    assertEquals(await f.names(), [
      "SessionStart",
      "UserPromptSubmit",
      "StopFailure",
      "UserPromptSubmit",
      "Stop",
    ]);
    const synthetic = (await f.transcript()).find((l) => l.isApiErrorMessage === true)!;
    assertEquals((synthetic.message as { model: string }).model, "<synthetic>");
    assertEquals(synthetic.apiErrorStatus, 400);
  });
});

Deno.test("ignoreEnters keeps the text in the box until a later Enter", async () => {
  await withFake({ script: { ignoreEnters: 2 } }, async (f) => {
    await f.event("SessionStart");
    await f.paste("first");
    await f.keys("Enter");
    await f.keys("Enter"); // two ignored presses; typing after them proves they were read
    await f.type("X");
    await f.until("box with firstX", async () => (await f.screen()).includes("❯\u00a0firstX"));
    assertEquals(await f.names(), ["SessionStart"]);
    await f.keys("Enter");
    const ups = await f.event("UserPromptSubmit");
    assertEquals(ups.prompt, "firstX");
    await f.event("Stop");
    await f.keys("Enter"); // empty box: nothing happens
    await f.type("/exit");
    await f.keys("Enter");
    await f.event("SessionEnd");
    assertEquals(await f.names(), ["SessionStart", "UserPromptSubmit", "Stop", "SessionEnd"]);
  });
});

Deno.test("trust dialog: arrows and Enter accept; '2' exits; noHighlighted starts on No", async () => {
  await withFake({ trusted: false }, async (f) => {
    const s = await f.until("dialog", async () => {
      const s = await f.screen();
      return s.includes("Yes, I trust this folder") && s;
    });
    assert(s.includes(" ❯ 1. Yes, I trust this folder"), s);
    assert(s.includes("Enter to confirm · Esc to cancel"), s);
    await f.keys("Down");
    await f.until("No highlighted", async () => (await f.screen()).includes(" ❯ 2. No, exit"));
    await f.keys("Up");
    await f.until("Yes highlighted", async () => (await f.screen()).includes(" ❯ 1. Yes"));
    assertEquals(await f.names(), [], "no SessionStart before the dialog is answered");
    await f.keys("Enter");
    await f.event("SessionStart");
    const cfg = JSON.parse(await Deno.readTextFile(`${f.home}/.claude.json`));
    assertEquals(cfg.projects[f.work].hasTrustDialogAccepted, true);
    assertEquals(cfg.hasCompletedOnboarding, true);
  });
  await withFake({ trusted: false, script: { trustDialog: "noHighlighted" } }, async (f) => {
    await f.until("No highlighted", async () => (await f.screen()).includes(" ❯ 2. No, exit"));
    await f.keys("2");
    assertEquals(await f.exited(), 1);
    assertEquals(await f.names(), []);
  });
});

Deno.test("/exit gives SessionEnd(prompt_input_exit); resume appends; kill gives reason other", async () => {
  await withFake({}, async (f) => {
    await f.event("SessionStart");
    await f.paste("one");
    await f.keys("Enter");
    await f.event("Stop");
    await f.paste("/exit");
    await f.keys("Enter");
    assertEquals((await f.event("SessionEnd")).reason, "prompt_input_exit");
    assertEquals(await f.exited(), 0);
    const before = await f.transcript();

    // Same id again: refused.
    await f.launch(BASE_ARGS(f));
    assertEquals(await f.exited(), 1);

    await f.launch([
      "--resume",
      f.sessionId,
      "--settings",
      `${f.dir}/settings.json`,
      "--dangerously-skip-permissions",
    ]);
    assertEquals((await f.event("SessionStart", 2)).source, "resume");
    await f.paste("two");
    await f.keys("Enter");
    assertEquals((await f.event("Stop", 2)).last_assistant_message, "fake reply: two");
    const after = await f.transcript();
    assert(after.length > before.length);
    checkChain(after);
    const users = after.filter((l) => l.type === "user");
    assertEquals(users.length, 2);
    const firstTip = before.findLast((l) => l.subtype === "turn_duration")!;
    assertEquals(users[1]!.parentUuid, firstTip.uuid, "resumed prompt chains to the last turn");

    await f.tmux("kill-session", "-t", "w");
    assertEquals((await f.event("SessionEnd", 2)).reason, "other");
  });
});

Deno.test("queued prompt, Escape interrupt, bash mode, unknown command", async () => {
  await withFake({
    script: {
      rules: [{ match: "slow", delayMs: 800, text: "slow done" }, {
        match: "stuck",
        delayMs: 30000,
      }],
    },
  }, async (f) => {
    await f.event("SessionStart");
    await f.paste("slow one");
    await f.keys("Enter");
    await f.event("UserPromptSubmit");
    await f.paste("queued two");
    await f.keys("Enter");
    await f.until("queued shown", async () => (await f.screen()).includes("  ❯ queued two"));
    await f.event("Stop", 2);
    const evs = await f.events();
    assertEquals(evs.map((e) => e.hook_event_name), [
      "SessionStart",
      "UserPromptSubmit",
      "Stop",
      "UserPromptSubmit",
      "Stop",
    ]);
    assertEquals(evs[3]!.prompt, "queued two");
    assertEquals(evs[2]!.last_assistant_message, "slow done");

    await f.paste("stuck here");
    await f.keys("Enter");
    await f.event("UserPromptSubmit", 3);
    await f.keys("Escape");
    await f.until("text back in box", async () => (await f.screen()).includes("❯\u00a0stuck here"));
    await f.keys("Escape", "Escape");
    await f.until("box cleared", async () => /❯\u00a0\s*$/m.test(await f.screen()));

    await f.paste("!echo from-bash");
    await f.keys("Enter");
    const bashStop = await f.event("Stop", 3);
    assert(String(bashStop.last_assistant_message).includes("from-bash"));
    assertEquals((await f.names()).filter((n) => n === "UserPromptSubmit").length, 3);

    await f.paste("/nonsense arg");
    await f.keys("Enter");
    await f.until("unknown", async () => (await f.screen()).includes("Unknown command: /nonsense"));
    assertEquals((await f.names()).length, 7, "no event for an unknown command");
  });
});

Deno.test("large paste collapses; subagent; notification; stopBeforeTranscript", async () => {
  await withFake({ script: EXAMPLE_SCRIPT }, async (f) => {
    await f.event("SessionStart");
    const big = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    await f.paste(big);
    await f.until(
      "collapsed",
      async () => (await f.screen()).includes("[Pasted text #1 +39 lines]"),
    );
    await f.keys("Enter");
    assertEquals((await f.event("UserPromptSubmit")).prompt, big);
    await f.event("Stop");

    await f.paste("delegate this");
    await f.keys("Enter");
    await f.event("Stop", 2);
    const names = (await f.names()).slice(3);
    assertEquals(names, [
      "UserPromptSubmit",
      "PreToolUse",
      "SubagentStart",
      "SubagentStop",
      "PostToolUse",
      "Stop",
    ]);
    const sub = await f.event("SubagentStop");
    assertEquals(sub.agent_type, "general-purpose");
    assert(/^a[0-9a-f]{16}$/.test(String(sub.agent_id)));

    await f.paste("ping me");
    await f.keys("Enter");
    const note = await f.event("Notification");
    assertEquals(note.notification_type, "idle_prompt");

    await f.paste("late words");
    await f.keys("Enter");
    const stop = await f.event("Stop", 4);
    assertEquals(stop.last_assistant_message, "LATE-FINAL-TEXT");
    await f.until("late transcript line", async () => {
      return assistantTexts(await f.transcript()).includes("LATE-FINAL-TEXT");
    });
    checkChain(await f.transcript());
  });
});

Deno.test("stopBeforeTranscript: the final line is not in the file when Stop fires", async () => {
  await withFake({
    script: { rules: [{ match: "", stopBeforeTranscript: true, text: "LATE-FINAL" }] },
    extraHooks: {
      Stop: [
        `grep -c LATE-FINAL "$(sed -n 's/.*"transcript_path":"\\([^"]*\\)".*/\\1/p')" > snap; true`,
      ],
    },
  }, async (f) => {
    await f.event("SessionStart");
    await f.paste("x");
    await f.keys("Enter");
    await f.event("Stop");
    const snap = await f.until("snapshot", async () => {
      return (await Deno.readTextFile(`${f.work}/snap`).catch(() => "")).trim();
    });
    assertEquals(snap, "0");
    await f.until(
      "late line",
      async () => assistantTexts(await f.transcript()).includes("LATE-FINAL"),
    );
  });
});

Deno.test("crash mid-turn: no Stop, no SessionEnd, exit code kept", async () => {
  await withFake({ script: EXAMPLE_SCRIPT }, async (f) => {
    await f.event("SessionStart");
    await f.paste("die now");
    await f.keys("Enter");
    assertEquals(await f.exited(), 7);
    assertEquals(await f.names(), ["SessionStart", "UserPromptSubmit"]);
  });
});

Deno.test("command-line errors and --version", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fake-claude-cli-" });
  try {
    const id = crypto.randomUUID();
    const env = { ...cleanEnv(), HOME: dir, IS_SANDBOX: "1" };
    const v = await run(FAKE, ["--version"], { cwd: dir, env });
    assertEquals(v.stdout.trim(), "2.1.197 (Claude Code)");

    const missing = await run(FAKE, ["--resume", id, "--dangerously-skip-permissions"], {
      cwd: dir,
      env,
    });
    assertEquals(missing.code, 1);
    assertEquals(missing.stderr.trim(), `No conversation found with session ID: ${id}`);

    const proj = `${dir}/.claude/projects/${dir.replace(/[^a-zA-Z0-9]/g, "-")}`;
    await Deno.mkdir(proj, { recursive: true });
    await Deno.writeTextFile(`${proj}/${id}.jsonl`, "");
    const inUse = await run(FAKE, ["--session-id", id], { cwd: dir, env });
    assertEquals(inUse.code, 1);
    assertEquals(inUse.stderr.trim(), `Error: Session ID ${id} is already in use.`);

    const crash = JSON.stringify({ crashAtStart: { exitCode: 3, message: "boom at start" } });
    await Deno.writeTextFile(`${dir}/crash.json`, crash);
    const c = await run(FAKE, [], {
      cwd: dir,
      env: { ...env, FAKE_CLAUDE_SCRIPT: `${dir}/crash.json` },
    });
    assertEquals(c.code, 3);
    assert(c.stderr.includes("boom at start"));

    if (Deno.uid() === 0) {
      const { IS_SANDBOX: _, ...noSandbox } = env;
      const root = await run(FAKE, ["--dangerously-skip-permissions"], {
        cwd: dir,
        env: noSandbox,
      });
      assertEquals(root.code, 1);
      assertEquals(
        root.stderr.trim(),
        "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons",
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bypass-permissions warning: default No; accepting persists the skip", async () => {
  await withFake({ skipBypassPrompt: false }, async (f) => {
    const s = await f.until("warning", async () => {
      const s = await f.screen();
      return s.includes("WARNING: Claude Code running in Bypass Permissions mode") && s;
    });
    assert(s.includes("  ❯ 1. No, exit") && s.includes("    2. Yes, I accept"), s);
    await f.keys("Down");
    await f.until("Yes highlighted", async () => (await f.screen()).includes("❯ 2. Yes, I accept"));
    await f.keys("Enter");
    await f.event("SessionStart");
    const user = JSON.parse(await Deno.readTextFile(`${f.home}/.claude/settings.json`));
    assertEquals(user.skipDangerousModePermissionPrompt, true);
    // Relaunching (new id) skips the warning now.
    await f.paste("/exit");
    await f.keys("Enter");
    await f.exited();
    f.sessionId = crypto.randomUUID();
    await f.launch(BASE_ARGS(f));
    await f.event("SessionStart", 2);
  });
  await withFake({ skipBypassPrompt: false }, async (f) => {
    await f.until("warning", async () => (await f.screen()).includes("❯ 1. No, exit"));
    await f.keys("Enter");
    assertEquals(await f.exited(), 1);
    assertEquals(await f.names(), []);
  });
});

Deno.test("reorder: some turns write a block and turn_duration out of file order", async () => {
  await withFake({
    script: { reorder: "always", rules: [{ match: "", thinking: "hm", text: "answer" }] },
  }, async (f) => {
    await f.event("SessionStart");
    await f.paste("q");
    await f.keys("Enter");
    await f.event("Stop");
    const lines = await f.until("turn end", async () => {
      const t = await f.transcript();
      return t.some((l) => l.subtype === "stop_hook_summary") && t;
    });
    checkChain(lines);
    const idx = (pred: (l: Line) => boolean) => lines.findIndex(pred);
    const content = (l: Line) => JSON.stringify((l.message as { content?: unknown })?.content);
    const thinking = idx((l) => l.type === "assistant" && content(l).includes('"thinking"'));
    const text = idx((l) => l.type === "assistant" && content(l).includes('"text"'));
    assert(text < thinking, "text block written before its parent thinking block");
    assertEquals(lines[text]!.parentUuid, lines[thinking]!.uuid);
    const summary = idx((l) => l.subtype === "stop_hook_summary");
    const duration = idx((l) => l.subtype === "turn_duration");
    assert(duration < summary, "turn_duration written before stop_hook_summary");
    assertEquals(lines[duration]!.parentUuid, lines[summary]!.uuid);
  });
});

Deno.test("SIGTERM gives SessionEnd(other); ignoreEntersWithinMs drops early Enters", async () => {
  await withFake({ script: { ignoreEntersWithinMs: 1000 }, inlineSettings: true }, async (f) => {
    await f.event("SessionStart");
    await f.paste("early");
    await f.keys("Enter");
    await f.type("!");
    await f.until("typed after", async () => (await f.screen()).includes("❯\u00a0early!"));
    assertEquals(await f.names(), ["SessionStart"]);
    await f.until("UserPromptSubmit after retries", async () => {
      await f.keys("Enter");
      await new Promise((r) => setTimeout(r, 50));
      return (await f.names()).includes("UserPromptSubmit");
    });
    await f.event("Stop");
    const panePid = (await f.tmux("display-message", "-p", "-t", "w", "#{pane_pid}")).trim();
    const child = (await run("pgrep", ["-P", panePid])).stdout.trim().split("\n")[0]!;
    Deno.kill(Number(child), "SIGTERM");
    assertEquals((await f.event("SessionEnd")).reason, "other");
    assertEquals(await f.exited(), 143);
  });
});

Deno.test("a 20 KB prompt through tmux paste-buffer -p arrives whole", async () => {
  await withFake({}, async (f) => {
    await f.event("SessionStart");
    const text = Array.from({ length: 400 }, (_, i) => `line ${i} ${"x".repeat(40)}`).join("\n");
    await Deno.writeTextFile(`${f.dir}/big.txt`, text);
    await f.tmux("load-buffer", "-b", "big", `${f.dir}/big.txt`);
    await f.tmux("paste-buffer", "-p", "-d", "-b", "big", "-t", "w");
    await f.until(
      "collapsed",
      async () => (await f.screen()).includes("[Pasted text #1 +399 lines]"),
    );
    await f.keys("Enter");
    assertEquals((await f.event("UserPromptSubmit")).prompt, text);
    await f.event("Stop");
  });
});

Deno.test("Escape during a tool kills its process tree; no Stop; the prompt returns", async () => {
  await withFake({
    script: { rules: [{ match: "", tool: { command: "sleep 30 & echo $! > pid.txt; wait" } }] },
  }, async (f) => {
    await f.event("SessionStart");
    await f.paste("run it");
    await f.keys("Enter");
    await f.event("PreToolUse");
    const pid = Number(
      await f.until("pid", async () => {
        return (await Deno.readTextFile(`${f.work}/pid.txt`).catch(() => "")).trim();
      }),
    );
    await f.keys("Escape");
    await f.until("text back", async () => (await f.screen()).includes("❯\u00a0run it"));
    await f.until("tool killed", () => {
      try {
        Deno.kill(pid, "SIGCONT");
        return false;
      } catch {
        return true;
      }
    });
    const lines = await f.transcript();
    checkChain(lines);
    assert(JSON.stringify(lines.at(-1)).includes("[Request interrupted by user]"));
    assertEquals(await f.names(), ["SessionStart", "UserPromptSubmit", "PreToolUse"]);
  });
});
