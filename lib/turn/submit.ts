/**
 * Delivering a prompt: bracketed paste, Enter, and confirmation by the harness's own
 * user_prompt_submit event after a byte-offset baseline. Enter is re-sent only while the text
 * still sits in the input box (the harness ignored the first Enter, as Claude does for ~150 ms
 * after start) and never while a dialog is on screen.
 */
import { secondsSetting } from "../cli/config.ts";
import { CsdError, TimeoutError, UsageError } from "../cli/errors.ts";
import { type EventAt, fileSize, LineCursor, parseEvents } from "../events/jsonl.ts";
import { squash } from "../harness/screen.ts";
import { sessionEnded, statusFromEvents, workerEvents } from "../events/query.ts";
import { eventsUnrecordable, type Submitted } from "./submission.ts";
import { waitUntil } from "../wait.ts";
import type { Harness } from "../harness/types.ts";
import type { EventLine } from "../schema.ts";
import { assertStillRegistered, workerPane, workerPaneWithScreen } from "../worker/worker.ts";
import type { Worker } from "../worker/handle.ts";
import { dirname } from "../path.ts";

/** Submission timing, from CSD_SUBMIT_TIMEOUT / CSD_SUBMIT_RETRY_INTERVAL (seconds). */
export interface SubmitTiming {
  timeoutMs: number;
  retryMs: number;
}

/** Reads the submission timing from the environment (defaults 10 s and 2 s). */
export function submitTimingFromEnv(): SubmitTiming {
  return {
    timeoutMs: secondsSetting("CSD_SUBMIT_TIMEOUT") * 1000,
    retryMs: secondsSetting("CSD_SUBMIT_RETRY_INTERVAL") * 1000,
  };
}

/**
 * A prompt as text a bracketed paste delivers exactly. Inside a paste the harness still parses
 * escape sequences: an ESC in the prompt could close the paste early and type the rest as keys
 * (a one-pass strip of the markers let `\x1b[20\x1b[201~1~` rebuild `\x1b[201~`, and the text
 * after it quit the worker or ran `!cmd` in Codex and Pi), and harnesses eat `ESC <x>` and turn
 * `\r` into `\n`, so the confirmation no longer matched what was sent. The rule:
 * - `\n` and `\t` are kept; `\r\n` and a lone `\r` become `\n`;
 * - every other C0 control character and DEL becomes its Unicode control picture
 *   (NUL → ␀ U+2400 … ESC → ␛ U+241B … US → ␟ U+241F, DEL → ␡ U+2421).
 * No ESC survives, so no paste marker can, whatever the input; the result is a fixed point.
 */
export function promptAsText(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x08\x0b-\x1f\x7f]/g,
    (c) => String.fromCharCode(c === "\x7f" ? 0x2421 : 0x2400 + c.charCodeAt(0)),
  );
}

/** The first control character of `text` (a command typed as keys must have none). */
function firstControlCharacter(text: string): string | undefined {
  // deno-lint-ignore no-control-regex
  return text.match(/[\x00-\x1f\x7f]/)?.[0];
}

/**
 * True when a user_prompt_submit event carries this prompt, as `harness` records a prompt
 * (Claude wraps a long paste), or its start when the record was shortened (the hook's
 * `…[truncated N chars]`, the Pi extension's `…[truncated]`). Any other start is not enough: a
 * paste Claude 2.1.332 took as typed keys fired one event per line, and the first line's
 * confirmed the whole prompt.
 */
export function promptMatches(
  event: EventLine,
  delivered: string,
  harness: Pick<Harness, "promptAsSent">,
): boolean {
  if (event.event !== "user_prompt_submit") return false;
  const got = event.prompt;
  if (got === undefined) return true;
  const a = squash(harness.promptAsSent?.(got) ?? got);
  const b = squash(delivered);
  if (a === b) return true;
  const kept = a.replace(SHORTENED, "");
  return kept !== a && kept.length > 0 && b.startsWith(kept);
}

