/** Pi pieces against real 0.73.1 captures: the editor, session files, the agent-dir staging. */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { editorText, findPiSession, pi } from "../lib/harness/pi/harness.ts";
import { lastPiTurn, parsePiSession, piSessionId } from "../lib/harness/pi/transcript.ts";
import { finalText, renderTurn } from "../lib/transcript/markdown.ts";
import { piSessionFolder, piWouldAskTrust, stagePiAgentDir } from "../lib/harness/pi/home.ts";
import { minimumVersion } from "../lib/harness/pi/node.ts";

function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(`./fixtures/pi/${name}`, import.meta.url));
}

Deno.test("editorText() reads Pi's editor between the last two rules", () => {
  assertEquals(editorText(fixture("idle.txt")), "");
  assertEquals(editorText(fixture("pending_short.txt")), "plain turn please");
  assertStringIncludes(editorText(fixture("pending_multiline.txt"))!, "line five");
  assert(pi.promptPending(fixture("pending_large.txt"), "x".repeat(3720)));
  assert(pi.promptPending(fixture("pending_short.txt"), "plain turn please"));
  assert(!pi.promptPending(fixture("idle_after_turns.txt"), "make file please"));
  assertEquals(pi.dialogOnScreen(fixture("busy.txt")), null);
});

Deno.test("lastPiTurn() renders tool calls, results and errors; a repeated header is tolerated", () => {
  const text = fixture("session_tool_turn.jsonl");
  const header = text.split("\n")[0]!;
  const entries = parsePiSession(`${header}\n${text}`);
  const turn = lastPiTurn(entries)!;
  assertEquals(turn.prompt, "make file please");
  assertEquals(finalText(turn), "file made");
  const markdown = renderTurn(turn, { full: false });
  assertStringIncludes(markdown, "**Tool: bash**");
  assertStringIncludes(markdown, "(no output)");
  assertEquals(piSessionId(text), "01a1fea1-cc2e-7691-9e9a-582b44902dce");

  const failed = parsePiSession(fixture("session_failed_turn.jsonl"));
  const upToError = failed.slice(0, failed.findIndex((e) => e.message?.stopReason === "error") + 1);
  assertStringIncludes(renderTurn(lastPiTurn(upToError)!, { full: false }), "**Error:** 500");
});

Deno.test("stagePiAgentDir() copies files, links folders; findPiSession() finds by id", () => {
  const root = Deno.makeTempDirSync();
  try {
    const source = `${root}/agent`;
    Deno.mkdirSync(`${source}/extensions`, { recursive: true });
    Deno.writeTextFileSync(`${source}/models.json`, "{}");
    Deno.writeTextFileSync(`${source}/settings.json`, '{"a":1}');
    stagePiAgentDir(source, `${root}/staged`);
    assertEquals(Deno.readTextFileSync(`${root}/staged/settings.json`), '{"a":1}');
    assert(Deno.lstatSync(`${root}/staged/extensions`).isSymlink);
    assert(Deno.lstatSync(`${root}/staged/sessions`).isSymlink, "sessions outlive the worker");
    Deno.writeTextFileSync(`${root}/staged/settings.json`, "{}");
    assertEquals(Deno.readTextFileSync(`${source}/settings.json`), '{"a":1}', "a copy, not a link");

    assertEquals(piSessionFolder("/tmp/a b/c"), "--tmp-a b-c--");
    Deno.mkdirSync(`${source}/sessions/--w--`, { recursive: true });
    const file = `${source}/sessions/--w--/2026_x.jsonl`;
    Deno.writeTextFileSync(file, fixture("session_tool_turn.jsonl"));
    assertEquals(findPiSession(`${source}/sessions`, "01a1fea1-cc2e-7691-9e9a-582b44902dce"), file);
    assertEquals(findPiSession(`${source}/sessions`, "missing"), null);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("pi: its project-trust dialog is never answered by keys; the launch fails at once", () => {
  // Pi 1.6.0's dialog as drawn in a tmux pane; "→ Trust" (saved for good) is highlighted.
  const screen = [
    "─".repeat(60),
    " Trust project folder?",
    " /tmp/project",
    " This allows pi to load .pi settings and resources, install missing project packages, and",
    " → Trust",
    "   Trust parent folder (/tmp)",
    "   Trust (this session only)",
    "   Do not trust",
    "   Do not trust (this session only)",
    " ↑↓ navigate  enter select  escape/ctrl+c cancel",
    "─".repeat(60),
  ].join("\n");
  const action = pi.startupScreenAction(screen);
  assertEquals(action?.kind, "fail");
  assertEquals(pi.dialogOnScreen(screen), "project-trust dialog");
  assertEquals(pi.startupScreenAction(`${"─".repeat(60)}\n hello\n${"─".repeat(60)}`), null);
});

Deno.test("pi node: the lowest version an engines.node range accepts", () => {
  assertEquals(minimumVersion(">=22.19.0"), "22.19.0");
  assertEquals(minimumVersion(">= 20.6"), "20.6");
  assertEquals(minimumVersion("^18"), "18");
  assertEquals(minimumVersion("22.x"), "22");
  assertEquals(minimumVersion(">=18 <23"), null);
});

Deno.test("pi trust: csd answers only when Pi would ask; the user's saved decision or policy stands", () => {
  const agent = Deno.makeTempDirSync();
  try {
    assertEquals(piWouldAskTrust(agent, "/work/repo"), true);
    Deno.writeTextFileSync(`${agent}/trust.json`, JSON.stringify({ "/work": false }));
    assertEquals(piWouldAskTrust(agent, "/work/repo"), false, "a parent's saved no");
    Deno.writeTextFileSync(`${agent}/trust.json`, JSON.stringify({ "/elsewhere": true }));
    assertEquals(piWouldAskTrust(agent, "/work/repo"), true);
    Deno.writeTextFileSync(
      `${agent}/settings.json`,
      JSON.stringify({ defaultProjectTrust: "never" }),
    );
    assertEquals(piWouldAskTrust(agent, "/work/repo"), false, "defaultProjectTrust never");
  } finally {
    Deno.removeSync(agent, { recursive: true });
  }
});
