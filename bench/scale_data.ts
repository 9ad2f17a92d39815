/**
 * Deterministic generators of big csd data in the real formats, for `make bench-scale` and the
 * behaviour tests that pin read-turn / read-events output on big files
 * (tests/scale_behaviour_test.ts): a Claude Code transcript shaped like
 * tests/fixtures/claude_transcript_*.jsonl (prompt, attachment, thinking, tool calls and results
 * duplicated in `toolUseResult`, final text, stop-hook and turn-duration lines, last-prompt), an
 * events file of EventLine lines as csd-hook writes them, and worker metas. The same arguments
 * always give the same bytes (a seeded generator, timestamps and ids derived from counters).
 */

const encoder = new TextEncoder();

/** A small seeded generator (mulberry32): the same seed gives the same data on every machine. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "the a worker file line event turn tool read write test build error value count result " +
  "status session prompt reply module import export function return const let await async " +
  "deno tmux pane screen claude codex hook transcript offset bytes stream tail parse schema"
).split(" ");

/** `length` characters of word-like text (with newlines every few words). */
export function text(random: () => number, length: number): string {
  const parts: string[] = [];
  let size = 0;
  let onLine = 0;
  while (size < length) {
    const word = WORDS[Math.floor(random() * WORDS.length)]!;
    const sep = onLine >= 11 ? "\n" : " ";
    onLine = sep === "\n" ? 0 : onLine + 1;
    parts.push(word, sep);
    size += word.length + 1;
  }
  return parts.join("").slice(0, length);
}

