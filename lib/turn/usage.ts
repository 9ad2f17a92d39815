/**
 * Token usage read from a harness's own transcript: per turn and in total, the uncached input,
 * output, cache-read and cache-write tokens, and the harness's own cost figure where it records
 * one. No price table: a cost csd cannot read from the file stays null.
 *
 * What each harness records (measured on both harness sets against the mock model):
 * - Claude Code (2.1.197, 2.1.332): each `assistant` line carries `message.usage`
 *   (`input_tokens` uncached, `cache_read_input_tokens`, `cache_creation_input_tokens`,
 *   `output_tokens`). One API message is written as one line PER CONTENT BLOCK, all sharing
 *   `message.id` and each repeating the usage: counting lines would double a thinking+text+tool
 *   reply three times. No cost is recorded (old releases wrote a top-level `costUSD`; read when
 *   present). A subagent's calls are in `<session>/subagents/agent-<id>.jsonl`, with
 *   `agent-<id>.meta.json` naming the `toolUseId` of the Agent call that started it.
 * - Codex (0.169.0, 0.171.0): `event_msg` lines of type `token_count` with
 *   `info.total_token_usage` (running total) and `info.last_token_usage` (the last call), each
 *   `{input_tokens, cached_input_tokens, cache_write_input_tokens, output_tokens,
 *   reasoning_output_tokens, total_tokens}`; `input_tokens` INCLUDES the cached part. `info` is
 *   null on rate-limit-only events. No cost.
 * - Pi (0.73.1, 1.6.0): `message` lines whose `message.role` is `assistant` carry
 *   `message.usage {input, output, cacheRead, cacheWrite, totalTokens, cost{…, total}}` (1.6
 *   adds `reasoning` and `cost.totalFromProvider`); `input` is already uncached. The cost is
 *   Pi's own, from the rates in the user's models.json (0 without rates).
 *
 * Transcripts grow without bound (a long Claude session reaches hundreds of MB): the file is
 * streamed line by line, lines that cannot hold a figure are skipped before JSON parsing, and a
 * line over {@link MAX_LINE_BYTES} (a huge tool result) is dropped without being kept in memory.
 */
import type { HarnessName } from "../schema.ts";
import { concatBytes } from "../bytes.ts";

/** Token figures; `cost_usd` is null when the harness recorded no cost. */
export interface TokenUsage {
  /** Input tokens not served from a cache. */
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  cost_usd: number | null;
}

/** One turn's usage: the model calls from one prompt to the next. */
export interface TurnUsage extends TokenUsage {
  /** 1-based turn number in the transcript. */
  turn: number;
  /** When the turn's prompt was recorded, when the transcript says. */
  started_at: string | null;
}

/** What {@link readUsage} returns. */
export interface UsageReport {
  harness: HarnessName;
  transcript_path: string;
  turns: TurnUsage[];
  total: TokenUsage;
}

/** Lines longer than this hold tool output, never a usage figure worth the memory. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/** Zero usage (a fresh object each call). */
export function zeroUsage(): TokenUsage {
  return { input: 0, output: 0, cache_read: 0, cache_write: 0, cost_usd: null };
}

/** Adds `b` into `a`; a cost stays null only while neither side has one. */
export function addUsage(a: TokenUsage, b: TokenUsage): void {
  a.input += b.input;
  a.output += b.output;
  a.cache_read += b.cache_read;
  a.cache_write += b.cache_write;
  if (b.cost_usd !== null) a.cost_usd = (a.cost_usd ?? 0) + b.cost_usd;
}

/**
 * Streams the complete lines of a file, dropping any line longer than `maxBytes` without
 * buffering it. A torn last line (no newline yet) is not returned.
 *
 * @param path The file.
 * @param maxBytes Longest line kept.
 */
