/**
 * Claude Code as a harness: a caller-assigned session id (`--session-id`, so the worker is known
 * from the first moment), hooks wired through a `--settings` file, and the transcript under
 * `$HOME/.claude/projects`.
 */
import { DEFAULT_APPROVAL_TIMEOUT_S, preToolUseHookTimeoutS } from "../../approval/timeout.ts";
import { claudeProjectsDir, claudeTranscriptPath, hookExecutable } from "../../paths.ts";
import type { EventLine, WorkerMeta } from "../../schema.ts";
import { reportedSessionId } from "../../events/query.ts";
import { shellQuote } from "../../shell.ts";
import { readLastTurn } from "./transcript.ts";
import { hookNames } from "../../events/hook_events.ts";
import { asPromptText, binaryFrom, lastTurnAt, promptPendingIn } from "../common.ts";
import { type DialogOption, dialogOptions, screenLines, selectOptionStep } from "../screen.ts";
import type { Harness, LaunchContext, LaunchPlan, ScreenAction, SessionSearch } from "../types.ts";

const TOOL_EVENTS: ReadonlySet<string> = new Set([
  "PreToolUse",
  "PostToolUse",
  "PostToolUseFailure",
]);

/** How long after a prompt's submission its text back in the box means an interruption. */
const INTERRUPT_SETTLE_MS = 1500;

/** Seconds Claude may run the hook before giving up on it. */
const HOOK_TIMEOUT_SECONDS = 10;

/** The `--settings` JSON that wires csd's hook to every recorded event. */
export function claudeSettings(
  hookCommand: string,
  approvalTimeoutS: number = DEFAULT_APPROVAL_TIMEOUT_S,
): Record<string, unknown> {
  const hooks: Record<string, unknown> = {};
  for (const event of hookNames("claude")) {
    // PreToolUse may wait for an approval (lib/approval/gate.ts); one entry, as for every event.
    const timeout = event === "PreToolUse"
      ? preToolUseHookTimeoutS(approvalTimeoutS)
      : HOOK_TIMEOUT_SECONDS;
    const entry: Record<string, unknown> = {
      hooks: [{ type: "command", command: hookCommand, timeout }],
    };
    if (TOOL_EVENTS.has(event)) entry.matcher = "*";
    hooks[event] = [entry];
  }
  // The bypass-permissions warning would otherwise stop every launch at a dialog.
  return { skipDangerousModePermissionPrompt: true, hooks };
}

/**
 * Claude 2.1.332 hands a long or multi-line paste to the model, its transcript and the
 * UserPromptSubmit payload as `"\n\n<pasted_content id=\"d19d\">\n" + text + "\n</pasted_content
 * id=\"d19d\">\n"`; csd, which pastes every prompt, then never recognised its own prompt (send
 * and converse timed out). Only a wrapper around the whole text is removed, so a prompt that
 * merely mentions the tag stays intact; a record cut short (csd caps event text) keeps its start.
 */
export function unwrapPastedContent(recorded: string): string {
  const open = recorded.match(/^\n\n<pasted_content id="([0-9A-Za-z]{1,32})">\n/);
  if (!open) return recorded;
  const inner = recorded.slice(open[0].length);
  const close = `\n</pasted_content id="${open[1]}">\n`;
  return inner.endsWith(close) ? inner.slice(0, -close.length) : inner;
}

