/**
 * Claude Code as a harness: a caller-assigned session id (`--session-id`, so the worker is known
 * from the first moment), hooks wired through a `--settings` file, and the transcript under
 * `$HOME/.claude/projects`.
 */
import { hookExecutable, type WorkerPaths } from "../paths.ts";
import type { WorkerMeta } from "../schema.ts";
import { shellQuote } from "../shell.ts";
import { lastTurn, parseTranscript } from "../transcript/claude.ts";
import type { Turn } from "../transcript/markdown.ts";
import { claudeTranscriptPath } from "../paths.ts";
import { resolveExecutable } from "./binary.ts";
import {
  type DialogOption,
  dialogOptions,
  screenLines,
  selectOptionStep,
  squash,
} from "./screen.ts";
import type { Harness, LaunchContext, LaunchPlan, ScreenAction } from "./types.ts";

/** Claude hook events csd records (WorktreeCreate/Remove are left alone: a hook there changes
 * how worktrees are created). */
const HOOKED_EVENTS = [
  "SessionStart",
  "UserPromptSubmit",
  "PreToolUse",
  "PostToolUse",
  "PostToolUseFailure",
  "Stop",
  "StopFailure",
  "SessionEnd",
  "Notification",
  "SubagentStart",
  "SubagentStop",
  "PreCompact",
] as const;
const TOOL_EVENTS = new Set(["PreToolUse", "PostToolUse", "PostToolUseFailure"]);

/** Seconds Claude may run the hook before giving up on it. */
const HOOK_TIMEOUT_SECONDS = 10;

/** The `--settings` JSON that wires csd's hook to every recorded event. */
export function claudeSettings(hookCommand: string): Record<string, unknown> {
  const hooks: Record<string, unknown> = {};
  for (const event of HOOKED_EVENTS) {
    const entry: Record<string, unknown> = {
      hooks: [{ type: "command", command: hookCommand, timeout: HOOK_TIMEOUT_SECONDS }],
    };
    if (TOOL_EVENTS.has(event)) entry.matcher = "*";
    hooks[event] = [entry];
  }
  // The bypass-permissions warning would otherwise stop every launch at a dialog.
  return { skipDangerousModePermissionPrompt: true, hooks };
}

export const claude: Harness = {
  name: "claude",
  quitCommand: "/exit",

  binary(env) {
    return resolveExecutable(env.CSD_CLAUDE_BIN || "claude", env.PATH, "CSD_CLAUDE_BIN");
  },

  prepare(context: LaunchContext): Promise<LaunchPlan> {
    const sessionId = context.resumeSessionId ?? crypto.randomUUID();
    const settings = claudeSettings(`${shellQuote(hookExecutable())} claude`);
    Deno.writeTextFileSync(context.paths.settings, JSON.stringify(settings, null, 2) + "\n", {
      mode: 0o600,
    });
    const sessionArgs = context.resumeSessionId
      ? ["--resume", sessionId]
      : ["--session-id", sessionId];
    return Promise.resolve({
      argv: [
        this.binary(context.env),
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
    });
  },

  startupScreenAction(screen: string): ScreenAction | null {
    if (!isTrustDialog(screen)) return null;
    const options = dialogOptions(screen);
    const trust = options.find(isTrustOption);
    if (!trust) {
      return { kind: "fail", why: "the folder-trust dialog shows no option to trust the folder" };
    }
    return {
      kind: "keys",
      keys: selectOptionStep(options, trust),
      why: `folder-trust dialog: choosing "${trust.label}"`,
    };
  },

  dialogOnScreen(screen: string): string | null {
    if (isTrustDialog(screen)) return "folder-trust dialog";
    if (dialogOptions(screen).length > 0) return "selection dialog";
    return null;
  },

  promptPending(screen: string, text: string): boolean {
    const box = inputBoxText(screen);
    if (box === undefined) return false;
    if (/\[Pasted text #\d+/.test(box)) return true;
    const wanted = squash(text);
    const shown = squash(box);
    if (shown.length === 0 || wanted.length === 0) return false;
    // The box shows the end of a long prompt; compare the tail that fits.
    const tail = wanted.slice(-Math.min(wanted.length, 40));
    return shown.includes(tail) || wanted.includes(shown.slice(-40));
  },

  asPromptText(text: string): string {
    // A leading "/" runs a slash command and "!" runs bash mode; a leading space avoids both.
    return /^[\/!]/.test(text) ? ` ${text}` : text;
  },

  lastTurn(meta: WorkerMeta): Promise<Turn | undefined> {
    const path = meta.transcript_path;
    if (!path) return Promise.resolve(undefined);
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch {
      return Promise.resolve(undefined);
    }
    return Promise.resolve(lastTurn(parseTranscript(text)));
  },

  cleanup(paths: WorkerPaths): void {
    try {
      Deno.removeSync(paths.settings);
    } catch {
      // Already gone.
    }
  },
};

function isTrustDialog(screen: string): boolean {
  return /trust (the files in )?this folder|Do you trust|folder you trust|project you created/i
    .test(screen) && dialogOptions(screen).length > 0;
}

function isTrustOption(option: DialogOption): boolean {
  return /\b(yes|trust|proceed)\b/i.test(option.label) &&
    !/\b(no|exit|don't)\b/i.test(option.label);
}

/**
 * The text inside the input box: the lines between the last two horizontal rules (or the last
 * box), where the prompt glyph sits. Undefined when no input box is drawn (a dialog, a crash).
 */
export function inputBoxText(screen: string): string | undefined {
  const lines = screen.split("\n");
  const rules: number[] = [];
  lines.forEach((line, index) => {
    if (/^\s*[╭╰─━]{3,}|^\s*[─━]{10,}/.test(line)) rules.push(index);
  });
  if (rules.length < 2) return undefined;
  const top = rules[rules.length - 2]!;
  const bottom = rules[rules.length - 1]!;
  const inside = screenLines(lines.slice(top + 1, bottom).join("\n"));
  if (inside.length === 0) return "";
  return inside.join("\n").replace(/^[>❯›]\s?/, "");
}
