/** Reading real Claude Code 2.1.197 screens (fixtures captured with tmux capture-pane -p). */
import { assert, assertEquals } from "./support/assert.ts";
import { claude, inputBoxText } from "../lib/harness/claude/harness.ts";
import { dialogOptions, selectOptionStep } from "../lib/harness/screen.ts";
import type { EventLine } from "../lib/schema.ts";

function screen(name: string): string {
  return Deno.readTextFileSync(new URL(`./fixtures/claude_screens/${name}.txt`, import.meta.url));
}

Deno.test("inputBoxText() reads the live input line, not the history", () => {
  assertEquals(inputBoxText(screen("idle")), "");
  assertEquals(inputBoxText(screen("pending_short")), "a short pending prompt");
  assertEquals(inputBoxText(screen("pending_multiline")), "[Pasted text #1 +4 lines]");
  assertEquals(inputBoxText(screen("busy")), "");
  assertEquals(inputBoxText(screen("queued")), "", "the queued placeholder is not input");
  assertEquals(inputBoxText(screen("slash_pending")), " /hello");
});

Deno.test("claude.promptPending() sees pasted text in the box, and only there", () => {
  assert(claude.promptPending(screen("pending_short"), "a short pending prompt"));
  assert(claude.promptPending(screen("pending_multiline"), "line one\nline two\nthree\n4\n5"));
  assert(claude.promptPending(screen("pending_large"), "x".repeat(20_000)));
  assert(claude.promptPending(screen("slash_pending"), " /hello"));
  // The same text in the conversation history above the box does not count.
  assertEquals(claude.promptPending(screen("pending_short"), "plain turn please"), false);
  assertEquals(claude.promptPending(screen("idle"), "anything"), false);
  assertEquals(claude.promptPending(screen("queued"), "queued second prompt"), false);
  assertEquals(claude.promptPending(screen("busy"), "slow turn please"), false);
});

Deno.test("the trust dialog is recognised and answered by choosing the trust option", () => {
  const dialog = screen("trust_dialog");
  assertEquals(claude.dialogOnScreen(dialog), "folder-trust dialog");
  assertEquals(claude.promptPending(dialog, "x"), false);
  const action = claude.startupScreenAction(dialog);
  assertEquals(action?.kind, "keys");
  assertEquals(action?.kind === "keys" ? action.keys : [], ["Enter"]);
  // With "No, exit" highlighted, csd moves up first and confirms only once it is on "Yes".
  const down = screen("trust_dialog_down");
  const step = claude.startupScreenAction(down);
  assertEquals(step?.kind === "keys" ? step.keys : [], ["Up"]);
});

Deno.test("claude.isReady() waits for session_start AND a drawn screen", () => {
  const started = [{ event: "session_start", ts: "2026-12-01T00:00:00.000Z" }] as EventLine[];
  assert(claude.isReady(started, screen("idle")));
  // 2.1.332: the event comes before the first frame (a blank pane, bracketed paste still off).
  assertEquals(claude.isReady(started, "\n".repeat(40)), false);
  assertEquals(claude.isReady([], screen("idle")), false);
  // The trust dialog is answered by launch itself; another dialog is for converse to report.
  assertEquals(claude.isReady(started, screen("trust_dialog")), false);
  const other = screen("trust_dialog").replace(/trust|Do you trust|folder|project/gi, "keep");
  assert(claude.isReady(started, other));
});

Deno.test("ordinary screens are neither dialogs nor startup actions", () => {
  for (const name of ["idle", "busy", "pending_short", "queued", "after_exit"]) {
    assertEquals(claude.dialogOnScreen(screen(name)), null, name);
    assertEquals(claude.startupScreenAction(screen(name)), null, name);
  }
});

Deno.test("dialogOptions() and selectOptionStep() walk to the wanted option", () => {
  const options = dialogOptions(" ❯ 1. Alpha\n   2. Beta\n   3. Gamma\n");
  assertEquals(options.map((o) => o.highlighted), [true, false, false]);
  assertEquals(selectOptionStep(options, options[2]!), ["Down"]);
  assertEquals(selectOptionStep(options, options[0]!), ["Enter"]);
  assertEquals(dialogOptions("1. a list in a reply\n2. without a highlight\n"), []);
});

Deno.test("asPromptText() keeps / and ! prompts from running as commands", () => {
  assertEquals(claude.asPromptText("/compact now"), " /compact now");
  assertEquals(claude.asPromptText("!rm -rf"), " !rm -rf");
  assertEquals(claude.asPromptText("plain"), "plain");
});

Deno.test("the 2.1.332 trust dialog (options without numbers, No highlighted) is answered Yes", () => {
  const dialog = screen("trust_dialog_2.1.332");
  assertEquals(claude.dialogOnScreen(dialog), "folder-trust dialog");
  assertEquals(
    dialogOptions(dialog).map((o) => [o.label, o.highlighted]),
    [["No, exit", true], ["Yes, I trust this folder", false]],
  );
  // "No, exit" is highlighted: csd moves down first and confirms only once it is on "Yes".
  const first = claude.startupScreenAction(dialog);
  assertEquals(first?.kind === "keys" ? first.keys : first, ["Down"]);
  const second = claude.startupScreenAction(screen("trust_dialog_2.1.332_down"));
  assertEquals(second?.kind === "keys" ? second.keys : second, ["Enter"]);
});

Deno.test("dialogOptions() reads no unnumbered options from an idle input box", () => {
  assertEquals(dialogOptions(screen("idle")), []);
  assertEquals(dialogOptions(screen("pending_short")), []);
});