/** A UUID-shaped id derived from a namespace and a counter (deterministic). */
export function uuid(namespace: number, n: number): string {
  const hex = (namespace >>> 0).toString(16).padStart(8, "0") +
    (n >>> 0).toString(16).padStart(24, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${
    hex.slice(20, 32)
  }`;
}

/** The ISO time `ms` milliseconds after a fixed origin. */
export function at(ms: number): string {
  return new Date(Date.UTC(2026, 10, 1, 9, 0, 0) + ms).toISOString();
}

/** Buffered line writer: keeps the generator's own memory small for 50 MB files. */
class LineWriter {
  #file: Deno.FsFile;
  #chunks: string[] = [];
  #pending = 0;
  bytes = 0;
  constructor(path: string, append = false) {
    this.#file = Deno.openSync(path, {
      write: true,
      create: true,
      truncate: !append,
      append,
      mode: 0o600,
    });
  }
  line(value: unknown): void {
    const line = (typeof value === "string" ? value : JSON.stringify(value)) + "\n";
    this.#chunks.push(line);
    this.#pending += line.length;
    if (this.#pending > 1 << 20) this.flush();
  }
  /** Characters buffered and not yet written (about their bytes: the text is ASCII). */
  bytesPending(): number {
    return this.#pending;
  }
  flush(): void {
    const bytes = encoder.encode(this.#chunks.join(""));
    let written = 0;
    while (written < bytes.length) written += this.#file.writeSync(bytes.subarray(written));
    this.bytes += bytes.length;
    this.#chunks = [];
    this.#pending = 0;
  }
  close(): void {
    this.flush();
    this.#file.close();
  }
}

/** What a generated transcript holds, for the caller to build matching events. */
export interface TranscriptTurn {
  prompt: string;
  promptId: string;
  /** The final reply text (the Stop hook's last_assistant_message). */
  finalText: string;
  /** The thinking block's text, on turns that have one. */
  thinking?: string;
  tools: { id: string; name: string; input: Record<string, unknown>; output: string }[];
  startMs: number;
  endMs: number;
}

export interface TranscriptOptions {
  sessionId: string;
  cwd: string;
  turns: number;
  /** The file size to aim at; tool results are sized to reach it (default: 1 MiB). */
  targetBytes?: number;
  seed?: number;
}

/**
 * Writes a Claude Code transcript of `turns` turns to `path`, about `targetBytes` long, and
 * returns its turns. Every turn: the prompt, an attachment, a thinking block on every third
 * turn, 0–3 tool calls each followed by its result, the final text, a stop-hook summary and a
 * turn-duration line; a last-prompt line closes the file, as Claude writes it.
 */
export function writeClaudeTranscript(path: string, options: TranscriptOptions): TranscriptTurn[] {
  const random = seeded(options.seed ?? 1);
  const target = options.targetBytes ?? 1 << 20;
  const { sessionId, cwd } = options;
  const out = new LineWriter(path);
  const common = (uuidValue: string, parent: string | null, ms: number) => ({
    parentUuid: parent,
    isSidechain: false,
    uuid: uuidValue,
    timestamp: at(ms),
    userType: "external",
    entrypoint: "cli",
    cwd,
    sessionId,
    version: "2.1.197",
    gitBranch: "HEAD",
  });
  let n = 0;
  const next = () => uuid(0xc1a0de, n++);
  out.line({ type: "mode", mode: "normal", sessionId });
  out.line({ type: "permission-mode", permissionMode: "bypassPermissions", sessionId });
  out.line({ type: "ai-title", aiTitle: "Scale bench session", sessionId });
  const turns: TranscriptTurn[] = [];
  let parent: string | null = null;
  let ms = 0;
  let message = 0;
  for (let t = 0; t < options.turns; t++) {
    // Size each turn's tool output so the file ends near the target whatever came before.
    const left = Math.max(0, target - out.bytes - out.bytesPending());
    const perTurn = left / (options.turns - t);
    const toolCount = t % 4;
    const outputChars = toolCount === 0 ? 0 : Math.max(64, Math.floor(perTurn / toolCount / 2.2));
    const promptId = uuid(0x9e0, t);
    const prompt = `Turn ${t}: ${text(random, 40 + Math.floor(random() * 160))}`;
    const startMs = ms;
    const promptUuid = next();
    out.line({
      type: "file-history-snapshot",
      messageId: promptUuid,
      snapshot: { messageId: promptUuid, trackedFileBackups: {}, timestamp: at(ms) },
      isSnapshotUpdate: false,
    });
    out.line({
      ...common(promptUuid, parent, ms),
      promptId,
      type: "user",
      message: { role: "user", content: prompt },
      permissionMode: "bypassPermissions",
      origin: { kind: "human" },
      promptSource: "typed",
    });
    parent = promptUuid;
    const attachment = next();
    out.line({
      ...common(attachment, parent, ms += 3),
      attachment: { type: "skill_listing", content: text(random, 300), skillCount: 3 },
      type: "attachment",
    });
    parent = attachment;
    const assistant = (content: unknown[], stop: string) => {
      const id = next();
      out.line({
        ...common(id, parent, ms += 40),
        message: {
          id: `msg_bench_${message++}`,
          type: "message",
          role: "assistant",
          model: "claude-opus-4-8",
          content,
          stop_reason: stop,
          stop_sequence: null,
          usage: { input_tokens: 18, output_tokens: 31, service_tier: "standard" },
        },
        requestId: `req_bench_${message}`,
        type: "assistant",
      });
      parent = id;
    };
    const thinking = t % 3 === 0 ? text(random, 200) : undefined;
    if (thinking !== undefined) {
      assistant([{ type: "thinking", thinking, signature: "sig" }], "tool_use");
    }
    const tools: TranscriptTurn["tools"] = [];
    for (let k = 0; k < toolCount; k++) {
      const id = `toolu_bench_${t}_${k}`;
      const input = { command: `cat src/file_${t}_${k}.ts`, description: text(random, 30) };
      assistant([{ type: "tool_use", id, name: "Bash", input }], "tool_use");
      const output = text(random, outputChars);
      tools.push({ id, name: "Bash", input, output });
      const result = next();
      out.line({
        ...common(result, parent, ms += 25),
        promptId,
        type: "user",
        message: {
          role: "user",
          content: [{ tool_use_id: id, type: "tool_result", content: output, is_error: false }],
        },
        toolUseResult: { stdout: output, stderr: "", interrupted: false, isImage: false },
        sourceToolAssistantUUID: parent,
      });
      parent = result;
    }
    const finalText = `Done with turn ${t}. ${text(random, 80 + Math.floor(random() * 300))}`;
    assistant([{ type: "text", text: finalText }], "end_turn");
    for (const subtype of ["stop_hook_summary", "turn_duration"]) {
      const id = next();
      out.line({
        ...common(id, parent, ms += 2),
        type: "system",
        subtype,
        ...(subtype === "turn_duration" ? { durationMs: ms - startMs } : { hookCount: 1 }),
        isMeta: false,
      });
      parent = id;
    }
    turns.push({
      prompt,
      promptId,
      finalText,
      ...(thinking !== undefined ? { thinking } : {}),
      tools,
      startMs,
      endMs: ms,
    });
    ms += 1000;
  }
  out.line({
    type: "last-prompt",
    lastPrompt: turns.at(-1)?.prompt ?? "",
    leafUuid: parent,
    sessionId,
  });
  out.close();
  return turns;
}

export interface EventsOptions {
  sessionId: string;
  transcriptPath: string;
  /** How many lines to write (exactly). */
  lines: number;
  /** Characters of the prompt / final message text (sizes the file; default 130). */
  textChars?: number;
  /** End mid-turn (the last turn has no stop). */
  midTurn?: boolean;
  seed?: number;
  append?: boolean;
}

/**
 * Writes `lines` events-file lines as csd-hook writes them for a Claude worker: session_start,
 * then turns of user_prompt_submit, pre/post_tool_use pairs and stop. With `midTurn` the file
 * ends inside a turn (its last line a pre_tool_use or user_prompt_submit). Returns the bytes.
 */
export function writeEvents(path: string, options: EventsOptions): number {
  const random = seeded(options.seed ?? 2);
  const chars = options.textChars ?? 130;
  const out = new LineWriter(path, options.append === true);
  const base = (event: string, ms: number, turn?: string) => ({
    ts: at(ms),
    event,
    harness: "claude",
    session_id: options.sessionId,
    ...(turn ? { turn_id: turn } : {}),
  });
  let written = 0;
  let ms = 0;
  const emit = (line: Record<string, unknown>) => {
    out.line(line);
    written++;
  };
  if (options.append !== true) {
    emit({
      ...base("session_start", ms),
      transcript_path: options.transcriptPath,
      cwd: "/p",
      source: "startup",
    });
  }
  // Leave room for the closing stop unless the file must end mid-turn.
  const budget = options.lines - (options.midTurn ? 0 : 1);
  for (let t = 0; written < budget; t++) {
    const turn = uuid(0xe7e, t);
    emit({
      ...base("user_prompt_submit", ms += 1000, turn),
      transcript_path: options.transcriptPath,
      prompt: `Prompt ${t}: ${text(random, chars)}`,
    });
    for (let k = 0; k < 1 + (t % 5) && written < budget; k++) {
      const id = `toolu_ev_${t}_${k}`;
      emit({
        ...base("pre_tool_use", ms += 20, turn),
        tool: "Bash",
        tool_use_id: id,
        tool_input: { command: `grep -rn pattern_${k} src/`, description: text(random, 100) },
      });
      if (written >= budget) break;
      emit({
        ...base("post_tool_use", ms += 30, turn),
        tool: "Bash",
        tool_use_id: id,
        success: k % 7 !== 6,
      });
    }
    if (written >= budget) break;
    emit({
      ...base("stop", ms += 40, turn),
      transcript_path: options.transcriptPath,
      last_assistant_message: `Reply ${t}: ${text(random, chars * 2)}`,
    });
  }
  if (!options.midTurn) {
    emit({
      ...base("stop", ms += 40),
      transcript_path: options.transcriptPath,
      last_assistant_message: "closing",
    });
  }
  out.close();
  return out.bytes;
}

/**
 * The events a Claude worker's hook wrote for the turns of a generated transcript: for each
 * turn its prompt, tool events and a stop carrying the turn's final text.
 */
export function writeEventsForTranscript(
  path: string,
  turns: TranscriptTurn[],
  sessionId: string,
  transcriptPath: string,
): void {
  const out = new LineWriter(path);
  const base = (event: string, ms: number, turn: string) => ({
    ts: at(ms),
    event,
    harness: "claude",
    session_id: sessionId,
    turn_id: turn,
  });
  out.line({
    ts: at(0),
    event: "session_start",
    harness: "claude",
    session_id: sessionId,
    transcript_path: transcriptPath,
    cwd: "/p",
    source: "startup",
  });
  for (const turn of turns) {
    out.line({
      ...base("user_prompt_submit", turn.startMs, turn.promptId),
      transcript_path: transcriptPath,
      prompt: turn.prompt,
    });
    for (const tool of turn.tools) {
      const common = { tool: tool.name, tool_use_id: tool.id };
      out.line({ ...base("pre_tool_use", turn.startMs + 1, turn.promptId), ...common });
      out.line({
        ...base("post_tool_use", turn.startMs + 2, turn.promptId),
        ...common,
        success: true,
      });
    }
    out.line({
      ...base("stop", turn.endMs, turn.promptId),
      transcript_path: transcriptPath,
      last_assistant_message: turn.finalText,
    });
  }
  out.close();
}

/** Appends one line (JSON of `value`) to an events file, as the hook would. */
export function appendLine(path: string, value: unknown): void {
  const out = new LineWriter(path, true);
  out.line(value);
  out.close();
}

export interface MetaOptions {
  dir: string;
  name: string;
  sessionId: string;
  home: string;
  transcriptPath: string;
  socket: string;
  sessionIdTmux: string;
  paneId: string;
}

/**
 * Writes a worker meta in the WorkerMeta shape (lib/schema.ts) as launch would: 0600, in a 0700
 * worker dir (readers refuse a dir others can write).
 */
export function writeMeta(options: MetaOptions): void {
  const { dir, name } = options;
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  Deno.chmodSync(dir, 0o700);
  // As launch leaves every worker dir (lib/worker/dir.ts ensureWorkerDir): readers check them.
  for (const sub of ["bin", "homes", "tmp"]) {
    Deno.mkdirSync(`${dir}/${sub}`, { mode: 0o700, recursive: true });
  }
  const meta = {
    version: 1,
    name,
    harness: "claude",
    session_id: options.sessionId,
    cwd: "/p",
    tmux_socket: options.socket,
    tmux_session_id: options.sessionIdTmux,
    tmux_pane_id: options.paneId,
    events_file: `${dir}/${name}.events.jsonl`,
    transcript_path: options.transcriptPath,
    home: options.home,
    harness_args: [],
    reproduce: `csd launch ${name} /p`,
    // After the private tmux server started: list and status take a server younger than the
    // worker for a restarted one and report the worker gone.
    created_at: new Date().toISOString(),
    adopted: false,
    ready: true,
    harness_home: null,
  };
  Deno.writeTextFileSync(`${dir}/${name}.meta.json`, JSON.stringify(meta, null, 2) + "\n", {
    mode: 0o600,
  });
}