export async function* fileLines(
  path: string,
  maxBytes = MAX_LINE_BYTES,
): AsyncGenerator<string> {
  const file = await Deno.open(path, { read: true });
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1024 * 1024);
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let skipping = false;
  try {
    while (true) {
      const n = await file.read(buffer);
      if (n === null) break;
      let start = 0;
      for (let i = buffer.indexOf(0x0a, 0); i >= 0 && i < n; i = buffer.indexOf(0x0a, i + 1)) {
        if (!skipping) {
          const piece = buffer.subarray(start, i);
          if (pendingBytes + piece.length <= maxBytes) {
            pending.push(piece.slice());
            yield decoder.decode(concatBytes(pending));
          }
        }
        pending = [];
        pendingBytes = 0;
        skipping = false;
        start = i + 1;
      }
      if (skipping || start >= n) continue;
      const rest = buffer.subarray(start, n);
      if (pendingBytes + rest.length > maxBytes) {
        pending = [];
        pendingBytes = 0;
        skipping = true;
      } else {
        pending.push(rest.slice());
        pendingBytes += rest.length;
      }
    }
  } finally {
    file.close();
  }
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0;
}

function parseLine(line: string): Json | undefined {
  try {
    const value = JSON.parse(line);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Collects turns as a reader meets prompts and figures. */
class Tally {
  readonly turns: TurnUsage[] = [];

  startTurn(startedAt: unknown): void {
    this.turns.push({
      turn: this.turns.length + 1,
      started_at: typeof startedAt === "string" ? startedAt : null,
      ...zeroUsage(),
    });
  }

  /** The running turn; usage recorded before any prompt opens one. */
  get current(): TurnUsage {
    if (this.turns.length === 0) this.startTurn(null);
    return this.turns[this.turns.length - 1]!;
  }

  report(harness: HarnessName, path: string): UsageReport {
    const total = zeroUsage();
    for (const turn of this.turns) addUsage(total, turn);
    return { harness, transcript_path: path, turns: this.turns, total };
  }
}

/**
 * A Claude user line that is a prompt: not a tool result, not injected meta, and not a message
 * Claude wrote itself (2.1.332 reports a background agent's end as a user line with `origin.kind`
 * "task-notification"; typed prompts have "human"); the calls such a message causes belong to
 * the turn that started the agent.
 */
function claudePrompt(line: Json): boolean {
  if (line.type !== "user" || line.isMeta === true || line.isSidechain === true) return false;
  if (isObject(line.origin) && line.origin.kind !== "human") return false;
  const message = line.message;
  if (!isObject(message)) return false;
  const content = message.content;
  if (typeof content === "string") return true;
  return Array.isArray(content) &&
    !content.some((b) => isObject(b) && b.type === "tool_result") &&
    content.some((b) => isObject(b) && b.type === "text");
}

function claudeUsage(line: Json): TokenUsage | undefined {
  const message = line.message;
  if (!isObject(message) || !isObject(message.usage)) return undefined;
  const u = message.usage;
  return {
    input: num(u.input_tokens),
    output: num(u.output_tokens),
    cache_read: num(u.cache_read_input_tokens),
    cache_write: num(u.cache_creation_input_tokens),
    cost_usd: typeof line.costUSD === "number" ? line.costUSD : null,
  };
}

/** Claude's subagent tools: their runs are recorded in files of their own. */
const CLAUDE_AGENT_TOOLS = new Set(["Agent", "Task"]);

/** One API message of a Claude transcript: its figures and when it was written. */
interface ClaudeMessage {
  usage: TokenUsage;
  timestamp: string | null;
}

/** What one pass over a Claude transcript file collects. */
interface ClaudeFile {
  /** Timestamps of the prompts (main transcript only). */
  prompts: (string | null)[];
  /** message.id (or a line counter for id-less lines) → the message. */
  messages: Map<string, ClaudeMessage>;
  /** Agent tool_use id → the timestamp of the message that made the call. */
  agentCalls: Map<string, string | null>;
  /** The earliest timestamp read (a subagent file's: when the agent was started). */
  earliest: string | null;
}

const stamp = (v: unknown): string | null => typeof v === "string" ? v : null;

/**
 * Reads one Claude transcript file. A later line of an already seen message replaces its
 * figures (the output count only grows as the blocks stream in).
 */
async function readClaudeFile(path: string, withPrompts: boolean): Promise<ClaudeFile> {
  const file: ClaudeFile = {
    prompts: [],
    messages: new Map(),
    agentCalls: new Map(),
    earliest: null,
  };
  let anonymous = 0;
  for await (const text of fileLines(path)) {
    // Raw-text tests are safe: inside a JSON string every quote is escaped, so `"usage"` or
    // `"type":"tool_result"` matches only the structure. Tool results (the bulk of a long
    // transcript) are neither prompts nor usage: they are never parsed.
    const usageLine = text.includes('"usage"');
    if (!usageLine && (!text.includes('"type":"user"') || text.includes('"type":"tool_result"'))) {
      continue;
    }
    const line = parseLine(text);
    if (!line) continue;
    const at = stamp(line.timestamp);
    if (at !== null && (file.earliest === null || at < file.earliest)) file.earliest = at;
    if (withPrompts && claudePrompt(line)) {
      file.prompts.push(stamp(line.timestamp));
      continue;
    }
    if (line.type !== "assistant") continue;
    const usage = claudeUsage(line);
    if (!usage) continue;
    const message = line.message as Json;
    const id = typeof message.id === "string" ? message.id : `#${anonymous++}`;
    const timestamp = file.messages.get(id)?.timestamp ?? stamp(line.timestamp);
    file.messages.set(id, { usage, timestamp });
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content) {
      if (
        isObject(block) && block.type === "tool_use" && CLAUDE_AGENT_TOOLS.has(String(block.name))
      ) {
        file.agentCalls.set(String(block.id), timestamp);
      }
    }
  }
  return file;
}

/** The subagent transcripts of a Claude session: `<session>/subagents/agent-*.jsonl`. */
function claudeSubagentFiles(path: string): string[] {
  const folder = `${path.replace(/\.jsonl$/, "")}/subagents`;
  try {
    return [...Deno.readDirSync(folder)]
      .filter((e) => e.isFile && e.name.startsWith("agent-") && e.name.endsWith(".jsonl"))
      .map((e) => `${folder}/${e.name}`).sort();
  } catch {
    return [];
  }
}

/** The tool call that started a subagent, from its `.meta.json` (`toolUseId`). */
function subagentToolUseId(path: string): string | undefined {
  try {
    const meta = JSON.parse(Deno.readTextFileSync(path.replace(/\.jsonl$/, ".meta.json")));
    return isObject(meta) && typeof meta.toolUseId === "string" ? meta.toolUseId : undefined;
  } catch {
    return undefined;
  }
}

/** The turn running at `timestamp`: the last one started at or before it (ISO strings sort). */
function turnAt(tally: Tally, timestamp: string | null): TurnUsage {
  if (timestamp === null) return tally.current;
  const turn = tally.turns.findLast((t) => t.started_at !== null && t.started_at <= timestamp);
  return turn ?? tally.current;
}

/**
 * Claude's file order is not the order of events (a reply's line can come before its prompt's),
 * so turns are built from the prompts' timestamps and every message counts in the turn running
 * when it was written.
 */
async function readClaude(path: string, tally: Tally): Promise<void> {
  const main = await readClaudeFile(path, true);
  const prompts = main.prompts.map((t, i) => ({ t, i })).sort((a, b) =>
    a.t === null || b.t === null || a.t === b.t ? a.i - b.i : a.t < b.t ? -1 : 1
  );
  for (const prompt of prompts) tally.startTurn(prompt.t);
  for (const message of main.messages.values()) {
    addUsage(turnAt(tally, message.timestamp), message.usage);
  }
  // A subagent's model calls are in its own file (since 2.1.x), not the session's: without
  // them a delegating turn looked nearly free. They count in the turn that called the agent.
  // Until Claude has written both the meta file and the calling line (it writes them apart,
  // and a reader can come in between), the agent's own start places it: its calls' times did
  // not, as a background agent calls on after the next prompt and `usage` moved them there.
  for (const agentPath of claudeSubagentFiles(path)) {
    const sub = await readClaudeFile(agentPath, false);
    const call = main.agentCalls.get(subagentToolUseId(agentPath) ?? "");
    for (const message of sub.messages.values()) {
      addUsage(turnAt(tally, call ?? sub.earliest ?? message.timestamp), message.usage);
    }
  }
}

/** Codex's figures as csd's: its `input_tokens` include the cached (read and written) part. */
function codexFigures(u: Json): TokenUsage {
  const cacheRead = num(u.cached_input_tokens);
  const cacheWrite = num(u.cache_write_input_tokens);
  return {
    input: Math.max(0, num(u.input_tokens) - cacheRead - cacheWrite),
    output: num(u.output_tokens),
    cache_read: cacheRead,
    cache_write: cacheWrite,
    cost_usd: null,
  };
}

async function readCodex(path: string, tally: Tally): Promise<void> {
  // The running total is the truth: should Codex repeat a token_count for one call (both sets
  // wrote one per call here), the difference of totals still counts the call once. `last_token_usage` serves only when a total
  // went backwards (a new thread history after compaction or resume).
  let previous: TokenUsage | undefined;
  for await (const text of fileLines(path)) {
    if (!text.includes('"task_started"') && !text.includes('"token_count"')) continue;
    const line = parseLine(text);
    const payload = line?.payload;
    if (line?.type !== "event_msg" || !isObject(payload)) continue;
    if (payload.type === "task_started") {
      tally.startTurn(line.timestamp);
      continue;
    }
    if (payload.type !== "token_count" || !isObject(payload.info)) continue;
    const info = payload.info;
    const total = isObject(info.total_token_usage) ? codexFigures(info.total_token_usage) : null;
    const last = isObject(info.last_token_usage) ? codexFigures(info.last_token_usage) : null;
    let delta: TokenUsage | null = null;
    if (total && (!previous || notBelow(total, previous))) {
      delta = previous ? difference(total, previous) : total;
    } else if (last) {
      delta = last;
    }
    if (total) previous = total;
    if (delta) addUsage(tally.current, delta);
  }
}

function notBelow(a: TokenUsage, b: TokenUsage): boolean {
  return a.input >= b.input && a.output >= b.output && a.cache_read >= b.cache_read &&
    a.cache_write >= b.cache_write;
}

function difference(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input: a.input - b.input,
    output: a.output - b.output,
    cache_read: a.cache_read - b.cache_read,
    cache_write: a.cache_write - b.cache_write,
    cost_usd: null,
  };
}

