/**
 * Claude Code's transcript reader (lib/harness/claude/transcript.ts) against real 2.1.197 transcripts:
 * `claude_transcript_{tool,failed}_turn.jsonl` from the capture session described in
 * fixtures/claude_screens/README.md, and `claude_transcript_thinking_turn.jsonl` from a worker
 * run with kit/real_claude.ts (rule "think about it" → thinking "weighing the options",
 * text "thought through").
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import {
  type ClaudeEntry,
  conversationChain,
  lastTurn,
  parseTranscript,
  promptText,
} from "../lib/harness/claude/transcript.ts";
import { finalText, renderTurn, type Turn } from "../lib/transcript/markdown.ts";

function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(`./fixtures/${name}`, import.meta.url));
}

const TOOL_TURN: Turn = {
  prompt: "make file now",
  parts: [
    {
      kind: "tool_call",
      name: "Bash",
      input: { command: "echo hi > created.txt", description: "Create a file" },
      id: "toolu_mock_0003",
    },
    { kind: "tool_result", output: "(Bash completed with no output)", isError: false },
    { kind: "text", text: "file created" },
  ],
};

Deno.test("parseTranscript() keeps every object line and skips a torn or foreign one", () => {
  const text = fixture("claude_transcript_tool_turn.jsonl");
  const entries = parseTranscript(text);
  assertEquals(entries.length, 14);
  assertEquals(entries[5]?.type, "user");
  assertEquals(entries.at(-1)?.type, "last-prompt");
  const torn = parseTranscript(`${text}42\n["array"]\n{"type":"assistant","message":{"rol`);
  assertEquals(torn, entries);
});

Deno.test("lastTurn() reads a tool turn: prompt, tool call, result, text", () => {
  const turn = lastTurn(parseTranscript(fixture("claude_transcript_tool_turn.jsonl")));
  assertEquals(turn, TOOL_TURN);
  assertEquals(finalText(turn!), "file created");
  const markdown = renderTurn(turn!, { full: false });
  assertStringIncludes(markdown, "**Tool: Bash**");
  assertStringIncludes(markdown, "echo hi > created.txt");
  assertStringIncludes(markdown, "(Bash completed with no output)");
});

Deno.test("lastTurn() reads a thinking block before the text", () => {
  const turn = lastTurn(parseTranscript(fixture("claude_transcript_thinking_turn.jsonl")));
  assertEquals(turn, {
    prompt: "think about it",
    parts: [
      { kind: "thinking", text: "weighing the options" },
      { kind: "text", text: "thought through" },
    ],
  });
  assertStringIncludes(renderTurn(turn!, { full: false }), "> weighing the options");
  assertEquals(finalText(turn!), "thought through");
});

Deno.test("lastTurn() reads the failed turn's API error, and no final text", () => {
  const turn = lastTurn(parseTranscript(fixture("claude_transcript_failed_turn.jsonl")));
  assertEquals(turn, {
    prompt: "fail please",
    parts: [{ kind: "error", text: "API Error: 400 mock bad request" }],
  });
  assertEquals(finalText(turn!), "");
  assertStringIncludes(
    renderTurn(turn!, { full: false }),
    "**Error:** API Error: 400 mock bad request",
  );
});

Deno.test("conversationChain() follows parentUuid through attachments, not file order", () => {
  const entries = parseTranscript(fixture("claude_transcript_tool_turn.jsonl"));
  const chain = conversationChain(entries);
  assertEquals(chain.map((e) => [e.type, e.uuid?.slice(0, 8)]), [
    ["user", "0192e3c9"],
    ["assistant", "52c7dccf"],
    ["user", "a7853901"],
    ["assistant", "b51a3e51"],
  ]);
  // Claude writes lines out of order (the attachments here carry an earlier timestamp than the
  // prompt they follow); reversing the whole file must not change the conversation.
  assertEquals(conversationChain([...entries].reverse()), chain);
  assertEquals(lastTurn([...entries].reverse()), TOOL_TURN);
});

Deno.test("conversationChain() ignores a newer sidechain and follows the newest leaf", () => {
  const entries = parseTranscript(fixture("claude_transcript_tool_turn.jsonl"));
  const last = entries.filter((e) => e.uuid).at(-1)!;
  const later = (seconds: number) => new Date(Date.parse(last.timestamp!) + seconds * 1000);
  const sidechain: ClaudeEntry = {
    type: "user",
    uuid: "side-0001",
    parentUuid: last.uuid!,
    timestamp: later(1).toISOString(),
    isSidechain: true,
    message: { role: "user", content: "a subagent's prompt" },
  };
  assertEquals(lastTurn([...entries, sidechain]), TOOL_TURN);

  const next: ClaudeEntry[] = [
    {
      type: "user",
      uuid: "next-0001",
      parentUuid: last.uuid!,
      timestamp: later(2).toISOString(),
      message: { role: "user", content: "second prompt" },
    },
    {
      type: "assistant",
      uuid: "next-0002",
      parentUuid: "next-0001",
      timestamp: later(3).toISOString(),
      message: { role: "assistant", content: [{ type: "text", text: "second answer" }] },
    },
  ];
  assertEquals(lastTurn([...entries, sidechain, ...next]), {
    prompt: "second prompt",
    parts: [{ kind: "text", text: "second answer" }],
  });
});

Deno.test("promptText() accepts prompts only: not tool results, meta or command lines", () => {
  const entries = parseTranscript(fixture("claude_transcript_tool_turn.jsonl"));
  const users = entries.filter((e) => e.type === "user");
  assertEquals(users.map(promptText), ["make file now", undefined]);
  const user = (content: unknown, extra: Partial<ClaudeEntry> = {}): ClaudeEntry => ({
    type: "user",
    message: { role: "user", content },
    ...extra,
  });
  assertEquals(
    promptText(user([{ type: "text", text: "a" }, { type: "text", text: "b" }])),
    "a\nb",
  );
  assertEquals(promptText(user("checked", { isMeta: true })), undefined);
  assertEquals(promptText(user("<command-name>/clear</command-name>")), undefined);
  assertEquals(promptText(user("<local-command-stdout></local-command-stdout>")), undefined);
  assertEquals(promptText(user([{ type: "image" }])), undefined);
  assert(promptText({ type: "assistant", message: { content: "hi" } }) === undefined);
});
