/**
 * OpenAI's Codex CLI as a harness. Codex mints its own session id (a UUIDv7 at launch, reported
 * by hooks only from the first prompt), runs under a staged per-worker CODEX_HOME, always without
 * the shared app-server daemon (`--dangerously-bypass-hook-trust` forces embedded mode and lets
 * the hooks run), and records failed turns only in its rollout.
 */
import { endsTurn, reportedSessionId } from "../../events/query.ts";
import { readTailLines } from "../../events/jsonl.ts";
import { hookExecutable, realCodexHome } from "../../paths.ts";
import type { EventLine, WorkerMeta } from "../../schema.ts";
import { shellQuote } from "../../shell.ts";
import { failedTurns, parseRollout, readLastRolloutTurn } from "./transcript.ts";
import {
  asPromptText,
  binaryFrom,
  lastTurnAt,
  promptPendingIn,
  selectionDialog,
} from "../common.ts";
import type { Harness, LaunchContext, LaunchPlan, SessionSearch } from "../types.ts";

/** The composer's placeholder: shown while the input is empty (and once Codex is ready). */
const PLACEHOLDER = "Ask Codex to do anything";
/** The composer line starts with "›" and a space; continuation lines are indented two. */
const COMPOSER = "\u203a ";

const binary = binaryFrom("CSD_CODEX_BIN", "codex");

export const codex: Harness = {
  name: "codex",
  quitCommand: "/quit",

  binary,

  async prepare(context: LaunchContext): Promise<LaunchPlan> {
    // Loaded here, not at the top: it brings the TOML parser, which status, session-id and
    // every other read of a worker would otherwise load for nothing.
    const { stageCodexHome } = await import("./home.ts");
    const home = context.paths.home;
    const source = realCodexHome(context.env, context.home);
    stageCodexHome({
      source,
      target: home,
      cwd: context.cwd,
      hookCommand: `${shellQuote(hookExecutable())} codex`,
      model: context.env.CSD_CODEX_MODEL || undefined,
      approvalTimeoutS: context.approvalTimeoutS,
    });
    Deno.mkdirSync(context.paths.tmp, { recursive: true, mode: 0o700 });
    const resume = context.resumeSessionId;
    const argv = [
      binary(context.env),
      ...(resume ? ["resume", resume] : []),
      // Runs the hooks without the review modal AND keeps Codex in embedded mode: the shared
      // daemon would run every worker's hooks with the first worker's environment.
      "--dangerously-bypass-hook-trust",
      ...context.args,
    ];
    return {
      argv,
      env: {
        CODEX_HOME: home,
        TMPDIR: context.paths.tmp,
        CSD_EVENTS_FILE: context.paths.events,
        CSD_WORKER: context.name,
        CSD_HARNESS: "codex",
        ...(resume ? { CSD_SESSION_ID: resume } : {}),
      },
      sessionId: resume ?? null,
      // The rollout adopt found (the staged home's sessions/ links to the same folder).
      transcriptPath: resume ? context.resumeTranscriptPath ?? null : null,
      harnessHome: home,
    };
  },

  isReady(events, screen) {
    return composerText(screen) === "" && screen.includes(PLACEHOLDER) ||
      events.some((e) => e.event === "session_start");
  },

  startupScreenAction() {
    return null;
  },

  dialogOnScreen(screen) {
    return selectionDialog(screen, composerText);
  },

  inputText(screen: string): string | undefined {
    return composerText(screen);
  },

  promptPending: promptPendingIn(composerText, /\[Pasted Content \d+ chars\]/),

  asPromptText,

  discoverSessionId(meta: WorkerMeta, events: EventLine[]): string | null {
    return meta.session_id ?? reportedSessionId(events) ?? lockedThreadId(meta.harness_home);
  },

  findSession(sessionId: string, env: Record<string, string>, home: string): SessionSearch {
    const sessions = `${realCodexHome(env, home)}/sessions`;
    return { path: findRollout(sessions, sessionId), searched: sessions };
  },

  lastTurn: lastTurnAt(readLastRolloutTurn),

  reconcile(meta: WorkerMeta, events: EventLine[], path: string | null): EventLine[] {
    if (!path) return [];
    const at = events.findLastIndex((e) => e.event === "user_prompt_submit");
    const prompt = events[at];
    if (!prompt?.turn_id) return [];
    if (events.slice(at + 1).some(endsTurn)) return [];
    const error = failedTurns(parseRollout(readTailLines(path))).get(prompt.turn_id);
    if (error === undefined) return [];
    return [{
      ts: new Date().toISOString(),
      event: "stop_failure",
      harness: "codex",
      ...(prompt.session_id ?? meta.session_id
        ? { session_id: prompt.session_id ?? meta.session_id! }
        : {}),
      turn_id: prompt.turn_id,
      transcript_path: path,
      error,
      derived_from: "rollout",
    }];
  },
};

/**
 * The text in Codex's composer: the last line starting with "› " and its indented continuation
 * lines, up to the blank line above the footer. "" while it shows the placeholder; undefined
 * when no composer is drawn.
 */
export function composerText(screen: string): string | undefined {
  const lines = screen.split("\n");
  const at = lines.findLastIndex((line) => line.startsWith(COMPOSER));
  if (at < 0) return undefined;
  const parts = [lines[at]!.slice(COMPOSER.length)];
  for (let i = at + 1; i < lines.length && lines[i]!.trim() !== ""; i++) {
    parts.push(lines[i]!.replace(/^ {2}/, ""));
  }
  const text = parts.join("\n").trimEnd();
  return text === PLACEHOLDER ? "" : text;
}

const THREAD_LOCK = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.lock$/i;

/** The thread id Codex locks about a second after start (`thread-writer-locks/<id>.lock`). */
function lockedThreadId(home: string | null): string | null {
  if (!home) return null;
  try {
    for (const entry of Deno.readDirSync(`${home}/thread-writer-locks`)) {
      const match = entry.name.match(THREAD_LOCK);
      if (match) return match[1]!;
    }
  } catch {
    // Not created yet.
  }
  return null;
}

/** The rollout of session `id` under a sessions folder (YYYY/MM/DD/rollout-…-<id>.jsonl). */
export function findRollout(sessions: string, id: string): string | null {
  const suffix = `-${id}.jsonl`;
  const visit = (dir: string, depth: number): string | null => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)].sort((a, b) => b.name.localeCompare(a.name));
    } catch {
      return null;
    }
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      if (entry.isFile && entry.name.endsWith(suffix)) return path;
      if (entry.isDirectory && depth < 3) {
        const found = visit(path, depth + 1);
        if (found) return found;
      }
    }
    return null;
  };
  return visit(sessions, 0);
}
