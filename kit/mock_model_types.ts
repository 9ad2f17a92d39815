/**
 * The mock model's shared types: the scripting vocabulary (Reply, Rule) and the contract between
 * the server core (mock_model.ts) and its dialects (mock_model_anthropic.ts, …). They live in this
 * leaf so the dialects need not import the core that imports them (a type-only cycle).
 *
 * @module
 */

/** One scripted model answer, independent of the wire API that carries it. */
export type Reply =
  | {
    kind: "text";
    /** The assistant's final text. */
    text: string;
    /** Optional reasoning shown before the text (Anthropic: a signed `thinking` block). */
    thinking?: string;
    /** Wait this long before answering, to hold the harness in its busy state. */
    delayMs?: number;
  }
  | {
    kind: "tool";
    /**
     * Tool name as the harness knows it (Claude Code: `Bash`, input `{command, description}`).
     * The OpenAI dialects map shell-like names (`Bash`, `bash`, `shell`, `exec_command`) with
     * `input.command` (or `input.cmd`) to the harness's shell tool: Codex `exec_command {cmd}`,
     * Pi `bash {command}`; other names pass through verbatim.
     */
    name: string;
    input: Record<string, unknown>;
    /** Further tool calls in the same reply (parallel tool calls), mapped like the first. */
    also?: { name: string; input: Record<string, unknown> }[];
    /** Optional text emitted before the tool call. */
    text?: string;
    thinking?: string;
    delayMs?: number;
  }
  | {
    kind: "error";
    /**
     * HTTP status; Claude Code fails a turn at once on 400 but retries 5xx with backoff. Codex
     * (request_max_retries = 0) and Pi (retries disabled in settings.json) fail the turn on a 5xx.
     */
    status: number;
    message: string;
    delayMs?: number;
  };

/**
 * A script for the turns whose prompt matches.
 *
 * `match` is a substring (string) or a RegExp tested against the prompt text. `replies[i]`
 * answers the i-th model call of that turn: a tool call is step 0, the call after the tool result
 * is step 1, and so on. When the steps run out the last reply is reused.
 */
export interface Rule {
  match: string | RegExp;
  replies: Reply[];
}

/**
 * A neutral view of one conversation entry, produced by a dialect.
 *
 * `texts` holds the human-written text blocks only; tool results carry none, so a user entry
 * with no texts continues the current turn instead of starting a new one.
 */
export interface NeutralMessage {
  role: "user" | "assistant" | "other";
  texts: string[];
}

/** What a dialect extracts from a request body. */
export interface RequestAnalysis {
  /** The conversation, oldest first. */
  messages: NeutralMessage[];
  /**
   * Set for harness side requests that are not part of a turn (e.g. the title request). They are
   * answered with a canned reply and never advance or consume a script.
   */
  side?: "title";
  /** Whether the client asked for a streamed (SSE) answer. */
  stream: boolean;
  /** Model name from the request, echoed back in replies. */
  model: string;
}

/**
 * The token figures the mock reports for one model call, in neutral terms: `input` is the
 * uncached part of the prompt, so the prompt is `input + cacheRead + cacheWrite`. Each dialect
 * renders them in its API's own fields; tests compare what a harness recorded against the sum of
 * these (see {@link RenderContext.usage} and `MockModel.reportedUsage`).
 */
export interface MockUsage {
  input: number;
  output: number;
  cacheRead: number;
  /** Always 0 for APIs without a cache-write figure (the OpenAI ones). */
  cacheWrite: number;
}

/** Everything a dialect may need to render a reply. */
export interface RenderContext {
  analysis: RequestAnalysis;
  /** What to report as this call's usage (absent for error replies). */
  usage: MockUsage;
  /** Deterministic unique ids per server instance, e.g. `nextId("toolu")` → `toolu_mock_0001`. */
  nextId(prefix: string): string;
}

/** One wire API (Anthropic Messages, OpenAI Responses, Chat Completions…). */
export interface Dialect {
  /** Short name recorded in the request log. */
  readonly name: string;
  /** Whether the API has a cache-write (cache creation) figure; the mock reports 0 otherwise. */
  readonly reportsCacheWrite: boolean;
  /** Whether this dialect answers `method` on `path` (path without the query string). */
  accepts(method: string, path: string): boolean;
  /**
   * Turns a parsed JSON body into the neutral view.
   *
   * @throws {Error} When the body is not a request of this API; the server answers 400.
   */
  analyze(body: unknown): RequestAnalysis;
  /** Renders a reply as an HTTP response in this API's format. */
  render(reply: Reply, ctx: RenderContext): Response;
}
