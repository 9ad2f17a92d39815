// The fake's state, shared by the layers below (one class per section, each extending the last).
// Part of the fake claude: see ../fake_claude.ts.
//
// The class is split by layer: FakeState (this) <- FakeHooks <- FakeTranscript <- FakeScreen
// <- FakeInput <- FakeTurns <- FakeClaude (lifecycle.ts), one module each. The abstract members
// below are the few calls an earlier layer makes into a later one.
import type { Script } from "./script.ts";
import type { HookConfig, Settings } from "./settings.ts";
import { transcriptPathFor } from "./system.ts";

export type Mode = "starting" | "dialog" | "main" | "exiting";

export interface Dialog {
  body: (cols: number) => string[];
  indent: string;
  options: string[];
  choice: number;
  cancel: number; // the option Escape picks
  resolve: (choice: number) => void;
  /** Until dialogResetMs has passed: an Enter held for the redrawn dialog. */
  resetting?: { enterHeld: boolean };
}

export interface QueueItem {
  text: string;
  queued: boolean;
  /** 2.1.332: UserPromptSubmit already fired when the prompt was typed. */
  announced?: boolean;
}

export interface Entry {
  lines: string[];
}

export abstract class FakeState {
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
  /** False until the screen is first drawn (mountAfterSessionStartMs). */
  mounted = true;
  workerRunning = false;
  turnAbort: AbortController | null = null;
  // Input parsing
  decoder = new TextDecoder();
  pending = "";
  inPaste = false;
  pasteBuf = "";
  escTimer: ReturnType<typeof setTimeout> | null = null;

  exiting = false;

  constructor(sessionId: string, resuming: boolean, script: Script, settings: Settings) {
    this.sessionId = sessionId;
    this.resuming = resuming;
    this.script = script;
    this.settings = settings;
    this.hooks = settings.hooks ?? {};
    this.enterIgnoresLeft = script.ignoreEnters;
    this.transcriptPath = transcriptPathFor(this.home, this.cwd, sessionId);
  }

  // Defined by later layers, called by earlier ones.
  abstract drain(): Promise<void>;
  abstract clear(): Promise<void>;
  abstract compact(): Promise<void>;
  abstract exit(reason: string, code: number, resumeHint?: boolean): Promise<void>;
}
