// The script that decides everything the fake does (FAKE_CLAUDE_SCRIPT), and its release. Part of
// the fake claude: see ../fake_claude.ts.

export interface ToolSpec {
  command: string;
  description?: string;
}

export interface Rule {
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
export type Version = "2.1.197" | "2.1.332";

export interface Script {
  startupDelayMs: number;
  sessionStartDelayMs: number;
  /**
   * Fires SessionStart first and only this much later turns bracketed paste on and draws the
   * screen, as Claude 2.1.332 does (by 18–50 ms here): what arrives in between is typed keys.
   */
  mountAfterSessionStartMs: number;
  /**
   * Redraws a startup dialog afresh (its selection back at the default) this long after first
   * drawing it, as Claude 2.1.332 does once its terminal queries are answered (~300 ms here);
   * an Enter pressed before then is held and lands on the redrawn dialog.
   */
  dialogResetMs: number;
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

export let VERSION: Version = "2.1.197";

/** Set once from the script at start (an importer cannot assign the binding itself). */
export function setVersion(version: Version): void {
  VERSION = version;
}
export const MODEL_API = "claude-opus-4-8";
export const ENC = new TextEncoder();

export function loadScript(): Script {
  const script: Script = {
    startupDelayMs: 0,
    sessionStartDelayMs: 0,
    mountAfterSessionStartMs: 0,
    dialogResetMs: 0,
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
