/**
 * A scripted mock model server for offline end-to-end tests.
 *
 * The real harnesses (Claude Code, Codex and Pi) are pointed at this server through their
 * base-URL settings. It listens on 127.0.0.1 only, on a free port chosen by the OS, so parallel
 * tests never collide and nothing leaves the machine.
 *
 * The file holds the API-neutral scripting core: rules, reply selection, the request log and the
 * HTTP plumbing. Everything that depends on one wire format (paths, request shape, SSE framing)
 * lives in one small "dialect" module per API (`mock_model_anthropic.ts` for Claude Code,
 * `mock_model_openai_responses.ts` for Codex, `mock_model_openai_chat.ts` for Pi); a dialect turns a
 * request body into a neutral view of the conversation and renders a neutral {@link Reply}.
 *
 * Reply selection is stateless: it is computed from the conversation the harness sends, not from
 * a counter. That keeps it deterministic when a harness retries, sends side requests (titles) in
 * parallel, or resends history after a failed turn.
 *
 * @example
 * ```ts
 * const mock = await MockModel.start({
 *   rules: [{ match: "make a file", replies: [
 *     { kind: "tool", name: "Bash", input: { command: "touch x", description: "Create x" } },
 *     { kind: "text", text: "done" },
 *   ] }],
 * });
 * try {
 *   // launch the harness with ANTHROPIC_BASE_URL=mock.url …
 *   await mock.waitForRequests(1, { where: (r) => r.prompt !== null });
 * } finally {
 *   await mock.close();
 * }
 * ```
 *
 * @module
 */

import { anthropicDialect } from "./mock_model_anthropic.ts";
import { openaiChatDialect } from "./mock_model_openai_chat.ts";
import { openaiResponsesDialect } from "./mock_model_openai_responses.ts";
import type {
  Dialect,
  MockUsage,
  NeutralMessage,
  Reply,
  RequestAnalysis,
  Rule,
} from "./mock_model_types.ts";
import { tokens } from "./mock_model_tools.ts";

// Callers script the server through mock_model.ts alone.
export type {
  Dialect,
  MockUsage,
  NeutralMessage,
  RenderContext,
  Reply,
  RequestAnalysis,
  Rule,
} from "./mock_model_types.ts";

/** One logged request, in arrival order. */
export interface RequestLogEntry {
  /** 0-based arrival index. */
  index: number;
  /** Milliseconds since the epoch when the request arrived. */
  receivedAt: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** The raw query string, including `?`, or `""`. */
  search: string;
  /** A subset of headers useful in assertions; API keys are masked to their last 4 chars. */
  headers: Record<string, string>;
  /** The parsed JSON body, or `null` for bodiless or unparsable requests. */
  body: unknown;
  /** The dialect that answered, or `null` for unknown routes (answered 404). */
  dialect: string | null;
  /** `"title"` for side requests, else `null`. */
  side: "title" | null;
  /** The selected prompt text, or `null` when the request has none. */
  prompt: string | null;
  /** Model calls already made in this turn (0 for the first call of a turn). */
  step: number;
  /** Index of the matching rule in the rule list, or `null` (default reply or no turn). */
  ruleIndex: number | null;
  /** The reply given, or `null` when the request was not a model call. */
  reply: Reply | null;
  /** HTTP status sent. */
  status: number;
  /** The usage reported in the answer, or `null` when the answer carried none (errors, 404). */
  usage: MockUsage | null;
}

/** Options for {@link MockModel.start}. */
export interface MockModelOptions {
  /** Initial rules, tried in order; the first match wins. */
  rules?: Rule[];
  /**
   * Reply for prompts no rule matches. Default: `{kind:"text", text:"mock reply to: <first 80
   * chars of prompt>"}`.
   */
  defaultReply?: Reply | ((prompt: string) => Reply);
  /** Title answered to title side requests, as `{"title": …}` JSON text. Default "Mock title". */
  title?: string;
  /** Called synchronously for every logged request (the CLI appends it to a file). */
  onRequest?: (entry: RequestLogEntry) => void;
  /** Port to listen on; default 0 (a free port). */
  port?: number;
}

