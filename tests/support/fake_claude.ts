// A scripted stand-in for the real `claude` CLI (2.1.197), for csd's fast test layer.
//
// It runs in a tmux pane where the real one would, draws a TUI with the same markers (input box
// borders, the "❯\u00a0" prompt glyph, collapsed "[Pasted text #N +M lines]" pastes, the
// folder-trust dialog), fires the same hook events with the same payload shapes, and writes a
// transcript in Claude's JSONL format. Everything it does is decided by FAKE_CLAUDE_SCRIPT (a JSON
// file, see `Script` below), so tests are deterministic. Plain TypeScript with no imports so it
// starts fast under `deno run --no-check`.

// ---------------------------------------------------------------------------------------------
// Script

interface ToolSpec {
  command: string;
  description?: string;
}

interface Rule {
  match?: string | null;
  regex?: string | null;
  delayMs?: number;
  thinking?: string | null;
  text?: string | null;
  tool?: ToolSpec | null;
  subagent?: boolean;
  fail?: string | null;
  crash?: number | null;
  stopBeforeTranscript?: boolean;
  notification?: string | null;
  reorder?: boolean | null;
}

// Behaviours that changed between releases (FAKE_CLAUDE_SCRIPT `version`):
//   "2.1.197" (default) a prompt typed during a turn fires UserPromptSubmit when its turn starts.
//   "2.1.332" a collapsed paste reaches the hook and transcript wrapped in <pasted_content>, and
//             a prompt typed during a turn fires UserPromptSubmit at once, carrying the running
//             turn's prompt_id (its own turn later gets a new one; Stops come one per turn).
type Version = "2.1.197" | "2.1.332";

interface Script {
  startupDelayMs: number;
  sessionStartDelayMs: number;
  ignoreEnters: number;
  trustDialog: "auto" | "never" | "noHighlighted";
  bypassDialog: "auto" | "never";
  ignoreEntersWithinMs: number;
  crashAtStart: { exitCode?: number; message?: string } | null;
  rules: Rule[];
  defaultReply: string;
  reorder: "sometimes" | "never" | "always";
  model: string;
  version: Version;
  /** Stays running on /exit (a hung or misbehaving harness). */
  ignoreExit: boolean;
  /** Survives SIGHUP, SIGTERM and a closed terminal (only SIGKILL ends it). */
  ignoreHangup: boolean;
  /** After a hangup, fire SessionEnd only this much later (a harness slow to die). */
  hangupDelayMs: number;
}

let VERSION: Version = "2.1.197";
const MODEL_API = "claude-opus-4-8";
const ENC = new TextEncoder();

function loadScript(): Script {
  const script: Script = {
    startupDelayMs: 0,
    sessionStartDelayMs: 0,
    ignoreEnters: 0,
    trustDialog: "auto",
    bypassDialog: "auto",
    ignoreEntersWithinMs: 0,
    crashAtStart: null,
    rules: [],
    defaultReply: "fake reply: {prompt}",
    reorder: "sometimes",
    model: "claude-opus-4-8[1m]",
    version: "2.1.197",
    ignoreExit: false,
    ignoreHangup: false,
    hangupDelayMs: 0,
  };
  const path = Deno.env.get("FAKE_CLAUDE_SCRIPT");
  if (!path) return script;
  const raw = JSON.parse(Deno.readTextFileSync(path)) as Partial<Script>;
  return { ...script, ...raw, rules: raw.rules ?? [] };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function abortableSleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function hex(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(Math.ceil(n / 2)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, n);
}

function base62(n: number): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => abc[b % 62]).join("");
}

const uuid = () => crypto.randomUUID();
const nowIso = () => new Date().toISOString();

function writeErr(s: string) {
  try {
    Deno.stderr.writeSync(ENC.encode(s));
  } catch { /* ignore */ }
}

function writeOut(s: string) {
  const data = ENC.encode(s);
  let off = 0;
  try {
    while (off < data.length) off += Deno.stdout.writeSync(data.subarray(off));
  } catch { /* terminal gone */ }
}

// Claude's project-directory naming. Paths over 200 characters are cut and hashed by the real
// one (with a hash we cannot reproduce exactly); csd must take transcript_path from hooks.
function sanitizePath(p: string): string {
  const s = p.replace(/[^a-zA-Z0-9]/g, "-");
  if (s.length <= 200) return s;
  let h = 0;
  for (let i = 0; i < p.length; i++) h = ((h << 5) - h + p.charCodeAt(i)) | 0;
  return `${s.slice(0, 200)}-${Math.abs(h).toString(36)}`;
}

function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

// ---------------------------------------------------------------------------------------------
// Command line

interface Args {
  sessionId: string | null;
  resume: string | null;
  settings: string | null;
  skipPermissions: boolean;
  version: boolean;
  print: string | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    sessionId: null,
    resume: null,
    settings: null,
    skipPermissions: false,
    version: false,
    print: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : null;
    const value = () => inline ?? argv[++i] ?? null;
    if (name === "--session-id") a.sessionId = value();
    else if (name === "--resume" || name === "-r") a.resume = value();
    else if (name === "--settings") a.settings = value();
    else if (name === "--dangerously-skip-permissions") a.skipPermissions = true;
    else if (name === "--version" || name === "-v") a.version = true;
    else if (name === "--print" || name === "-p") a.print = value();
  }
  return a;
}

// ---------------------------------------------------------------------------------------------
// Hooks

interface HookCommand {
  type?: string;
  command?: string;
  timeout?: number;
}
interface HookMatcher {
  matcher?: string;
  hooks?: HookCommand[];
}
type HookConfig = Record<string, HookMatcher[]>;

interface HookResult {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

interface Settings {
  hooks?: HookConfig;
  skipDangerousModePermissionPrompt?: boolean;
}

function loadSettings(arg: string | null): Settings {
  if (!arg) return {};
  const text = arg.trim().startsWith("{") ? arg : Deno.readTextFileSync(arg);
  return JSON.parse(text) as Settings;
}

function matcherMatches(matcher: string | undefined, target: string | undefined): boolean {
  if (matcher === undefined || matcher === "" || matcher === "*") return true;
  if (target === undefined) return true;
  try {
    return new RegExp(`^(?:${matcher})$`).test(target);
  } catch {
    return matcher.split("|").includes(target);
  }
}

// ---------------------------------------------------------------------------------------------
// The fake

type Mode = "starting" | "dialog" | "main" | "exiting";

interface Dialog {
  body: (cols: number) => string[];
  indent: string;
  options: string[];
  choice: number;
  cancel: number; // the option Escape picks
  resolve: (choice: number) => void;
}

interface QueueItem {
  text: string;
  queued: boolean;
  /** 2.1.332: UserPromptSubmit already fired when the prompt was typed. */
  announced?: boolean;
}

interface Entry {
  lines: string[];
}

class FakeClaude {
  readonly cwd = Deno.cwd();
  readonly home = Deno.env.get("HOME") ?? "/";
  sessionId: string;
  readonly resuming: boolean;
  transcriptPath: string;
  readonly script: Script;
  readonly hooks: HookConfig;
  readonly settings: Settings;