const binary = binaryFrom("CSD_CLAUDE_BIN", "claude");
const promptPending = promptPendingIn(inputBoxText, /\[Pasted text #\d+/);

export const claude: Harness = {
  name: "claude",
  quitCommand: "/exit",
  // A prompt typed during a turn waits for it and runs as its own turn (one Stop each).
  busyPromptRunsOwnTurn: true,

  binary,

  prepare(context: LaunchContext): Promise<LaunchPlan> {
    const sessionId = context.resumeSessionId ?? crypto.randomUUID();
    const settings = claudeSettings(
      `${shellQuote(hookExecutable())} claude`,
      context.approvalTimeoutS,
    );
    Deno.writeTextFileSync(context.paths.settings, JSON.stringify(settings, null, 2) + "\n", {
      mode: 0o600,
    });
    const sessionArgs = context.resumeSessionId
      ? ["--resume", sessionId]
      : ["--session-id", sessionId];
    return Promise.resolve({
      argv: [
        binary(context.env),
        ...sessionArgs,
        "--settings",
        context.paths.settings,
        "--dangerously-skip-permissions",
        ...context.args,
      ],
      env: {
        CSD_EVENTS_FILE: context.paths.events,
        CSD_SESSION_ID: sessionId,
        CSD_WORKER: context.name,
        CSD_HARNESS: "claude",
      },
      sessionId,
      transcriptPath: claudeTranscriptPath(context.home, context.cwd, sessionId),
      harnessHome: null,
    });
  },

  isReady(events: EventLine[], screen: string): boolean {
    if (!events.some((e) => e.event === "session_start")) return false;
    // 2.1.332 fires SessionStart 20–50 ms before it draws its screen and turns bracketed paste
    // on; a prompt sent in between met a program not yet reading its input box. Drawn means
    // the input line, or a dialog csd does not answer at startup (converse then names it).
    return screen.includes(LIVE_INPUT) ||
      !isTrustDialog(screen) && dialogOptions(screen).length > 0;
  },

  startupScreenAction(screen: string): ScreenAction | null {
    if (!isTrustDialog(screen)) return null;
    const options = dialogOptions(screen);
    const trust = options.find(isTrustOption);
    if (!trust) {
      return { kind: "fail", why: "The folder-trust dialog shows no option to trust the folder" };
    }
    return {
      kind: "keys",
      keys: selectOptionStep(options, trust),
      why: `folder-trust dialog: choosing "${trust.label}"`,
    };
  },

  dialogOnScreen(screen: string): string | null {
    if (isTrustDialog(screen)) return "folder-trust dialog";
    // A drawn input line means no dialog holds the keyboard: numbered lines are then just text
    // (a prompt or reply listing "1. … 2. …").
    if (screen.includes(LIVE_INPUT)) return null;
    if (dialogOptions(screen).length > 0) return "selection dialog";
    return null;
  },

  inputText(screen: string): string | undefined {
    return inputBoxText(screen);
  },

  promptPending,

  asPromptText,

  promptAsSent(recorded: string): string {
    return unwrapPastedContent(recorded);
  },

  discoverSessionId(meta: WorkerMeta, events: EventLine[]): string | null {
    // `/clear` starts a new session in the same process: the hooks report the current id.
    return reportedSessionId(events) ?? meta.session_id;
  },

  findSession(sessionId: string, _env: Record<string, string>, home: string): SessionSearch {
    const projects = claudeProjectsDir(home);
    return { path: findClaudeTranscript(projects, sessionId), searched: projects };
  },

  lastTurn: lastTurnAt((path) => {
    const turn = readLastTurn(path);
    return turn && { ...turn, prompt: unwrapPastedContent(turn.prompt) };
  }),

  interruptedOnScreen(screen: string, events: EventLine[]): boolean {
    const submitted = events.findLast((e) => e.event === "user_prompt_submit");
    if (!submitted || submitted.prompt === undefined) return false;
    const prompt = unwrapPastedContent(submitted.prompt);
    if (prompt.trim() === "") return false;
    // Just after submission the box may not be redrawn empty yet: only a prompt that has been
    // running a while and is back in the box was interrupted.
    if (Date.now() - Date.parse(submitted.ts) < INTERRUPT_SETTLE_MS) return false;
    return promptPending(screen, prompt);
  },
};

/** Claude's transcript of `sessionId` in any project folder under `projects`, or null. */
function findClaudeTranscript(projects: string, sessionId: string): string | null {
  try {
    for (const entry of Deno.readDirSync(projects)) {
      const path = `${projects}/${entry.name}/${sessionId}.jsonl`;
      try {
        if (entry.isDirectory && Deno.statSync(path).isFile) return path;
      } catch {
        // Not in this project folder.
      }
    }
  } catch {
    // No projects folder at all.
  }
  return null;
}

function isTrustDialog(screen: string): boolean {
  return /trust (the files in )?this folder|Do you trust|folder you trust|project you created/i
    .test(screen) && dialogOptions(screen).length > 0;
}

function isTrustOption(option: DialogOption): boolean {
  return /\b(yes|trust|proceed)\b/i.test(option.label) &&
    !/\b(no|exit|don't)\b/i.test(option.label);
}

/** Claude 2.x marks the live input line with "❯" and a no-break space; history uses a space. */
const LIVE_INPUT = "\u276f\u00a0";
/** The placeholder the box shows while prompts are queued: not pending input. */
const QUEUED_PLACEHOLDER = /^Press up to edit queued messages$/;
const RULE = /^\s*[─━]{3,}/;

/**
 * The text in Claude's input box, or undefined when no input box is drawn (a dialog, a crash).
 * The live line starts with "❯\u00a0"; continuation lines follow, indented, until the next rule.
 * Screens without that marker fall back to the lines between the last two horizontal rules.
 */
export function inputBoxText(screen: string): string | undefined {
  const lines = screen.split("\n");
  const live = lines.findLastIndex((line) => line.startsWith(LIVE_INPUT));
  if (live >= 0) {
    const parts = [lines[live]!.slice(LIVE_INPUT.length)];
    for (let i = live + 1; i < lines.length && !RULE.test(lines[i]!); i++) {
      parts.push(lines[i]!.replace(/^ {2}/, ""));
    }
    const text = parts.join("\n").trimEnd();
    return QUEUED_PLACEHOLDER.test(text.trim()) ? "" : text;
  }
  const rules = lines.flatMap((line, index) => (RULE.test(line) ? [index] : []));
  if (rules.length < 2) return undefined;
  const inside = screenLines(lines.slice(rules.at(-2)! + 1, rules.at(-1)!).join("\n"));
  return inside.join("\n").replace(/^[>❯›]\s?/, "");
}