/** Options for {@link MockModel.waitForRequests}. */
export interface WaitForRequestsOptions {
  /** Give up after this long; default 10 000 ms. */
  timeoutMs?: number;
  /** Count only entries passing this test (default: all). */
  where?: (entry: RequestLogEntry) => boolean;
}

/** Headers worth keeping in the log: they identify the client and session. */
const LOGGED_HEADERS = [
  "anthropic-beta",
  "anthropic-version",
  "authorization",
  "content-type",
  "originator", // Codex: "codex-tui"
  "session-id", // Codex: the thread's session id (the title request has its own)
  "thread-id", // Codex
  "user-agent",
  "x-api-key",
  "x-app",
  "x-claude-code-session-id",
  "x-client-request-id", // Codex
  "x-stainless-retry-count", // OpenAI JS SDK (Pi): > 0 on its own retries
];

/** Header values that are credentials: logged masked, so a log file never holds a real key. */
const SECRET_HEADERS = new Set(["authorization", "x-api-key"]);

/** The dialects this server speaks. New APIs add one entry here. */
const DIALECTS: readonly Dialect[] = [
  anthropicDialect,
  openaiResponsesDialect,
  openaiChatDialect,
];

/**
 * Picks the prompt and step from a neutral conversation.
 *
 * The prompt is the LAST text of the LAST user message that has text: tool-result-only user
 * messages belong to the running turn, and after a failed turn Claude Code merges the failed
 * prompt into the next user message, so the newest text is the one being answered. The step is
 * the number of assistant messages after that user message.
 *
 * @param messages The conversation, oldest first.
 * @returns The prompt and step, or `null` when no user message has text.
 * @example
 * ```ts
 * selectTurn([
 *   { role: "user", texts: ["hi"] },
 *   { role: "assistant", texts: [] },
 *   { role: "user", texts: [] },
 * ]); // → { prompt: "hi", step: 1 }
 * ```
 */
export function selectTurn(
  messages: readonly NeutralMessage[],
): { prompt: string; step: number } | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== "user" || m.texts.length === 0) continue;
    const step = messages.slice(i + 1).filter((x) => x.role === "assistant").length;
    return { prompt: m.texts[m.texts.length - 1]!, step };
  }
  return null;
}

/**
 * Finds the first rule matching `prompt`.
 *
 * @returns The rule's index, or -1.
 */
export function findRule(rules: readonly Rule[], prompt: string): number {
  return rules.findIndex((r) => {
    if (typeof r.match === "string") return prompt.includes(r.match);
    r.match.lastIndex = 0; // a /g or /y regex keeps state between tests; reset it
    return r.match.test(prompt);
  });
}

/** Default answer for unmatched prompts: echoes the prompt so tests can still assert on it. */
export function defaultReplyFor(prompt: string): Reply {
  return { kind: "text", text: `mock reply to: ${prompt.slice(0, 80)}` };
}

/**
 * The usage the mock reports for one model call. Deterministic: a function of the conversation
 * sent and the reply alone, so a resent request gets the same figures. The prompt splits into
 * uncached input, cache reads (half) and, where the API has the figure, cache writes (a
 * quarter), so every field is non-zero on a real conversation and a reader that mixes two
 * fields up gets a wrong sum.
 *
 * @param analysis The request as the dialect read it.
 * @param reply The reply being sent (not an error).
 * @param cacheWrite Whether the dialect's API has a cache-write figure.
 * @example
 * ```ts
 * mockUsage({ messages: [], stream: true, model: "m" }, { kind: "text", text: "hi" }, true);
 * ```
 */