/** The end of a recorded prompt the hook or the Pi extension shortened (whitespace squashed). */
const SHORTENED = /…\[truncated(\d+chars)?\]$/;

/**
 * Pastes `text` into the worker and presses Enter, re-pressing it while the text is still
 * pending, until the harness confirms the prompt.
 * @throws CsdError when the worker is gone or shows a dialog; TimeoutError when unconfirmed
 */
export async function submitPrompt(
  worker: Worker,
  text: string,
  timing: SubmitTiming,
): Promise<Submitted> {
  const cleaned = promptAsText(text);
  if (cleaned.trim() === "") throw new UsageError("The prompt is empty");
  const delivered = worker.harness.asPromptText(cleaned);
  const paneId = worker.meta.tmux_pane_id;
  const ready = await assertReadyForInput(worker);
  // The events the readiness check read, unless clearing the box took a while.
  const events = await clearStaleInput(worker, ready.screen) ? workerEvents(worker) : ready.events;
  const busy = statusFromEvents(events, worker.harness) === "working";
  const baseline = fileSize(worker.paths.events);
  await worker.tmux.pasteBracketed(paneId, delivered);
  // A call of its own: an Enter in the paste's call reaches the harness in the same read as the
  // paste, and a loaded Claude then took it as part of the paste (the text sat in the box until
  // the retry below, 2 s later).
  await worker.tmux.sendKeys(paneId, "Enter");

  const cursor = new LineCursor(worker.paths.events, baseline);
  const deadline = Date.now() + timing.timeoutMs;
  let nextRetry = Date.now() + timing.retryMs;
  const read: EventAt[] = [];
  const outcome = await waitUntil<EventAt | "queued">(async () => {
    const fresh = parseEvents(cursor.next());
    read.push(...fresh);
    const confirmed = fresh.find((event) => promptMatches(event.event, delivered, worker.harness));
    if (confirmed) return confirmed;
    if (Date.now() < nextRetry) return undefined;
    nextRetry = Date.now() + timing.retryMs;
    assertStillRegistered(worker);
    const screen = await worker.tmux.capture(paneId);
    const dialog = worker.harness.dialogOnScreen(screen);
    if (dialog) {
      throw new CsdError(
        `The prompt was not confirmed and the worker now shows a ${dialog}; ` +
          `not pressing Enter into it (use handoff to answer it)`,
      );
    }
    if (worker.harness.promptPending(screen, delivered)) {
      await worker.tmux.sendKeys(paneId, "Enter");
      return undefined;
    }
    // Not in the box, not confirmed: a harness queues a prompt sent during a running turn
    // and confirms it only when that turn ends.
    return busy ? "queued" : undefined;
  }, {
    watch: [dirname(worker.paths.events)],
    deadline,
    pollMs: Math.min(1000, timing.retryMs),
  });
  if (outcome === undefined) {
    const unrecorded = eventsUnrecordable(worker);
    if (unrecorded) {
      throw new CsdError(
        `The worker did not confirm the prompt within ${timing.timeoutMs / 1000}s: events not ` +
          `recorded: ${unrecorded}. The prompt may have run all the same; free space, then ` +
          "check the pane with handoff",
      );
    }
    throw new TimeoutError(
      `The worker did not confirm the prompt within ${timing.timeoutMs / 1000}s ` +
        `(no user_prompt_submit event); raise CSD_SUBMIT_TIMEOUT or check the pane with handoff`,
    );
  }
  return {
    confirmation: outcome === "queued" ? null : outcome,
    baseline,
    delivered,
    read: { events: read, cursor },
  };
}

/**
 * Fails clearly when the worker cannot take input (gone, exited, or showing a dialog); returns
 * the screen and the events it checked.
 */
