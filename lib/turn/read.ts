/**
 * The final assistant text of a turn. Claude's Stop payload carries it
 * (`last_assistant_message`), which also covers the case where the stop event lands before the
 * transcript holds the final message. Otherwise the transcript is read, waiting (bounded) until
 * its last turn is the one this prompt started and its final text is written.
 */
import type { EventLine } from "../schema.ts";
import { squash } from "../harness/screen.ts";
import { finalText, type Turn } from "../transcript/markdown.ts";
import { waitUntil } from "../wait.ts";
import type { Worker } from "../worker/handle.ts";
import { dirname } from "../path.ts";
import { currentTranscriptPath, PromptTurn, workerEvents } from "../events/query.ts";
import { readUsage, type UsageReport } from "./usage.ts";

/** How long to wait for the transcript to catch up with the stop event. */
const TRANSCRIPT_GRACE_MS = 5000;

/**
 * read-turn stops waiting for a prompt's turn once neither the transcript nor the events moved
 * for this long: Claude writes the prompt tens of milliseconds after its hook, so a transcript
 * still without it a second later is not catching up (a prompt lost to an Escape, a slash
 * command). Waiting out the whole grace made every such read-turn take 5 s.
 */
const TRANSCRIPT_SETTLED_MS = 1000;

/** True when `turn` was started by `prompt` (whitespace-insensitive; long prompts by prefix). */
function turnMatchesPrompt(turn: Turn, prompt: string): boolean {
  const got = squash(turn.prompt);
  const want = squash(prompt);
  return got === want || (got.length > 0 && (want.startsWith(got) || got.startsWith(want)));
}

/**
 * Waits until the transcript's last turn is the one `prompt` started and, once its turn has
 * ended (`stop` given), holds its final text; returns the turn, or undefined after the grace
 * period. Claude writes its transcript tens of milliseconds after the hooks fire.
 */
export async function turnForPrompt(
  worker: Worker,
  prompt: string,
  stop: EventLine | undefined,
  ended = stop !== undefined,
  settledSince?: number,
): Promise<Turn | undefined> {
  const expected = stop?.last_assistant_message;
  let path = workerTranscript(worker);
  const watch = path ? [dirname(path)] : [];
  const found = await waitUntil<Turn | "settled">(async () => {
    path ??= workerTranscript(worker);
    const turn = await worker.harness.lastTurn(worker.meta, path);
    if (turn && turnMatchesPrompt(turn, prompt)) {
      if (expected !== undefined && squash(finalText(turn)) === squash(expected)) return turn;
      if (expected === undefined && !(ended && finalText(turn) === "")) return turn;
    }
    if (settledSince === undefined) return undefined;
    const changed = Math.max(settledSince, path ? modifiedAt(path) : 0);
    return Date.now() - changed >= TRANSCRIPT_SETTLED_MS ? "settled" : undefined;
  }, { watch, deadline: Date.now() + TRANSCRIPT_GRACE_MS, pollMs: 100 });
  return found === "settled" ? undefined : found;
}

/** When the file at `path` last changed (ms since the epoch), 0 when unknown. */
function modifiedAt(path: string): number {
  try {
    return Deno.statSync(path).mtime?.getTime() ?? 0;
  } catch {
    return 0;
  }
}

/** The final text of the turn `prompt` started. */
export async function finalTextOfTurn(
  worker: Worker,
  prompt: string,
  stop: EventLine | undefined,
): Promise<string> {
  if (stop?.last_assistant_message !== undefined) return stop.last_assistant_message;
  const turn = await turnForPrompt(worker, prompt, stop);
  return turn ? finalText(turn) : "";
}

/** The worker's transcript path as far as it is known now (hooks may report a better one). */
export function workerTranscript(worker: Worker): string | null {
  return currentTranscriptPath(worker.meta, workerEvents(worker));
}

/**
 * The worker's token usage (lib/turn/usage.ts), or null before its transcript exists (no prompt yet).
 */
export async function workerUsage(worker: Worker): Promise<UsageReport | null> {
  const path = workerTranscript(worker);
  if (path === null) return null;
  try {
    return await readUsage(worker.meta.harness, path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * The turn read-turn shows: the last prompt the events know of, once the transcript has caught
 * up with it (so a read right after a turn never shows the previous one).
 */
export async function currentTurn(worker: Worker): Promise<Turn | undefined> {
  const events = workerEvents(worker);
  const promptAt = events.findLastIndex((e) => e.event === "user_prompt_submit");
  const recorded = events[promptAt]?.prompt;
  if (promptAt >= 0 && recorded !== undefined) {
    const prompt = worker.harness.promptAsSent?.(recorded) ?? recorded;
    // Its end, paired as converse pairs it: a prompt typed during a turn ends after that turn.
    const pairing = new PromptTurn(worker.harness, events.slice(0, promptAt), () => true);
    const end = events.slice(promptAt).find((e) => pairing.feed(e));
    // A failed turn may end without any text: only a successful one must show its final text.
    const stop = end?.event === "stop" ? end : undefined;
    const newest = Math.max(...events.slice(promptAt).map((e) => Date.parse(e.ts) || 0));
    const turn = await turnForPrompt(worker, prompt, stop, stop !== undefined, newest);
    if (turn) return turn;
  }
  return await worker.harness.lastTurn(worker.meta, workerTranscript(worker));
}