async function readPi(path: string, tally: Tally): Promise<void> {
  for await (const text of fileLines(path)) {
    if (!text.includes('"type":"message"')) continue;
    const line = parseLine(text);
    const message = line?.message;
    if (line?.type !== "message" || !isObject(message)) continue;
    if (message.role === "user") {
      tally.startTurn(line.timestamp);
      continue;
    }
    if (message.role !== "assistant" || !isObject(message.usage)) continue;
    const u = message.usage;
    const cost = isObject(u.cost) && typeof u.cost.total === "number" ? u.cost.total : null;
    addUsage(tally.current, {
      input: num(u.input),
      output: num(u.output),
      cache_read: num(u.cacheRead),
      cache_write: num(u.cacheWrite),
      cost_usd: cost,
    });
  }
}

const READERS: Record<HarnessName, (path: string, tally: Tally) => Promise<void>> = {
  claude: readClaude,
  codex: readCodex,
  pi: readPi,
};

/**
 * Reads the token usage recorded in a harness transcript.
 *
 * @param harness Whose transcript format `path` is in.
 * @param path The transcript (Claude session JSONL, Codex rollout, Pi session file).
 * @returns Per-turn and total figures; no turns for a file without prompts.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 * @example
 * ```ts
 * const report = await readUsage("codex", rolloutPath);
 * console.log(report.total.output);
 * ```
 */
export async function readUsage(harness: HarnessName, path: string): Promise<UsageReport> {
  const tally = new Tally();
  await READERS[harness](path, tally);
  return tally.report(harness, path);
}