export function mockUsage(
  analysis: RequestAnalysis,
  reply: Exclude<Reply, { kind: "error" }>,
  cacheWrite: boolean,
): MockUsage {
  const prompt = tokens(JSON.stringify(analysis.messages)) + 40;
  const { delayMs: _delay, ...content } = reply;
  const cacheRead = Math.floor(prompt / 2);
  const write = cacheWrite ? Math.floor(prompt / 4) : 0;
  return {
    input: prompt - cacheRead - write,
    output: tokens(JSON.stringify(content)),
    cacheRead,
    cacheWrite: write,
  };
}

/** Sums usage figures (an empty list sums to zeros). */
export function sumUsage(usages: readonly MockUsage[]): MockUsage {
  const total: MockUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  for (const u of usages) {
    total.input += u.input;
    total.output += u.output;
    total.cacheRead += u.cacheRead;
    total.cacheWrite += u.cacheWrite;
  }
  return total;
}

const NO_USAGE: MockUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

/** A running mock model server. Create with {@link MockModel.start}. */
export class MockModel {
  /** Every request received, in arrival order. */
  readonly requests: RequestLogEntry[] = [];
  /** Base URL, e.g. `http://127.0.0.1:40123` (what `ANTHROPIC_BASE_URL` takes). */
  readonly url: string;
  /** The port listened on. */
  readonly port: number;

  readonly #rules: Rule[];
  readonly #opts: MockModelOptions;
  #server: Deno.HttpServer<Deno.NetAddr> | null = null;
  #idCounter = 0;
  /** Aborted at close so pending `delayMs` waits end at once instead of blocking shutdown. */
  readonly #closing = new AbortController();
  /** Woken on every logged request; waiters re-check their condition. */
  #waiters = new Set<() => void>();

  private constructor(opts: MockModelOptions, port: number) {
    this.#opts = opts;
    this.#rules = [...(opts.rules ?? [])];
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
  }

