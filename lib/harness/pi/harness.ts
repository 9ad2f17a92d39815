/**
 * The Pi coding agent as a harness. Events come from csd's own extension (`pi -e`), not hooks;
 * the session file path is chosen by csd at launch (`--session <path>`) so read-turn and adopt
 * never search for it; each worker runs under its own staged agent dir.
 */
import { reportedSessionId } from "../../events/query.ts";
import { hookExecutable, piExtension } from "../../paths.ts";
import type { EventLine, WorkerMeta } from "../../schema.ts";
import { readLastPiTurn, readPiSessionId } from "./transcript.ts";
import { CsdError } from "../../cli/errors.ts";
import {
  asPromptText,
  binaryFrom,
  lastTurnAt,
  promptPendingIn,
  selectionDialog,
} from "../common.ts";
import { piNodeDir } from "./node.ts";
import { piSessionFolder, piWouldAskTrust, realPiAgentDir, stagePiAgentDir } from "./home.ts";
import type { Harness, LaunchContext, LaunchPlan, SessionSearch } from "../types.ts";

const RULE = /^─{10,}\s*$/;
/** Pi 1.x's project-trust dialog. */
const TRUST_DIALOG = /^\s*Trust project folder\?\s*$/m;

const binary = binaryFrom("CSD_PI_BIN", "pi");

export const pi: Harness = {
  name: "pi",
  quitCommand: "/quit",

  binary,

  async prepare(context: LaunchContext): Promise<LaunchPlan> {
    const executable = binary(context.env);
    // Checked before the pane opens: a pi on a too-old node dies at once, its error lost.
    const nodeDir = await piNodeDir(context.env, executable);
    const source = realPiAgentDir(context.env, context.home);
    stagePiAgentDir(source, context.paths.home);
    // Pi >= 1 asks whether to trust a folder with project config (.pi/settings.json,
    // .pi/extensions, .agents/skills…), a dialog no controller can answer safely by keys. csd
    // trusts the worker's cwd for this process only, under the consent `csd grant-consent`
    // records (as it answers Claude's folder-trust dialog and marks the cwd trusted for Codex);
    // csd's extension answers Pi's `project_trust` event, nothing is saved to trust.json, and a
    // decision the user saved or a defaultProjectTrust they set still applies.
    const trustCwd = piWouldAskTrust(context.paths.home, context.cwd) ? context.cwd : null;
    const sessions = `${source}/sessions/${piSessionFolder(context.cwd)}`;
    Deno.mkdirSync(sessions, { recursive: true, mode: 0o700 });
    const resume = context.resumeSessionId;
    // Resumed: the session file adopt found.
    const sessionFile = resume
      ? context.resumeTranscriptPath ?? null
      : `${sessions}/${
        new Date().toISOString().replace(/[:.]/g, "-")
      }_${crypto.randomUUID()}.jsonl`;
    if (!sessionFile) throw new CsdError(`No Pi session ${resume} under ${source}/sessions`);
    const model = context.env.CSD_PI_MODEL;
    return {
      argv: [
        executable,
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
        // Always set: a value inherited from a controller that is itself a pi worker must not
        // stand in for this decision.
        CSD_PI_TRUST_CWD: trustCwd ?? "",
        // A gated call's gate runs in the hook program (pi/approval_gate.ts).
        CSD_HOOK: hookExecutable(),
        // Pi's bin is `#!/usr/bin/env node`: the chosen node must come first on PATH.
        ...(nodeDir ? { PATH: `${nodeDir}:${context.env.PATH ?? ""}` } : {}),
      },
      sessionId: resume ?? null,
      transcriptPath: sessionFile,
      harnessHome: context.paths.home,
    };
  },

  isReady(events) {
    // Pi draws no "ready" text; a paste before session_start loses its Enter.
    return events.some((e) => e.event === "session_start");
  },

  startupScreenAction(screen) {
    // Never answered by keys (its highlighted default saves a permanent "Trust"); csd's
    // extension decides it before it can show, so seeing it means that did not happen.
    if (!TRUST_DIALOG.test(screen)) return null;
    return {
      kind: "fail",
      why: "Pi asks whether to trust the project folder and csd did not answer it; " +
        "run pi there once and choose, or save a decision in ~/.pi/agent/trust.json",
    };
  },

  dialogOnScreen(screen) {
    if (TRUST_DIALOG.test(screen)) return "project-trust dialog";
    return selectionDialog(screen, editorText);
  },

  inputText(screen: string): string | undefined {
    return editorText(screen);
  },

  promptPending: promptPendingIn(editorText, /\[paste #\d+/),

  asPromptText,

  discoverSessionId(meta: WorkerMeta, events: EventLine[]): string | null {
    if (meta.session_id) return meta.session_id;
    const reported = reportedSessionId(events);
    if (reported) return reported;
    try {
      return meta.transcript_path ? readPiSessionId(meta.transcript_path) ?? null : null;
    } catch {
      return null;
    }
  },

  findSession(sessionId: string, env: Record<string, string>, home: string): SessionSearch {
    const sessions = `${realPiAgentDir(env, home)}/sessions`;
    return { path: findPiSession(sessions, sessionId), searched: sessions };
  },

  lastTurn: lastTurnAt(readLastPiTurn),
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
        if (readPiSessionId(path) === id) return path;
      } catch {
        // Unreadable: not it.
      }
    }
  }
  return null;
}
