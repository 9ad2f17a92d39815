/**
 * What csd needs from a harness. Everything harness-specific (command line, readiness, screen
 * reading, transcripts, session ids) sits behind this interface so Claude, Codex and Pi share
 * every command.
 */
import type { WorkerPaths } from "../paths.ts";
import type { EventLine, HarnessName, WorkerMeta } from "../schema.ts";
import type { Turn } from "../transcript/markdown.ts";

/** What launch/adopt knows when it asks a harness to prepare a worker. */
export interface LaunchContext {
  name: string;
  cwd: string;
  paths: WorkerPaths;
  /** HOME the worker runs with. */
  home: string;
  /** Extra harness arguments (after `--`). */
  args: string[];
  /** Set by adopt: the session to resume. */
  resumeSessionId?: string;
  /** Set by adopt: that session's transcript, as findSession found it. */
  resumeTranscriptPath?: string;
  /** The controller's environment (before scrubbing). */
  env: Record<string, string>;
  /** Seconds a gated call (or a question) waits for a decision, resolved at launch. */
  approvalTimeoutS: number;
}

/** How to start the harness. */
export interface LaunchPlan {
  argv: string[];
  /** Variables added to the worker environment (csd's own included). */
  env: Record<string, string>;
  /** Known at launch (Claude, Pi) or null until the harness registers it (Codex). */
  sessionId: string | null;
  transcriptPath: string | null;
  /** A staged per-worker home csd made (removed at stop), or null. */
  harnessHome: string | null;
}

/** Where a session's transcript was looked for, and what was found. */
export interface SessionSearch {
  /** The transcript, or null when there is none. */
  path: string | null;
  /** The folder searched (for the error that says it is not there). */
  searched: string;
}

/** A step to take on a screen shown while the worker starts. */
export type ScreenAction =
  | { kind: "keys"; keys: string[]; why: string }
  | { kind: "fail"; why: string };

/** One harness's behaviour. */
export interface Harness {
  readonly name: HarnessName;
  /** The text typed to quit gracefully. */
  readonly quitCommand: string;
  /** Resolves the harness binary (CSD_<H>_BIN or PATH) or throws a clear error. */
  binary(env: Record<string, string>): string;
  /** Writes whatever the worker needs (settings, staged home) and returns the command. */
  prepare(context: LaunchContext): Promise<LaunchPlan>;
  /** True once the harness is ready for a prompt, judged from its events or its screen. */
  isReady(events: EventLine[], screen: string): boolean;
  /** What to do about a startup screen (a trust dialog, …), or null to keep waiting. */
  startupScreenAction(screen: string): ScreenAction | null;
  /** The name of a dialog on screen (Enter must never be pressed into it), or null. */
  dialogOnScreen(screen: string): string | null;
  /** The text in the input box ("" when empty), or undefined when no input box is drawn. */
  inputText(screen: string): string | undefined;
  /** True while `text` still sits un-submitted in the input box. */
  promptPending(screen: string, text: string): boolean;
  /** Makes text arrive as a prompt, not a command (e.g. a leading `/` or `!`). */
  asPromptText(text: string): string;
  /**
   * The prompt as it was typed, from the way the harness recorded it in a hook payload or its
   * transcript (Claude 2.1.332 wraps a long paste in `<pasted_content>`). Identity when absent.
   */
  promptAsSent?(recorded: string): string;
  /**
   * True when a prompt submitted while a turn runs becomes a turn of its own after it (Claude);
   * absent or false when it joins the running turn (Codex, Pi: one turn end for both).
   */
  readonly busyPromptRunsOwnTurn?: boolean;
  /** A session id the harness minted itself (Codex), found from its files; null if not yet. */
  discoverSessionId(meta: WorkerMeta, events: EventLine[]): string | null;
  /**
   * The transcript of session `sessionId` in the user's own harness files (under `home`, or where
   * `env` points the harness), which adopt resumes; `prepare` gets it as resumeTranscriptPath.
   */
  findSession(sessionId: string, env: Record<string, string>, home: string): SessionSearch;
  /** The last turn of the worker's conversation, or undefined when there is none yet. */
  lastTurn(meta: WorkerMeta, transcriptPath: string | null): Promise<Turn | undefined>;
  /**
   * Event lines the harness's own files prove but its hooks never report (Codex fires no hook
   * for a failed turn; its rollout records it). csd appends them to the events file, so status
   * and every wait see one stream.
   */
  reconcile?(meta: WorkerMeta, events: EventLine[], transcriptPath: string | null): EventLine[];
  /**
   * True when the screen shows the running turn was cut short without any event (Claude puts
   * the prompt back into the input box after an Escape and fires no hook). `events` are the
   * newest of the worker's events, back to its last user_prompt_submit at least (status reads
   * no further: see eventsTail).
   */
  interruptedOnScreen?(screen: string, events: EventLine[]): boolean;
}