  mode: Mode = "starting";
  // Transcript state
  tip: string | null = null;
  promptId: string | null = null;
  fileStarted = false;
  firstTurn = true;
  turnCount = 0;
  messageCount = 0;
  // Screen state
  entries: Entry[] = [];
  box = "";
  pastes = new Map<string, string>();
  footerNote: string | null = null;
  busy = false;
  spinner = "";
  dialog: Dialog | null = null;
  sessionStartAt = 0;
  escArmedAt = 0;
  ctrlCArmedAt = 0;
  enterIgnoresLeft: number;
  // Turn machinery
  queue: QueueItem[] = [];
  sessionStarted = false;
  workerRunning = false;
  turnAbort: AbortController | null = null;
  // Input parsing
  decoder = new TextDecoder();
  pending = "";
  inPaste = false;
  pasteBuf = "";
  escTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(sessionId: string, resuming: boolean, script: Script, settings: Settings) {
    this.sessionId = sessionId;
    this.resuming = resuming;
    this.script = script;
    this.settings = settings;
    this.hooks = settings.hooks ?? {};
    this.enterIgnoresLeft = script.ignoreEnters;
    this.transcriptPath = transcriptPathFor(this.home, this.cwd, sessionId);
  }

  // ----- hooks ------------------------------------------------------------------------------

  hookCommands(event: string, target?: string): HookCommand[] {
    const out: HookCommand[] = [];
    for (const m of this.hooks[event] ?? []) {
      if (!matcherMatches(m.matcher, target)) continue;
      for (const h of m.hooks ?? []) {
        if (h.command && (h.type ?? "command") === "command") out.push(h);
      }
    }
    return out;
  }

  async fireHook(
    event: string,
    fields: Record<string, unknown>,
    target?: string,
  ): Promise<HookResult[]> {
    const cmds = this.hookCommands(event, target);
    if (cmds.length === 0) return [];
    const payload = JSON.stringify({
      session_id: this.sessionId,
      transcript_path: this.transcriptPath,
      cwd: this.cwd,
      ...fields,
    });
    const env = {
      ...Deno.env.toObject(),
      CLAUDE_PROJECT_DIR: this.cwd,
      CLAUDE_CODE_SESSION_ID: this.sessionId,
      CLAUDECODE: "1",
    };
    return await Promise.all(cmds.map((h) => this.runHook(h, payload, env)));
  }

