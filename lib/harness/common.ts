/**
 * The harness members whose behaviour is the same for every harness, written once and given
 * each harness's own data (its binary variable, its paste placeholder, its transcript parser).
 * Each returns a plain function, never a method: a member taken off the harness object (as
 * reconcile does) must not depend on `this`.
 */
import type { WorkerMeta } from "../schema.ts";
import type { Turn } from "../transcript/markdown.ts";
import { resolveExecutable } from "./binary.ts";
import { boxShowsText, dialogOptions } from "./screen.ts";

/** `binary`: the harness executable, $`variable` when set, else `command` on PATH. */
export function binaryFrom(
  variable: string,
  command: string,
): (env: Record<string, string>) => string {
  return (env) => resolveExecutable(env[variable] || command, env.PATH, variable);
}

/**
 * `promptPending`: true while `text` still sits un-submitted in the input box `inputText` reads.
 * A long paste shows as the harness's placeholder (`pasteMarker`), never as the text itself.
 */
export function promptPendingIn(
  inputText: (screen: string) => string | undefined,
  pasteMarker: RegExp,
): (screen: string, text: string) => boolean {
  return (screen, text) => {
    const box = inputText(screen);
    if (!box) return false;
    if (pasteMarker.test(box)) return true;
    return boxShowsText(box, text);
  };
}

/**
 * `asPromptText`: a leading "/" runs a command (Claude's slash commands, Codex's command popup,
 * Pi's commands) and a leading "!" a shell command (Claude's bash mode; Pi then fires no
 * `input`): a leading space makes either arrive as a prompt.
 */
export function asPromptText(text: string): string {
  return /^[\/!]/.test(text) ? ` ${text}` : text;
}

/**
 * A selection dialog holds the keyboard when numbered options are drawn and no input box is
 * (with an input box, numbered lines are just text: a prompt or a reply listing "1. … 2. …").
 */
export function selectionDialog(
  screen: string,
  inputText: (screen: string) => string | undefined,
): string | null {
  if (inputText(screen) !== undefined) return null;
  return dialogOptions(screen).length > 0 ? "selection dialog" : null;
}

/**
 * `lastTurn`: the last turn `read` finds in the transcript at `path` (reading from the end back
 * to its prompt, never the whole file); undefined when there is no path yet, the file cannot be
 * read, or it holds no turn.
 */
export function lastTurnAt(
  read: (path: string) => Turn | undefined,
): (meta: WorkerMeta, path: string | null) => Promise<Turn | undefined> {
  return (_meta, path) => {
    if (!path) return Promise.resolve(undefined);
    try {
      return Promise.resolve(read(path));
    } catch {
      return Promise.resolve(undefined);
    }
  };
}
