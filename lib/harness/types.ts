/**
 * What csd needs from a harness. Everything harness-specific (command line, readiness, screen
 * reading, transcripts) sits behind this interface so Codex and Pi slot in beside Claude.
 */
import type { WorkerPaths } from "../paths.ts";
import type { HarnessName, WorkerMeta } from "../schema.ts";
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
  /** The controller's environment after scrubbing. */
  env: Record<string, string>;
}

/** How to start the harness. */
export interface LaunchPlan {
  argv: string[];
  /** Variables added to the worker environment (csd's own included). */
  env: Record<string, string>;
  sessionId: string | null;
  transcriptPath: string | null;
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
  /** What to do about a startup screen (a trust dialog, …), or null to keep waiting. */
  startupScreenAction(screen: string): ScreenAction | null;
  /** The name of a dialog on screen (Enter must never be pressed into it), or null. */
  dialogOnScreen(screen: string): string | null;
  /** True while `text` still sits un-submitted in the input box. */
  promptPending(screen: string, text: string): boolean;
  /** Makes text arrive as a prompt, not a command (e.g. a leading `/` or `!`). */
  asPromptText(text: string): string;
  /** The last turn of the worker's conversation, or undefined when there is none yet. */
  lastTurn(meta: WorkerMeta): Promise<Turn | undefined>;
  /** Removes harness files csd made for the worker (never the harness's own transcript). */
  cleanup(paths: WorkerPaths): void;
}