  /**
   * Starts a server on 127.0.0.1 and resolves once it listens.
   *
   * @param opts Rules, default reply, title, log callback.
   * @returns The running server; call {@link MockModel.close} when done.
   */
  static async start(opts: MockModelOptions = {}): Promise<MockModel> {
    let resolvePort!: (port: number) => void;
    const listening = new Promise<number>((r) => (resolvePort = r));
    // The handler closes over `mock`, which exists before the first request can arrive
    // (requests are only accepted after onListen, and we create `mock` right after it).
    let mock: MockModel | null = null;
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: opts.port ?? 0,
      onListen: ({ port }) => resolvePort(port),
      onError: (err) => {
        return new Response(`mock model: internal error: ${err}`, { status: 500 });
      },
    }, (req) => mock!.#handle(req));
    const port = await listening;
    mock = new MockModel(opts, port);
    mock.#server = server;
    return mock;
  }

  /**
   * The usage this server reported, summed over the logged requests passing `where` (default:
   * every answer that carried usage, side requests included).
   *
   * @example
   * ```ts
   * mock.reportedUsage((r) => r.side === null); // the turns' calls, without title requests
   * ```
   */
  reportedUsage(where: (entry: RequestLogEntry) => boolean = () => true): MockUsage {
    return sumUsage(this.requests.filter(where).flatMap((r) => r.usage ? [r.usage] : []));
  }

  /** Adds a rule after the existing ones (earlier rules win). */
  addRule(rule: Rule): void {
    this.#rules.push(rule);
  }

  /**
   * Waits until at least `count` logged requests pass `opts.where`.
   *
   * @returns The matching entries (at least `count`).
   * @throws {Error} On timeout, listing what did arrive, so a failing test shows why.
   */
  async waitForRequests(
    count: number,
    opts: WaitForRequestsOptions = {},
  ): Promise<RequestLogEntry[]> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const where = opts.where ?? (() => true);
    const matching = () => this.requests.filter(where);
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = matching();
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.requests.map((r) => `${r.method} ${r.path} prompt=${r.prompt}`);
        throw new Error(
          `Cannot wait for ${count} mock model requests: got ${found.length} after ${timeoutMs} ms` +
            ` (all requests: ${JSON.stringify(seen)})`,
        );
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }

  /** Stops the server; pending delayed replies are cut short. Safe to call twice. */
  async close(): Promise<void> {
    this.#closing.abort();
    for (const wake of [...this.#waiters]) wake();
    const server = this.#server;
    this.#server = null;
    if (server) await server.shutdown();
  }

  #nextId = (prefix: string): string => {
    this.#idCounter++;
    return `${prefix}_mock_${String(this.#idCounter).padStart(4, "0")}`;
  };

  #log(entry: Omit<RequestLogEntry, "index">): void {
    const full: RequestLogEntry = { index: this.requests.length, ...entry };
    this.requests.push(full);
    this.#opts.onRequest?.(full);
    for (const wake of [...this.#waiters]) wake();
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const base = {
      receivedAt: Date.now(),
      method: req.method,
      path: url.pathname,
      search: url.search,
      headers: pickHeaders(req.headers),
    };
    const dialect = DIALECTS.find((d) => d.accepts(req.method, url.pathname));
    let body: unknown = null;
    const raw = req.body ? await req.text() : "";
    if (raw !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        body = null;
      }
    }
    const noTurn = {
      side: null,
      prompt: null,
      step: 0,
      ruleIndex: null,
      reply: null,
      usage: null,
    } as const;
    if (!dialect) {
      // Claude Code probes `HEAD /` at launch; a 404 is what it accepts as "reachable".
      this.#log({ ...base, body, dialect: null, ...noTurn, status: 404 });
      return new Response(null, { status: 404 });
    }
    let analysis: RequestAnalysis;
    try {
      analysis = dialect.analyze(body);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.#log({ ...base, body, dialect: dialect.name, ...noTurn, status: 400 });
      return dialect.render({ kind: "error", status: 400, message }, {
        analysis: { messages: [], stream: false, model: "mock-model" },
        usage: NO_USAGE,
        nextId: this.#nextId,
      });
    }

    const turn = selectTurn(analysis.messages);
    let reply: Reply;
    let ruleIndex: number | null = null;
    if (analysis.side === "title") {
      // Answered outside the script: the title request runs in parallel with the first turn's
      // real call and must not shift which scripted reply that call gets.
      reply = { kind: "text", text: JSON.stringify({ title: this.#opts.title ?? "Mock title" }) };
    } else if (turn === null) {
      reply = { kind: "text", text: "mock reply: no prompt found" };
    } else {
      const i = findRule(this.#rules, turn.prompt);
      if (i >= 0) {
        ruleIndex = i;
        const replies = this.#rules[i]!.replies;
        reply = replies[Math.min(turn.step, replies.length - 1)] ??
          defaultReplyFor(turn.prompt);
      } else {
        const d = this.#opts.defaultReply;
        reply = d === undefined
          ? defaultReplyFor(turn.prompt)
          : typeof d === "function"
          ? d(turn.prompt)
          : d;
      }
    }
    const status = reply.kind === "error" ? reply.status : 200;
    const usage = reply.kind === "error"
      ? null
      : mockUsage(analysis, reply, dialect.reportsCacheWrite);
    // Logged before the delay so a test can see the request while the harness is still busy.
    this.#log({
      ...base,
      body,
      dialect: dialect.name,
      side: analysis.side ?? null,
      prompt: turn?.prompt ?? null,
      step: turn?.step ?? 0,
      ruleIndex,
      reply,
      status,
      usage,
    });
    if (reply.delayMs !== undefined && reply.delayMs > 0) {
      await abortableSleep(reply.delayMs, this.#closing.signal);
    }
    return dialect.render(reply, { analysis, usage: usage ?? NO_USAGE, nextId: this.#nextId });
  }
}

function pickHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of LOGGED_HEADERS) {
    const v = headers.get(name);
    if (v === null) continue;
    out[name] = SECRET_HEADERS.has(name) ? `…${v.slice(-4)}` : v;
  }
  return out;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