  async runHook(h: HookCommand, payload: string, env: Record<string, string>): Promise<HookResult> {
    const started = Date.now();
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), (h.timeout ?? 60) * 1000);
    try {
      const child = new Deno.Command("sh", {
        args: ["-c", h.command!],
        cwd: this.cwd,
        env,
        clearEnv: true,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        signal: ac.signal,
      }).spawn();
      const w = child.stdin.getWriter();
      try {
        await w.write(ENC.encode(payload));
        await w.close();
      } catch { /* hook did not read its stdin */ }
      const out = await child.output();
      const dec = new TextDecoder();
      return {
        command: h.command!,
        code: out.code,
        stdout: dec.decode(out.stdout),
        stderr: dec.decode(out.stderr),
        durationMs: Date.now() - started,
      };
    } catch (e) {
      return {
        command: h.command!,
        code: -1,
        stdout: "",
        stderr: String(e),
        durationMs: Date.now() - started,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  withPrompt(): Record<string, unknown> {
    return this.promptId ? { prompt_id: this.promptId } : {};
  }

  // ----- transcript -------------------------------------------------------------------------

  common() {
    return {
      userType: "external",
      entrypoint: "cli",
      cwd: this.cwd,
      sessionId: this.sessionId,
      version: VERSION,
      gitBranch: "HEAD",
    };
  }

  writeLine(obj: unknown) {
    Deno.mkdirSync(dirname(this.transcriptPath), { recursive: true });
    if (!this.fileStarted) {
      this.fileStarted = true;
      if (!this.resuming) {
        const meta = [
          { type: "mode", mode: "normal", sessionId: this.sessionId },
          {
            type: "permission-mode",
            permissionMode: "bypassPermissions",
            sessionId: this.sessionId,
          },
        ];
        Deno.writeTextFileSync(
          this.transcriptPath,
          meta.map((m) => JSON.stringify(m) + "\n").join(""),
          { append: true },
        );
      }
    }
    Deno.writeTextFileSync(this.transcriptPath, JSON.stringify(obj) + "\n", { append: true });
  }

  // Builds a chained line: assigns uuid/parentUuid/timestamp and advances the tip.
  chain<T extends Record<string, unknown>>(build: (parent: string | null) => T): T & {
    uuid: string;
  } {
    const u = uuid();
    const obj = build(this.tip) as T & { uuid: string };
    obj.uuid = u;
    this.tip = u;
    this.messageCount++;
    return obj;
  }

  userPromptLine(text: string, source: "typed" | "queued") {
    const u = uuid();
    const ts = nowIso();
    this.writeLine({
      type: "file-history-snapshot",
      messageId: u,
      snapshot: { messageId: u, trackedFileBackups: {}, timestamp: ts },
      isSnapshotUpdate: false,
    });
    const line = {
      parentUuid: this.tip,
      isSidechain: false,
      promptId: this.promptId,
      type: "user",
      message: { role: "user", content: text },
      uuid: u,
      timestamp: ts,
      permissionMode: "bypassPermissions",
      origin: { kind: "human" },
      promptSource: source,
      ...this.common(),
    };
    this.tip = u;
    this.messageCount++;
    this.writeLine(line);
  }

  plainUserLine(content: unknown) {
    const line = {
      parentUuid: this.tip,
      isSidechain: false,
      promptId: this.promptId,
      type: "user",
      message: { role: "user", content },
      uuid: uuid(),
      timestamp: nowIso(),
      ...this.common(),
    };
    this.tip = line.uuid;
    this.messageCount++;
    this.writeLine(line);
  }

  attachmentLine() {
    const line = {
      parentUuid: this.tip,
      isSidechain: false,
      attachment: {
        type: "skill_listing",
        content: "- update-config: Use this skill to configure the Claude Code harness.",
      },
      type: "attachment",
      uuid: uuid(),
      timestamp: nowIso(),
      ...this.common(),
    };
    this.tip = line.uuid;
    this.writeLine(line);
  }

  // An assistant line for one content block. Not written: the caller decides the file order.
  assistantLine(msgId: string, block: unknown, stopReason: string) {
    const line = {
      parentUuid: this.tip,
      isSidechain: false,
      message: {
        id: msgId,
        type: "message",
        role: "assistant",
        model: MODEL_API,
        content: [block],
        stop_reason: stopReason,
        stop_sequence: null,
        usage: {
          input_tokens: 10,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 5,
          server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
          service_tier: "standard",
          cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
          inference_geo: "",
          iterations: [],
          speed: "standard",
        },
        stop_details: null,
      },
      type: "assistant",
      uuid: uuid(),
      timestamp: nowIso(),
      ...this.common(),
    };
    this.tip = line.uuid;
    this.messageCount++;
    return line;
  }

  toolResultLine(
    toolUseId: string,
    content: unknown,
    isError: boolean,
    toolUseResult: unknown,
    sourceUuid: string,
  ) {
    const block = isError
      ? { type: "tool_result", content, is_error: true, tool_use_id: toolUseId }
      : { tool_use_id: toolUseId, type: "tool_result", content, is_error: false };
    const line = {
      parentUuid: this.tip,
      isSidechain: false,
      promptId: this.promptId,
      type: "user",
      message: { role: "user", content: [block] },
      uuid: uuid(),
      timestamp: nowIso(),
      toolUseResult,
      sourceToolAssistantUUID: sourceUuid,
      ...this.common(),
    };
    this.tip = line.uuid;
    this.messageCount++;
    return line;
  }

  systemLine(subtype: string, fields: Record<string, unknown>) {
    const line = {
      parentUuid: this.tip,
      isSidechain: false,
      type: "system",
      subtype,
      ...fields,
      timestamp: nowIso(),
      uuid: uuid(),
      ...this.common(),
    };
    this.tip = line.uuid;
    return line;
  }

  // Restores the tip and display history of an existing transcript (for --resume).
  loadExisting() {
    const text = Deno.readTextFileSync(this.transcriptPath);
    const lines: Record<string, unknown>[] = [];
    for (const l of text.split("\n")) {
      if (!l.trim()) continue;
      try {
        lines.push(JSON.parse(l));
      } catch { /* torn line */ }
    }
    const parents = new Set(lines.map((l) => l.parentUuid).filter((p) => typeof p === "string"));
    let best: Record<string, unknown> | null = null;
    for (const l of lines) {
      if (typeof l.uuid !== "string" || parents.has(l.uuid)) continue;
      if (!best || String(l.timestamp ?? "") >= String(best.timestamp ?? "")) best = l;
    }
    this.tip = best ? (best.uuid as string) : null;
    this.messageCount = lines.filter((l) => typeof l.uuid === "string").length;
    this.fileStarted = true;
    this.firstTurn = false;
    for (const l of lines) {
      const m = l.message as { content?: unknown } | undefined;
      if (l.type === "user" && typeof m?.content === "string" && !m.content.startsWith("<")) {
        this.entries.push({ lines: promptLines(m.content) });
      } else if (l.type === "assistant" && Array.isArray(m?.content)) {
        for (const b of m.content as { type?: string; text?: string }[]) {
          if (b.type === "text" && b.text) this.entries.push({ lines: bullet(b.text) });
        }
      }
      if (typeof l.promptId === "string") this.promptId = l.promptId;
    }
  }

  // ----- screen -----------------------------------------------------------------------------

  size(): { cols: number; rows: number } {
    try {
      const s = Deno.consoleSize();
      return { cols: Math.max(20, s.columns), rows: Math.max(10, s.rows) };
    } catch {
      return { cols: 200, rows: 50 };
    }
  }

  render() {
    if (this.mode === "starting" || this.mode === "exiting") return;
    const { cols, rows } = this.size();
    const out = this.mode === "dialog" ? this.dialogScreen(cols) : this.mainScreen(cols, rows);
    const shown = out.slice(Math.max(0, out.length - rows)).map((l) => clip(l, cols));
    let s = "\x1b[?25l\x1b[H";
    shown.forEach((l, i) => {
      s += l + "\x1b[K" + (i < shown.length - 1 ? "\r\n" : "");
    });
    s += "\x1b[J";
    writeOut(s);
  }

  dialogScreen(cols: number): string[] {
    const d = this.dialog!;
    const opts = d.options.map((label, i) =>
      d.choice === i
        ? `${d.indent}\x1b[38;5;153m❯\x1b[39m \x1b[38;5;246m${i + 1}.\x1b[39m ` +
          `\x1b[38;5;153m${label}\x1b[39m`
        : `${d.indent}  \x1b[38;5;246m${i + 1}.\x1b[39m ${label}`
    );
    return [
      ...d.body(cols),
      ...opts,
      "",
      `${d.indent}\x1b[38;5;246mEnter to confirm · Esc to cancel\x1b[39m`,
    ];
  }

  trustBody(cols: number): string[] {
    return [
      "",
      `\x1b[38;5;220m${"─".repeat(cols)}\x1b[39m`,
      " \x1b[1m\x1b[38;5;220mAccessing workspace:\x1b[0m",
      "",
      ` \x1b[1m${this.cwd}\x1b[0m`,
      "",
      ...wordWrap(
        "Quick safety check: Is this a project you created or one you trust? (Like your own " +
          "code, a well-known open source project, or work from your team). If not, take a " +
          "moment to review what's in this folder first.",
        cols - 2,
      ).map((l) => " " + l),
      "",
      " Claude Code'll be able to read, edit, and execute files here.",
      "",
      " \x1b[38;5;246mSecurity guide\x1b[39m",
      "",
    ];
  }

  bypassBody(cols: number): string[] {
    const para = (t: string) => wordWrap(t, cols - 3).map((l) => "  " + l);
    return [
      "",
      `\x1b[38;5;211m${"─".repeat(cols)}\x1b[39m`,
      "  \x1b[1m\x1b[38;5;211mWARNING: Claude Code running in Bypass Permissions mode\x1b[0m",
      "",
      ...para(
        "In Bypass Permissions mode, Claude Code will not ask for your approval before running " +
          "potentially dangerous commands.",
      ),
      ...para(
        "This mode should only be used in a sandboxed container/VM that has restricted " +
          "internet access and can easily be restored if damaged.",
      ),
      "",
      ...para(
        "By proceeding, you accept all responsibility for actions taken while running in " +
          "Bypass Permissions mode.",
      ),
      "",
      "  https://code.claude.com/docs/en/security",
      "",
    ];
  }

  // Shows a dialog and resolves with the chosen option's index.
  ask(d: Omit<Dialog, "resolve">): Promise<number> {
    return new Promise((resolve) => {
      this.dialog = { ...d, resolve };
      this.mode = "dialog";
      this.render();
    });
  }

  dialogPick(choice: number) {
    const d = this.dialog;
    if (!d || choice < 0 || choice >= d.options.length) return;
    this.dialog = null;
    this.mode = "starting";
    writeOut("\x1b[2J\x1b[H");
    d.resolve(choice);
  }

  mainScreen(cols: number, rows: number): string[] {
    const inner = Math.min(cols, 100) - 2;
    const title = "─── Claude Code v" + VERSION + " ";
    const header = [
      "╭" + title + "─".repeat(Math.max(0, inner - title.length)) + "╮",
      "│" + center("Welcome back!", inner) + "│",
      "│" + center(this.cwd, inner) + "│",
      "╰" + "─".repeat(inner) + "╯",
    ];
    const convo: string[] = [];
    for (const e of this.entries) convo.push("", ...e.lines);
    if (this.busy) convo.push("", `\x1b[38;5;174m· ${this.spinner}…\x1b[39m`);
    for (const q of this.queue.slice(this.workerRunning ? 1 : 0)) {
      convo.push(`\x1b[38;5;246m  ❯ ${q.text.split("\n")[0]}\x1b[39m`);
    }
    const border = `\x1b[38;5;244m${"─".repeat(cols)}\x1b[39m`;
    const bash = this.box.startsWith("!");
    const glyph = bash ? "!" : "❯";
    const body = bash ? this.box.slice(1).replace(/^ /, "") : this.box;
    const placeholder = this.box === "" && this.queue.length > (this.workerRunning ? 1 : 0)
      ? "\x1b[38;5;246mPress up to edit queued messages\x1b[39m"
      : "";
    const boxLines = wrapBox(body, cols - 2).map((l, i) =>
      i === 0 ? `${glyph}\u00a0${l}` : `  ${l}`
    );
    if (placeholder) boxLines[0] = `${glyph}\u00a0${placeholder}`;
    boxLines[boxLines.length - 1] += "\x1b[7m \x1b[0m";
    const footer = bash
      ? "  ! for shell mode"
      : this.footerNote ?? "  ⏵⏵ bypass permissions on (shift+tab to cycle)";
    const bottom = [border, ...boxLines, border, footer];
    const room = Math.max(0, rows - bottom.length);
    const top = [...header, ...convo];
    const topShown = top.slice(Math.max(0, top.length - room));
    const pad: string[] = Array(Math.max(0, room - topShown.length)).fill("");
    // The real one keeps the box right under the conversation, with blank rows below it.
    return [...topShown, "", ...bottom, ...pad].slice(0, rows);
  }

  addEntry(lines: string[]): Entry {
    const e = { lines };
    this.entries.push(e);
    this.render();
    return e;
  }

  // ----- input ------------------------------------------------------------------------------

  onData(chunk: Uint8Array) {
    this.pending += this.decoder.decode(chunk, { stream: true });
    this.parse(false);
  }

  parse(escTimeout: boolean) {
    if (this.escTimer !== null) {
      clearTimeout(this.escTimer);
      this.escTimer = null;
    }
    const END = "\x1b[201~";
    while (this.pending.length > 0) {
      if (this.inPaste) {
        const idx = this.pending.indexOf(END);
        if (idx < 0) {
          // Keep a possibly partial end marker at the tail.
          let keep = 0;
          for (let k = Math.min(END.length - 1, this.pending.length); k > 0; k--) {
            if (END.startsWith(this.pending.slice(-k))) {
              keep = k;
              break;
            }
          }
          this.pasteBuf += this.pending.slice(0, this.pending.length - keep);
          this.pending = this.pending.slice(this.pending.length - keep);
          return;
        }
        this.pasteBuf += this.pending.slice(0, idx);
        this.pending = this.pending.slice(idx + END.length);
        this.inPaste = false;
        this.onPaste(this.pasteBuf);
        this.pasteBuf = "";
        continue;
      }
      const c = this.pending[0]!;
      if (c === "\x1b") {
        if (this.pending.startsWith("\x1b[200~")) {
          this.pending = this.pending.slice(6);
          this.inPaste = true;
          this.pasteBuf = "";
          continue;
        }
        const seq = matchEscape(this.pending);
        if (seq === null) {
          // Incomplete: a lone ESC (the Escape key) or a sequence split across reads.
          if (escTimeout) {
            this.pending = this.pending.slice(1);
            this.onKey("escape");
            continue;
          }
          this.escTimer = setTimeout(() => this.parse(true), 40);
          return;
        }
        this.pending = this.pending.slice(seq.length);
        this.onKey(keyName(seq));
        continue;
      }
      if (c === "\r") this.onKey("enter");
      else if (c === "\n") this.onText("\n");
      else if (c === "\x7f" || c === "\x08") this.onKey("backspace");
      else if (c === "\x03") this.onKey("ctrl-c");
      else if (c === "\x15") this.onKey("ctrl-u");
      else if (c === "\t") this.onKey("tab");
      else if (c < " ") { /* other control keys: ignored */ }
      else {
        let j = 0;
        while (j < this.pending.length && this.pending[j]! >= " " && this.pending[j] !== "\x7f") {
          j++;
        }
        this.onText(this.pending.slice(0, j));
        this.pending = this.pending.slice(j);
        continue;
      }
      this.pending = this.pending.slice(1);
    }
  }

  onPaste(raw: string) {
    if (this.mode !== "main") return;
    const text = raw.replace(/\r\n?/g, "\n").replace(/\t/g, "    ");
    if (text === "") return;
    const newlines = (text.match(/\n/g) ?? []).length;
    if (text.length > 800 || newlines > 2) {
      const n = this.pastes.size + 1;
      const label = newlines > 0 ? `[Pasted text #${n} +${newlines} lines]` : `[Pasted text #${n}]`;
      this.pastes.set(label, text);
      this.box += label;
    } else {
      this.box += text;
    }
    this.footerNote = "  paste again to expand";
    this.render();
  }

  onText(text: string) {
    if (this.mode === "dialog") {
      const digit = Number(text[0]);
      if (digit >= 1) this.dialogPick(digit - 1);
      return;
    }
    if (this.mode !== "main") return;
    this.box += text;
    this.footerNote = null;
    this.render();
  }

  onKey(key: string) {
    const d = this.dialog;
    if (this.mode === "dialog" && d) {
      if (key === "up") d.choice = Math.max(0, d.choice - 1);
      else if (key === "down") d.choice = Math.min(d.options.length - 1, d.choice + 1);
      else if (key === "enter") return this.dialogPick(d.choice);
      else if (key === "escape") return this.dialogPick(d.cancel);
      this.render();
      return;
    }
    if (this.mode !== "main") return;
    const now = Date.now();
    if (key !== "ctrl-c") this.ctrlCArmedAt = 0;
    if (key !== "escape") this.escArmedAt = 0;
    switch (key) {
      case "enter":
        return this.onEnter();
      case "backspace":
        this.box = [...this.box].slice(0, -1).join("");
        break;
      case "ctrl-u": {
        const nl = this.box.lastIndexOf("\n");
        this.box = nl === this.box.length - 1 ? this.box.slice(0, -1) : this.box.slice(0, nl + 1);
        break;
      }
      case "escape":
        if (this.busy && this.turnAbort) {
          this.turnAbort.abort();
          return;
        }
        if (this.box !== "") {
          if (this.escArmedAt && now - this.escArmedAt < 1500) {
            this.clearBox();
            this.escArmedAt = 0;
            this.footerNote = null;
          } else {
            this.escArmedAt = now;
            this.footerNote = "  Esc again to clear";
          }
        }
        break;
      case "ctrl-c":
        if (this.busy && this.turnAbort) {
          this.turnAbort.abort();
          return;
        }
        if (this.ctrlCArmedAt && now - this.ctrlCArmedAt < 2000) {
          void this.exit("prompt_input_exit", 0);
          return;
        }
        this.clearBox();
        this.ctrlCArmedAt = now;
        this.footerNote = "  Press Ctrl-C again to exit";
        break;
      default:
        return; // arrows, tab…: nothing in the main screen
    }
    if (this.box === "") this.pastes.clear();
    this.render();
  }

  clearBox() {
    this.box = "";
    this.pastes.clear();
  }

  expandBox(): string {
    // Like the real one: trailing whitespace typed or pasted inline is dropped, leading kept;
    // a collapsed paste is expanded afterwards and keeps its own trailing newline.
    let text = this.box.trimEnd();
    for (const [label, content] of this.pastes) {
      const id = hex(4);
      const wrapped = VERSION === "2.1.332"
        ? `\n\n<pasted_content id="${id}">\n${content}\n</pasted_content id="${id}">\n`
        : content;
      text = text.split(label).join(wrapped);
    }
    return text;
  }

  onEnter() {
    if (this.box.trim() === "") return;
    const sinceStart = Date.now() - this.sessionStartAt;
    const window = this.script.ignoreEntersWithinMs;
    if (window > 0 && (!this.sessionStartAt || sinceStart < window)) return;
    if (this.enterIgnoresLeft > 0) {
      this.enterIgnoresLeft--;
      return;
    }
    const text = this.expandBox();
    this.clearBox();
    this.footerNote = null;
    if (text.startsWith("/")) {
      this.slashCommand(text);
      return;
    }
    const queued = this.busy || this.queue.length > 0;
    if (queued && !text.startsWith("!")) {
      this.writeLine({
        type: "queue-operation",
        operation: "enqueue",
        timestamp: nowIso(),
        sessionId: this.sessionId,
        content: text,
      });
    }
    const item: QueueItem = { text, queued };
    this.queue.push(item);
    this.render();
    if (queued && !text.startsWith("!") && !text.startsWith("/") && VERSION === "2.1.332") {
      item.announced = true;
      void this.fireHook("UserPromptSubmit", {
        ...this.withPrompt(),
        permission_mode: "bypassPermissions",
        hook_event_name: "UserPromptSubmit",
        prompt: text,
      });
    }
    void this.drain();
  }

  slashCommand(text: string) {
    const m = text.match(/^\/(\S*)\s*([\s\S]*)$/)!;
    const name = m[1] ?? "";
    const args = (m[2] ?? "").trim();
    if (name === "exit" || name === "quit") {
      if (this.script.ignoreExit) return;
      void this.exit("prompt_input_exit", 0);
      return;
    }
    if (name === "clear") {
      void this.clear();
      return;
    }
    if (name === "compact") {
      void this.compact();
      return;
    }
    const msgs = [`Unknown command: /${name}`];
    if (args) msgs.push(`Args from unknown skill: ${args}`);
    for (const content of msgs) {
      this.writeLine(
        this.systemLine("informational", { content, isMeta: false, level: "warning" }),
      );
      this.entries.push({ lines: [`● ${content}`] });
    }
    this.render();
  }

  // ----- turns ------------------------------------------------------------------------------

  async drain() {
    if (this.workerRunning || !this.sessionStarted) return;
    this.workerRunning = true;
    try {
      while (this.queue.length > 0 && this.mode === "main") {
        const item = this.queue[0]!;
        if (item.queued && !item.text.startsWith("!")) {
          this.writeLine({
            type: "queue-operation",
            operation: "dequeue",
            timestamp: nowIso(),
            sessionId: this.sessionId,
          });
        }
        await this.runTurn(item);
        this.queue.shift();
      }
    } finally {
      this.workerRunning = false;
      this.busy = false;
      this.render();
    }
  }

  findRule(prompt: string): Rule {
    for (const r of this.script.rules) {
      if (r.match != null && !prompt.includes(r.match)) continue;
      if (r.regex != null && !new RegExp(r.regex).test(prompt)) continue;
      return r;
    }
    return {};
  }

  async runTurn(item: QueueItem) {
    const started = Date.now();
    const turnIndex = this.turnCount++;
    this.busy = true;
    this.spinner = "Pondering";
    const ac = new AbortController();
    this.turnAbort = ac;
    const tipBefore = this.tip;
    const entriesBefore = this.entries.length;
    let prompt = item.text;
    let emitted = false;

    if (item.text.startsWith("!")) {
      // Bash mode: no UserPromptSubmit. The command's output goes to the model, which answers.
      const cmd = item.text.slice(1).trim();
      this.addEntry([`! ${cmd}`]);
      this.plainUserLine(`<bash-input>${cmd}</bash-input>`);
      const r = await runShell(cmd, this.cwd, ac.signal);
      const out = r.stdout.replace(/\n$/, "");
      const err = r.stderr.replace(/\n$/, "");
      this.entries[this.entries.length - 1]!.lines.push(
        ...firstLines(out || err || "(No output)", "  ⎿  "),
      );
      prompt = `<bash-stdout>${out}</bash-stdout><bash-stderr>${err}</bash-stderr>`;
      this.plainUserLine(prompt);
      emitted = true;
    } else {
      this.promptId = uuid();
      if (!item.announced) {
        await this.fireHook("UserPromptSubmit", {
          ...this.withPrompt(),
          permission_mode: "bypassPermissions",
          hook_event_name: "UserPromptSubmit",
          prompt,
        });
      }
      this.userPromptLine(prompt, item.queued ? "queued" : "typed");
      if (this.firstTurn) {
        this.firstTurn = false;
        this.attachmentLine();
      }
      this.addEntry(promptLines(prompt));
    }

    const rule = this.findRule(prompt);
    const reorder = rule.reorder ??
      (this.script.reorder === "always" ||
        (this.script.reorder === "sometimes" && turnIndex % 3 === 1));

    const interrupted = (): void => {
      this.busy = false;
      this.turnAbort = null;
      if (!emitted) {
        // Nothing came back yet: the real one rewinds (the prompt's line stays in the file as a
        // dead branch) and puts the text back into the box.
        this.tip = tipBefore;
        this.entries.length = entriesBefore;
      } else {
        this.plainUserLine([{ type: "text", text: "[Request interrupted by user]" }]);
        this.entries.push({ lines: ["  ⎿  Interrupted · What should Claude do instead?"] });
      }
      const back = [item.text, ...this.queue.slice(1).map((q) => q.text)];
      this.queue.splice(1);
      if (this.box === "") this.box = back.join("\n");
      this.render();
    };

    if (rule.delayMs && !(await abortableSleep(rule.delayMs, ac.signal))) return interrupted();
    if (ac.signal.aborted) return interrupted();
    if (rule.crash != null) Deno.exit(rule.crash);

    if (rule.fail) {
      const status = Number(rule.fail.match(/API Error: (\d+)/)?.[1] ?? 400);
      const line = {
        parentUuid: this.tip,
        isSidechain: false,
        type: "assistant",
        uuid: uuid(),
        timestamp: nowIso(),
        message: {
          id: uuid(),
          container: null,
          model: "<synthetic>",
          role: "assistant",
          stop_details: null,
          stop_reason: "stop_sequence",
          stop_sequence: "",
          type: "message",
          usage: {
            input_tokens: 0,
            output_tokens: 0,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
            service_tier: null,
            cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
            inference_geo: null,
            iterations: null,
            speed: null,
          },
          content: [{ type: "text", text: rule.fail }],
          context_management: null,
        },
        error: "unknown",
        isApiErrorMessage: true,
        apiErrorStatus: status,
        ...this.common(),
      };
      this.tip = line.uuid;
      this.messageCount++;
      this.writeLine(line);
      this.writeLine(this.systemLine("turn_duration", {
        durationMs: Date.now() - started,
        messageCount: this.messageCount,
        isMeta: false,
      }));
      this.entries.push({ lines: bullet(rule.fail) });
      this.finishDisplay(started);
      await this.fireHook("StopFailure", {
        ...this.withPrompt(),
        effort: { level: "high" },
        hook_event_name: "StopFailure",
        error: "unknown",
        last_assistant_message: rule.fail,
      });
      return;
    }

    let msgId = `msg_${base62(24)}`;
    const pendingFinal: Record<string, unknown>[] = [];
    const hasTool = !!rule.tool || !!rule.subagent;
    if (rule.thinking) {
      const l = this.assistantLine(
        msgId,
        { type: "thinking", thinking: rule.thinking, signature: base62(40) },
        hasTool ? "tool_use" : "end_turn",
      );
      if (!hasTool && reorder) pendingFinal.push(l); // written after the text block
      else this.writeLine(l);
      this.entries.push({ lines: ["  \x1b[2mThought for 1s (ctrl+o to expand)\x1b[22m"] });
      emitted = true;
    }

    if (rule.subagent) {
      emitted = true;
      if (!(await this.subagent(msgId, ac.signal))) return interrupted();
      emitted = true;
      msgId = `msg_${base62(24)}`;
    }

    if (rule.tool) {
      emitted = true;
      if (!(await this.bashTool(msgId, rule.tool, ac.signal))) return interrupted();
      emitted = true;
      msgId = `msg_${base62(24)}`;
    }
    if (ac.signal.aborted) return interrupted();

    const text = (rule.text ?? this.script.defaultReply).split("{prompt}").join(prompt);
    const final = this.assistantLine(msgId, { type: "text", text }, "end_turn");
    const stopHooks = this.hookCommands("Stop");
    const stopHook = () =>
      this.fireHook("Stop", {
        ...this.withPrompt(),
        permission_mode: "bypassPermissions",
        effort: { level: "high" },
        hook_event_name: "Stop",
        stop_hook_active: false,
        last_assistant_message: text,
        background_tasks: [],
        session_crons: [],
      });
    const tail = (results: HookResult[]) => {
      const out: Record<string, unknown>[] = [];
      if (stopHooks.length > 0) {
        out.push(this.systemLine("stop_hook_summary", {
          hookCount: results.length,
          hookInfos: results.map((r) => ({ command: r.command, durationMs: r.durationMs })),
          hookErrors: [],
          hookAdditionalContext: [],
          preventedContinuation: false,
          stopReason: "",
          hasOutput: false,
          level: "suggestion",
        }));
        // systemLine puts uuid last; the real line has toolUseID after uuid.
        out[out.length - 1]!.toolUseID = uuid();
      }
      out.push(this.systemLine("turn_duration", {
        durationMs: Date.now() - started,
        messageCount: this.messageCount,
        isMeta: false,
      }));
      return out;
    };
    const writeFinal = () => {
      if (reorder) {
        // One assistant block goes to the file after its child, as the real one sometimes does.
        const held = pendingFinal.pop();
        this.writeLine(final);
        if (held) this.writeLine(held);
      } else {
        for (const l of pendingFinal) this.writeLine(l);
        this.writeLine(final);
      }
    };
    const writeTail = (lines: Record<string, unknown>[]) => {
      // turn_duration before its parent when reordering.
      const order = reorder && lines.length > 1 ? [...lines].reverse() : lines;
      for (const l of order) this.writeLine(l);
      this.writeLine({
        type: "last-prompt",
        lastPrompt: prompt,
        leafUuid: this.tip,
        sessionId: this.sessionId,
      });
    };

    this.entries.push({ lines: bullet(text) });
    this.finishDisplay(started);
    if (rule.stopBeforeTranscript) {
      const late = sleep(300).then(() => writeFinal());
      const results = await stopHook();
      await late;
      writeTail(tail(results));
    } else {
      writeFinal();
      const results = await stopHook();
      writeTail(tail(results));
    }
    if (rule.notification) {
      await this.fireHook("Notification", {
        hook_event_name: "Notification",
        message: "Claude is waiting for your input",
        notification_type: rule.notification,
      }, rule.notification);
    }
  }

  finishDisplay(started: number) {
    this.busy = false;
    this.turnAbort = null;
    const secs = Math.round((Date.now() - started) / 1000);
    this.entries.push({ lines: [`\x1b[38;5;246m✻ Baked for ${secs}s\x1b[39m`] });
    this.render();
  }

  async bashTool(msgId: string, tool: ToolSpec, signal: AbortSignal): Promise<boolean> {
    const toolUseId = `toolu_${base62(24)}`;
    const input = { command: tool.command, description: tool.description ?? "Run command" };
    const useLine = this.assistantLine(
      msgId,
      { type: "tool_use", id: toolUseId, name: "Bash", input },
      "tool_use",
    );
    this.writeLine(useLine);
    const entry = this.addEntry([`● Bash(${tool.command.split("\n")[0]})`]);
    const base = {
      ...this.withPrompt(),
      permission_mode: "bypassPermissions",
      effort: { level: "high" },
    };
    const pre = await this.fireHook("PreToolUse", {
      ...base,
      hook_event_name: "PreToolUse",
      tool_name: "Bash",
      tool_input: input,
      tool_use_id: toolUseId,
    }, "Bash");
    const denied = denial(pre);
    if (denied !== null) {
      this.writeLine(
        this.toolResultLine(toolUseId, denied, true, `Error: ${denied}`, useLine.uuid),
      );
      entry.lines.push(`  ⎿  Error: ${denied}`);
      this.render();
      return !signal.aborted;
    }
    const started = Date.now();
    const r = await runShell(tool.command, this.cwd, signal);
    if (signal.aborted) return false;
    const duration = Date.now() - started;
    const stdout = r.stdout.replace(/\n+$/, "");
    const stderr = r.stderr.replace(/\n+$/, "");
    if (r.code === 0) {
      const toolResponse = {
        stdout,
        stderr,
        interrupted: false,
        isImage: false,
        noOutputExpected: false,
      };
      const content = [stdout, stderr].filter((s) => s).join("\n") ||
        "(Bash completed with no output)";
      this.writeLine(this.toolResultLine(toolUseId, content, false, toolResponse, useLine.uuid));
      entry.lines.push(...firstLines(stdout || "(No output)", "  ⎿  "));
      this.render();
      await this.fireHook("PostToolUse", {
        ...base,
        hook_event_name: "PostToolUse",
        tool_name: "Bash",
        tool_input: input,
        tool_response: toolResponse,
        tool_use_id: toolUseId,
        duration_ms: duration,
      }, "Bash");
    } else {
      const error = [`Exit code ${r.code}`, stderr, stdout].filter((s) => s).join("\n");
      this.writeLine(this.toolResultLine(toolUseId, error, true, `Error: ${error}`, useLine.uuid));
      entry.lines.push(...firstLines(`Error: ${error}`, "  ⎿  "));
      this.render();
      await this.fireHook("PostToolUseFailure", {
        ...base,
        hook_event_name: "PostToolUseFailure",
        tool_name: "Bash",
        tool_input: input,
        tool_use_id: toolUseId,
        error,
        is_interrupt: false,
        duration_ms: duration,
      }, "Bash");
    }
    return !signal.aborted;
  }

  async subagent(msgId: string, signal: AbortSignal): Promise<boolean> {
    const toolUseId = `toolu_${base62(24)}`;
    const agentId = "a" + hex(16);
    const agentType = "general-purpose";
    const input = { description: "sub", prompt: "fake subagent task", subagent_type: agentType };
    const useLine = this.assistantLine(
      msgId,
      { type: "tool_use", id: toolUseId, name: "Agent", input },
      "tool_use",
    );
    this.writeLine(useLine);
    const entry = this.addEntry(["● Agent(sub)"]);
    const base = {
      ...this.withPrompt(),
      permission_mode: "bypassPermissions",
      effort: { level: "high" },
    };
    const pre = await this.fireHook("PreToolUse", {
      ...base,
      hook_event_name: "PreToolUse",
      tool_name: "Agent",
      tool_input: input,
      tool_use_id: toolUseId,
    }, "Agent");
    const denied = denial(pre);
    if (denied !== null) {
      this.writeLine(
        this.toolResultLine(toolUseId, denied, true, `Error: ${denied}`, useLine.uuid),
      );
      entry.lines.push(`  ⎿  Error: ${denied}`);
      return !signal.aborted;
    }
    const started = Date.now();
    await this.fireHook("SubagentStart", {
      ...this.withPrompt(),
      agent_id: agentId,
      agent_type: agentType,
      hook_event_name: "SubagentStart",
    }, agentType);
    const reply = "fake subagent reply";
    const agentPath = `${
      this.transcriptPath.replace(/\.jsonl$/, "")
    }/subagents/agent-${agentId}.jsonl`;
    Deno.mkdirSync(dirname(agentPath), { recursive: true });
    const side = { isSidechain: true, agentId, ...this.common() };
    const u1 = uuid();
    Deno.writeTextFileSync(
      agentPath,
      JSON.stringify({
        parentUuid: null,
        ...side,
        type: "user",
        message: { role: "user", content: input.prompt },
        uuid: u1,
        timestamp: nowIso(),
      }) + "\n" + JSON.stringify({
        parentUuid: u1,
        ...side,
        message: {
          id: `msg_${base62(24)}`,
          type: "message",
          role: "assistant",
          model: MODEL_API,
          content: [{ type: "text", text: reply }],
          stop_reason: "end_turn",
          stop_sequence: null,
        },
        type: "assistant",
        uuid: uuid(),
        timestamp: nowIso(),
      }) + "\n",
    );
    if (!(await abortableSleep(20, signal))) return false;
    await this.fireHook("SubagentStop", {
      ...this.withPrompt(),
      permission_mode: "bypassPermissions",
      agent_id: agentId,
      agent_type: agentType,
      effort: { level: "high" },
      hook_event_name: "SubagentStop",
      stop_hook_active: false,
      agent_transcript_path: agentPath,
      last_assistant_message: reply,
      background_tasks: [],
      session_crons: [],
    }, agentType);
    const toolResponse = {
      status: "completed",
      prompt: input.prompt,
      agentId,
      agentType,
      content: [{ type: "text", text: reply }],
      resolvedModel: this.script.model,
      totalDurationMs: Date.now() - started,
      totalTokens: 15,
      totalToolUseCount: 0,
    };
    this.writeLine(this.toolResultLine(
      toolUseId,
      [
        { type: "text", text: reply },
        { type: "text", text: `agentId: ${agentId}\n<usage>subagent_tokens: 15</usage>` },
      ],
      false,
      toolResponse,
      useLine.uuid,
    ));
    entry.lines.push("  ⎿  Done (0 tool uses · 15 tokens · 0s)");
    this.render();
    await this.fireHook("PostToolUse", {
      ...base,
      hook_event_name: "PostToolUse",
      tool_name: "Agent",
      tool_input: input,
      tool_response: toolResponse,
      tool_use_id: toolUseId,
      duration_ms: Date.now() - started,
    }, "Agent");
    return !signal.aborted;
  }

  // ----- lifecycle --------------------------------------------------------------------------

  // Like the real one: the old session ends ("clear"), and the same process goes on with a new
  // session id and transcript, announced by SessionStart with source "clear".
  async clear() {
    await this.fireHook("SessionEnd", {
      ...this.withPrompt(),
      hook_event_name: "SessionEnd",
      reason: "clear",
    }, "clear");
    this.sessionId = uuid();
    this.transcriptPath = transcriptPathFor(this.home, this.cwd, this.sessionId);
    this.tip = null;
    this.promptId = null;
    this.fileStarted = false;
    this.firstTurn = true;
    this.entries = [];
    this.render();
    await this.fireHook(
      "SessionStart",
      { hook_event_name: "SessionStart", source: "clear" },
      "clear",
    );
  }

  // A typed /compact: PreCompact and SessionStart("compact"), same session id, no turn.
  async compact() {
    await this.fireHook("PreCompact", {
      ...this.withPrompt(),
      hook_event_name: "PreCompact",
      trigger: "manual",
      custom_instructions: null,
    }, "manual");
    await this.fireHook(
      "SessionStart",
      { hook_event_name: "SessionStart", source: "compact", model: this.script.model },
      "compact",
    );
    this.entries.push({ lines: ["  ⎿  Compacted (ctrl+o to see full summary)"] });
    this.render();
  }

  // `claude -p <prompt>`: one turn without a TUI, hooks included, the reply on stdout.
  async printMode(prompt: string) {
    await this.fireHook(
      "SessionStart",
      { hook_event_name: "SessionStart", source: "startup", model: this.script.model },
      "startup",
    );
    this.promptId = uuid();
    await this.fireHook("UserPromptSubmit", {
      ...this.withPrompt(),
      permission_mode: "default",
      hook_event_name: "UserPromptSubmit",
      prompt,
    });
    const rule = this.findRule(prompt);
    const text = (rule.text ?? this.script.defaultReply).split("{prompt}").join(prompt);
    this.userPromptLine(prompt, "typed");
    this.writeLine(this.assistantLine(`msg_${base62(24)}`, { type: "text", text }, "end_turn"));
    await this.fireHook("Stop", {
      ...this.withPrompt(),
      hook_event_name: "Stop",
      stop_hook_active: false,
      last_assistant_message: text,
    });
    await this.fireHook("SessionEnd", {
      ...this.withPrompt(),
      hook_event_name: "SessionEnd",
      reason: "other",
    }, "other");
    writeOut(`${text}\n`);
    Deno.exit(0);
  }

  exiting = false;

  async exit(reason: string, code: number, resumeHint = true) {
    if (this.exiting) return;
    this.exiting = true;
    this.mode = "exiting";
    this.turnAbort?.abort();
    if (reason === "other" && this.script.hangupDelayMs > 0) {
      await sleep(this.script.hangupDelayMs);
    }
    await this.fireHook("SessionEnd", {
      ...this.withPrompt(),
      hook_event_name: "SessionEnd",
      reason,
    }, reason);
    restoreTerminal();
    if (resumeHint) {
      writeOut(`\r\n\x1b[J\r\nResume this session with:\r\nclaude --resume ${this.sessionId}\r\n`);
    }
    Deno.exit(code);
  }

  async start(args: Args) {
    if (this.script.startupDelayMs > 0) await sleep(this.script.startupDelayMs);
    try {
      Deno.stdin.setRaw(true);
    } catch { /* not a terminal */ }
    // Bracketed paste on, so `tmux paste-buffer -p` wraps pastes like a terminal would.
    writeOut("\x1b[?2004h\x1b[2J\x1b[H");
    for (const sig of ["SIGHUP", "SIGTERM"] as const) {
      Deno.addSignalListener(sig, () => {
        if (this.script.ignoreHangup) return;
        void this.exit("other", sig === "SIGHUP" ? 129 : 143, false);
      });
    }
    Deno.addSignalListener("SIGWINCH", () => this.render());
    void this.readInput();

    const refuse = () => {
      this.mode = "exiting";
      restoreTerminal();
      Deno.exit(1);
    };
    const trust = this.script.trustDialog;
    if (trust !== "never" && !isTrusted(this.home, this.cwd)) {
      const choice = await this.ask({
        body: (cols) => this.trustBody(cols),
        indent: " ",
        options: ["Yes, I trust this folder", "No, exit"],
        choice: trust === "noHighlighted" ? 1 : 0,
        cancel: 1,
      });
      if (choice !== 0) refuse();
      markTrusted(this.home, this.cwd);
    }
    const userSettings = readJson(`${this.home}/.claude/settings.json`) as Settings;
    if (
      args.skipPermissions && this.script.bypassDialog !== "never" &&
      this.settings.skipDangerousModePermissionPrompt !== true &&
      userSettings.skipDangerousModePermissionPrompt !== true
    ) {
      const choice = await this.ask({
        body: (cols) => this.bypassBody(cols),
        indent: "  ",
        options: ["No, exit", "Yes, I accept"],
        choice: 0,
        cancel: 0,
      });
      if (choice !== 1) refuse();
      Deno.mkdirSync(`${this.home}/.claude`, { recursive: true });
      Deno.writeTextFileSync(
        `${this.home}/.claude/settings.json`,
        JSON.stringify({ ...userSettings, skipDangerousModePermissionPrompt: true }, null, 2) +
          "\n",
      );
    }
    if (this.resuming) this.loadExisting();
    this.mode = "main";
    this.render();
    if (this.script.sessionStartDelayMs > 0) await sleep(this.script.sessionStartDelayMs);
    await this.fireHook(
      "SessionStart",
      this.resuming
        ? { hook_event_name: "SessionStart", source: "resume" }
        : { hook_event_name: "SessionStart", source: "startup", model: this.script.model },
      this.resuming ? "resume" : "startup",
    );
    this.sessionStarted = true;
    this.sessionStartAt = Date.now();
    void this.drain();
  }

  async readInput() {
    const buf = new Uint8Array(65536);
    while (true) {
      let n: number | null;
      try {
        n = await Deno.stdin.read(buf);
      } catch {
        n = null;
      }
      if (n === null) {
        // Terminal gone (the pane closed): like a hangup.
        if (this.script.ignoreHangup) return void setInterval(() => {}, 60_000);
        await this.exit("other", 129, false);
        return;
      }
      this.onData(buf.subarray(0, n));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Terminal and display helpers

function restoreTerminal() {
  writeOut("\x1b[?2004l\x1b[?25h");
  try {
    Deno.stdin.setRaw(false);
  } catch { /* not a terminal */ }
}

// Returns the complete escape sequence at the start of s, or null if it is incomplete.
function matchEscape(s: string): string | null {
  if (s.length < 2) return null;
  const second = s[1]!;
  if (second === "[") {
    for (let i = 2; i < s.length; i++) {
      const code = s.charCodeAt(i);
      if (code >= 0x40 && code <= 0x7e) return s.slice(0, i + 1);
    }
    return null;
  }
  if (second === "O") return s.length >= 3 ? s.slice(0, 3) : null;
  if (second === "\x1b") return "\x1b"; // ESC ESC: the first one is a lone Escape
  return s.slice(0, 2); // Alt+key
}

function keyName(seq: string): string {
  switch (seq) {
    case "\x1b":
      return "escape";
    case "\x1b[A":
    case "\x1bOA":
      return "up";
    case "\x1b[B":
    case "\x1bOB":
      return "down";
    case "\x1b[C":
    case "\x1bOC":
      return "right";
    case "\x1b[D":
    case "\x1bOD":
      return "left";
    default:
      return seq.length === 2 ? "escape" : "unknown";
  }
}

function center(s: string, w: number): string {
  const len = [...s].length;
  if (len >= w) return [...s].slice(0, w).join("");
  const left = Math.floor((w - len) / 2);
  return " ".repeat(left) + s + " ".repeat(w - len - left);
}

// Cuts a line with ANSI colours to the screen width (counting visible code points).
function clip(line: string, cols: number): string {
  let visible = 0;
  let out = "";
  for (let i = 0; i < line.length;) {
    if (line[i] === "\x1b") {
      // deno-lint-ignore no-control-regex
      const m = line.slice(i).match(/^\x1b\[[0-9;?]*[A-Za-z]/);
      if (m) {
        out += m[0];
        i += m[0].length;
        continue;
      }
    }
    const cp = line.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (visible >= cols) break;
    out += ch;
    visible++;
    i += ch.length;
  }
  return out;
}

function wordWrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

function wrapBox(text: string, width: number): string[] {
  const out: string[] = [];
  for (const logical of text.split("\n")) {
    const cps = [...logical];
    if (cps.length === 0) out.push("");
    for (let i = 0; i < cps.length; i += width) out.push(cps.slice(i, i + width).join(""));
  }
  return out.length ? out : [""];
}

function promptLines(text: string): string[] {
  return text.split("\n").map((l, i) => (i === 0 ? `❯ ${l}` : `  ${l}`));
}

function bullet(text: string): string[] {
  return text.split("\n").map((l, i) => (i === 0 ? `● ${l}` : `  ${l}`));
}

function firstLines(text: string, prefix: string): string[] {
  const lines = text.split("\n");
  const shown = lines.slice(0, 3).map((l, i) => (i === 0 ? prefix : "     ") + l);
  if (lines.length > 3) shown.push(`     … +${lines.length - 3} lines (ctrl+o to expand)`);
  return shown;
}

// ---------------------------------------------------------------------------------------------
// Processes, trust and config

// Runs a shell command in its own process group (via setsid when available) so an interrupt
// kills the whole tree at once, as the real one does; resolves at once when aborted.
let hasSetsid: boolean | null = null;

async function runShell(
  command: string,
  cwd: string,
  signal: AbortSignal,
): Promise<{ code: number; stdout: string; stderr: string }> {
  if (hasSetsid === null) hasSetsid = exists("/usr/bin/setsid") || exists("/bin/setsid");
  if (signal.aborted) return { code: 130, stdout: "", stderr: "" };
  try {
    const child = new Deno.Command(hasSetsid ? "setsid" : "sh", {
      args: hasSetsid ? ["sh", "-c", command] : ["-c", command],
      cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const onAbort = () => {
      for (const target of hasSetsid ? [-child.pid, child.pid] : [child.pid]) {
        try {
          Deno.kill(target, "SIGKILL");
        } catch { /* already gone */ }
      }
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const aborted = new Promise<null>((resolve) => {
      if (signal.aborted) resolve(null);
      signal.addEventListener("abort", () => resolve(null), { once: true });
    });
    const output = child.output();
    const out = await Promise.race([output, aborted]);
    signal.removeEventListener("abort", onAbort);
    if (out === null) {
      output.catch(() => {}); // reaped in the background
      return { code: 137, stdout: "", stderr: "" };
    }
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } catch (e) {
    return { code: 1, stdout: "", stderr: String(e) };
  }
}

// A PreToolUse hook denies by printing permissionDecision "deny", or by exiting with code 2.
function denial(results: HookResult[]): string | null {
  for (const r of results) {
    const t = r.stdout.trim();
    if (t.startsWith("{")) {
      try {
        const j = JSON.parse(t) as {
          hookSpecificOutput?: { permissionDecision?: string; permissionDecisionReason?: string };
          decision?: string;
          reason?: string;
        };
        const hso = j.hookSpecificOutput;
        if (hso?.permissionDecision === "deny") {
          return hso.permissionDecisionReason ?? "Blocked by hook";
        }
        if (j.decision === "block") return j.reason ?? "Blocked by hook";
      } catch { /* not JSON */ }
    }
    if (r.code === 2) return r.stderr.trim() || "Blocked by hook";
  }
  return null;
}

function claudeJsonPath(home: string) {
  return `${home}/.claude.json`;
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return {};
  }
}

function readClaudeJson(home: string): Record<string, unknown> {
  return readJson(claudeJsonPath(home));
}

function isTrusted(home: string, cwd: string): boolean {
  const projects = (readClaudeJson(home).projects ?? {}) as Record<
    string,
    { hasTrustDialogAccepted?: boolean }
  >;
  for (const [p, v] of Object.entries(projects)) {
    if (!v?.hasTrustDialogAccepted) continue;
    const base = p.replace(/\/+$/, "");
    if (cwd === p || cwd === base || base === "" || cwd.startsWith(base + "/")) return true;
  }
  return false;
}

function markTrusted(home: string, cwd: string) {
  const j = readClaudeJson(home);
  const projects = (j.projects ?? {}) as Record<string, Record<string, unknown>>;
  projects[cwd] = {
    allowedTools: [],
    mcpContextUris: [],
    mcpServers: {},
    ...projects[cwd],
    hasTrustDialogAccepted: true,
  };
  j.projects = projects;
  Deno.writeTextFileSync(claudeJsonPath(home), JSON.stringify(j, null, 2) + "\n");
}

function transcriptPathFor(home: string, cwd: string, id: string): string {
  return `${home}/.claude/projects/${sanitizePath(cwd)}/${id}.jsonl`;
}

function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Entry point

async function main() {
  const args = parseArgs(Deno.args);
  const script = loadScript();
  VERSION = script.version;
  if (args.version) {
    writeOut(`${VERSION} (Claude Code)\n`);
    Deno.exit(0);
  }
  if (args.skipPermissions && Deno.uid() === 0 && Deno.env.get("IS_SANDBOX") !== "1") {
    writeErr(
      "--dangerously-skip-permissions cannot be used with root/sudo privileges for security " +
        "reasons\n",
    );
    Deno.exit(1);
  }
  const home = Deno.env.get("HOME") ?? "/";
  const cwd = Deno.cwd();
  let sessionId: string;
  let resuming = false;
  if (args.resume) {
    sessionId = args.resume;
    resuming = true;
    if (!exists(transcriptPathFor(home, cwd, sessionId))) {
      writeErr(`No conversation found with session ID: ${sessionId}\n`);
      Deno.exit(1);
    }
  } else {
    sessionId = args.sessionId ?? uuid();
    if (args.sessionId && exists(transcriptPathFor(home, cwd, sessionId))) {
      writeErr(`Error: Session ID ${sessionId} is already in use.\n`);
      Deno.exit(1);
    }
  }
  if (script.crashAtStart) {
    writeErr((script.crashAtStart.message ?? "fake claude crashed at start") + "\n");
    Deno.exit(script.crashAtStart.exitCode ?? 1);
  }
  let settings: Settings;
  try {
    settings = loadSettings(args.settings);
  } catch (e) {
    writeErr(`Error: Invalid settings: ${e}\n`);
    Deno.exit(1);
  }
  const fake = new FakeClaude(sessionId, resuming, script, settings);
  if (args.print !== null) await fake.printMode(args.print);
  await fake.start(args);
}

if (import.meta.main) await main();
