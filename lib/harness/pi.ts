/**
 * The Pi coding agent as a harness. Events come from csd's own extension (`pi -e`), not hooks;
 * the session file path is chosen by csd at launch (`--session <path>`) so read-turn and adopt
 * never search for it; each worker runs under its own staged agent dir.
 */
import { reportedSessionId, reportedTranscriptPath } from "../events.ts";
import { piExtension, type WorkerPaths } from "../paths.ts";
import type { EventLine, WorkerMeta } from "../schema.ts";
import type { Turn } from "../transcript/markdown.ts";
import { lastPiTurn, parsePiSession, piSessionId } from "../transcript/pi.ts";
import { CsdError } from "../errors.ts";
import { resolveExecutable } from "./binary.ts";
import { piSessionFolder, realPiAgentDir, stagePiAgentDir } from "./pi_home.ts";
import { boxShowsText, dialogOptions } from "./screen.ts";
import type { Harness, LaunchContext, LaunchPlan } from "./types.ts";

const RULE = /^─{10,}\s*$/;

export const pi: Harness = {
  name: "pi",
  quitCommand: "/quit",

  binary(env) {
    return resolveExecutable(env.CSD_PI_BIN || "pi", env.PATH, "CSD_PI_BIN");
  },

  prepare(context: LaunchContext): Promise<LaunchPlan> {
    const source = realPiAgentDir(context.env, context.home);
    stagePiAgentDir(source, context.paths.home);
    const sessions = `${source}/sessions/${piSessionFolder(context.cwd)}`;
    Deno.mkdirSync(sessions, { recursive: true, mode: 0o700 });
    const resume = context.resumeSessionId;
    const sessionFile = resume
      ? findPiSession(`${source}/sessions`, resume)
      : `${sessions}/${
        new Date().toISOString().replace(/[:.]/g, "-")
      }_${crypto.randomUUID()}.jsonl`;
    if (!sessionFile) throw new CsdError(`No Pi session ${resume} under ${source}/sessions`);
    const model = context.env.CSD_PI_MODEL;
    return Promise.resolve({
      argv: [
        this.binary(context.env),
        "-e",
        piExtension(),
        "--session",
        sessionFile,
        ...(model ? ["--model", model] : []),
        ...context.args,
      ],
      env: {
        PI_CODING_AGENT_DIR: context.paths.home,
        CSD_EVENTS_FILE: context.paths.events,
        CSD_WORKER: context.name,
        CSD_HARNESS: "pi",
      },
      sessionId: resume ?? null,
      transcriptPath: sessionFile,
      harnessHome: context.paths.home,
    });
  },

  isReady(events) {
    // Pi draws no "ready" text; a paste before session_start loses its Enter.
    return events.some((e) => e.event.event === "session_start");
  },

  startupScreenAction() {
    return null;
  },

  dialogOnScreen(screen) {
    if (editorText(screen) !== undefined) return null;
    return dialogOptions(screen).length > 0 ? "selection dialog" : null;
  },

  inputText(screen: string): string | undefined {
    return editorText(screen);
  },

  promptPending(screen, text) {
    const box = editorText(screen);
    if (!box) return false;
    if (/\[paste #\d+/.test(box)) return true;
    return boxShowsText(box, text);
  },

  asPromptText(text) {
    // "/" runs a command and "!" a shell command (neither fires `input`); a space avoids both.
    return /^[\/!]/.test(text) ? ` ${text}` : text;
  },

  discoverSessionId(meta: WorkerMeta, events: EventLine[]): string | null {
    if (meta.session_id) return meta.session_id;
    const reported = reportedSessionId(events);
    if (reported) return reported;
    try {
      return meta.transcript_path
        ? piSessionId(Deno.readTextFileSync(meta.transcript_path)) ?? null
        : null;
    } catch {
      return null;
    }
  },

  transcriptPath(meta: WorkerMeta, events: EventLine[]): string | null {
    // /new, /resume and /fork move the session to another file; session_start reports it.
    return reportedTranscriptPath(events) ?? meta.transcript_path;
  },

  lastTurn(_meta: WorkerMeta, path: string | null): Promise<Turn | undefined> {
    if (!path) return Promise.resolve(undefined);
    try {
      return Promise.resolve(lastPiTurn(parsePiSession(Deno.readTextFileSync(path))));
    } catch {
      return Promise.resolve(undefined);
    }
  },

  cleanup(_paths: WorkerPaths): void {
    // The staged agent dir goes with the worker's files (removeWorkerFiles).
  },
};

/** The text in Pi's editor: the lines between the last two full-width rules. */
export function editorText(screen: string): string | undefined {
  const lines = screen.split("\n");
  const rules = lines.flatMap((line, index) => (RULE.test(line) ? [index] : []));
  if (rules.length < 2) return undefined;
  return lines.slice(rules.at(-2)! + 1, rules.at(-1)!).join("\n").trim();
}

/** The session file of Pi session `id` (file name or header id) under a sessions folder. */
export function findPiSession(sessions: string, id: string): string | null {
  let folders: Deno.DirEntry[];
  try {
    folders = [...Deno.readDirSync(sessions)];
  } catch {
    return null;
  }
  for (const folder of folders.filter((f) => f.isDirectory)) {
    const dir = `${sessions}/${folder.name}`;
    for (const file of Deno.readDirSync(dir)) {
      if (!file.name.endsWith(".jsonl")) continue;
      const path = `${dir}/${file.name}`;
      if (file.name.includes(id)) return path;
      try {
        if (piSessionId(Deno.readTextFileSync(path).slice(0, 4096)) === id) return path;
      } catch {
        // Unreadable: not it.
      }
    }
  }
  return null;
}