async function assertReadyForInput(
  worker: Worker,
): Promise<{ screen: string; events: EventLine[] }> {
  const found = await workerPaneWithScreen(worker);
  if (!found) {
    throw new CsdError(
      `Worker "${worker.meta.name}" is gone (its tmux pane is closed, or its tmux server ` +
        "restarted and the pane id now belongs to another session)",
    );
  }
  const { pane, screen } = found;
  if (pane.dead || fileSize(worker.paths.exitStatus) > 0) {
    throw new CsdError(`Worker "${worker.meta.name}" has terminated (its harness exited)`);
  }
  const events = workerEvents(worker);
  if (sessionEnded(events)) {
    // The harness said it is ending: whatever still holds the pane is not taking prompts.
    throw new CsdError(`Worker "${worker.meta.name}" has terminated (its session ended)`);
  }
  const dialog = worker.harness.dialogOnScreen(screen);
  if (dialog) {
    throw new CsdError(
      `Worker "${worker.meta.name}" shows a ${dialog}; not typing into it ` +
        `(answer it through handoff first)`,
    );
  }
  return { screen, events };
}

/**
 * Empties an input box that still holds text (a prompt put back by an interrupted turn, a human's
 * half-typed line), which a paste would otherwise extend. One Ctrl-C clears a non-empty box in
 * all three harnesses — and only then is it pressed: on an empty box it quits Codex. Returns
 * true when it had to.
 */
export async function clearStaleInput(worker: Worker, screen?: string): Promise<boolean> {
  const paneId = worker.meta.tmux_pane_id;
  // The screen the readiness check just captured, when there is one: each capture-pane is a
  // tmux process, and converse's own cost is mostly such calls.
  const stale = worker.harness.inputText(screen ?? await worker.tmux.capture(paneId));
  if (!stale) return false;
  await worker.tmux.sendKeys(paneId, "C-c");
  const cleared = await waitUntil<true>(
    async () => worker.harness.inputText(await worker.tmux.capture(paneId)) ? undefined : true,
    { watch: [], deadline: Date.now() + 3000, pollMs: 50 },
  );
  if (!cleared) {
    throw new CsdError(
      `The worker's input box holds text csd could not clear ("${stale.slice(0, 60)}"); ` +
        "clear it through handoff",
    );
  }
  return true;
}

/**
 * Types a harness command (e.g. `/compact`) as-is and presses Enter. Commands fire no
 * user_prompt_submit, so this confirms by the input box emptying instead.
 */
export async function submitCommand(
  worker: Worker,
  command: string,
  timing: SubmitTiming,
): Promise<void> {
  const cleaned = command.trim();
  if (cleaned === "") throw new UsageError("The command is empty");
  const control = firstControlCharacter(cleaned);
  if (control !== undefined) {
    const code = `U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    throw new UsageError(
      `The command contains a control character (${code}): commands are typed as keys, ` +
        "so it would act as one; send it as a prompt instead",
    );
  }
  const paneId = worker.meta.tmux_pane_id;
  await clearStaleInput(worker, (await assertReadyForInput(worker)).screen);
  await worker.tmux.sendLiteral(paneId, cleaned);
  await worker.tmux.sendKeys(paneId, "Enter");
  let nextRetry = Date.now() + timing.retryMs;
  const done = await waitUntil<true>(async () => {
    const pane = await workerPane(worker);
    if (!pane || pane.dead) return true;
    const screen = await worker.tmux.capture(paneId);
    if (!worker.harness.promptPending(screen, cleaned)) return true;
    if (Date.now() >= nextRetry && !worker.harness.dialogOnScreen(screen)) {
      nextRetry = Date.now() + timing.retryMs;
      await worker.tmux.sendKeys(paneId, "Enter");
    }
    return undefined;
  }, { watch: [], deadline: Date.now() + timing.timeoutMs, pollMs: 200 });
  if (!done) {
    throw new TimeoutError(`The command "${cleaned}" still sits in the input box`);
  }
}
