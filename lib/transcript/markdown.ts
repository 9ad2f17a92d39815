/**
 * A harness-neutral model of one turn and its markdown rendering, so read-turn looks the same
 * for Claude, Codex and Pi: the prompt, thinking as quotes, tool calls as code blocks, results
 * (5 lines unless --full), and the assistant's text.
 */

/** One piece of a turn, in order. */
export type TurnPart =
  | { kind: "thinking"; text: string }
  | { kind: "text"; text: string }
  | { kind: "tool_call"; name: string; input: unknown; id?: string }
  | { kind: "tool_result"; output: string; isError: boolean; exitCode?: number }
  | { kind: "error"; text: string };

/** A turn: the prompt that started it and what followed. */
export interface Turn {
  prompt: string;
  parts: TurnPart[];
}

/** Result lines shown when not --full. */
const RESULT_PREVIEW_LINES = 5;

/** The assistant text that ends the turn: the text parts after the last tool activity. */
export function finalText(turn: Turn): string {
  const texts: string[] = [];
  for (const part of turn.parts) {
    if (part.kind === "tool_call" || part.kind === "tool_result") texts.length = 0;
    else if (part.kind === "text") texts.push(part.text);
  }
  return texts.join("\n\n");
}

/** A tool call of a turn as data: its input, and its result once one followed. */
export interface TurnToolCall {
  tool: string;
  id: string | null;
  input: unknown;
  result: string | null;
  ok: boolean | null;
}

/** A turn as data (`read-turn --json`): prompt, thinking, tool calls, final text. */
export interface TurnData {
  prompt: string;
  thinking: string[];
  tool_calls: TurnToolCall[];
  text: string;
}

/**
 * The turn as data. A result carries no call id in the neutral model: each result belongs to the
 * oldest call still without one (harnesses report results in call order, parallel calls too).
 */
export function turnAsData(turn: Turn): TurnData {
  const calls: TurnToolCall[] = [];
  const thinking: string[] = [];
  let next = 0;
  for (const part of turn.parts) {
    if (part.kind === "thinking") thinking.push(part.text);
    else if (part.kind === "tool_call") {
      calls.push({
        tool: part.name,
        id: part.id ?? null,
        input: part.input,
        result: null,
        ok: null,
      });
    } else if (part.kind === "tool_result" && next < calls.length) {
      const call = calls[next++]!;
      call.result = part.output;
      call.ok = !part.isError;
    }
  }
  return { prompt: turn.prompt, thinking, tool_calls: calls, text: finalText(turn) };
}

/** Renders a turn as markdown. */
export function renderTurn(turn: Turn, options: { full: boolean }): string {
  const blocks: string[] = ["## Prompt", "", turn.prompt.trim() || "_(empty)_", "", "## Turn"];
  for (const part of turn.parts) {
    blocks.push("");
    switch (part.kind) {
      case "thinking":
        blocks.push(quote(part.text));
        break;
      case "text":
        blocks.push(part.text.trim());
        break;
      case "tool_call":
        blocks.push(`**Tool: ${part.name}**`, "", fence(formatInput(part.input), "json"));
        break;
      case "tool_result":
        blocks.push(resultHeading(part), "", fence(preview(part.output, options.full), ""));
        break;
      case "error":
        blocks.push(`**Error:** ${part.text.trim()}`);
        break;
    }
  }
  return blocks.join("\n").trimEnd() + "\n";
}

function resultHeading(part: Extract<TurnPart, { kind: "tool_result" }>): string {
  const status = part.isError ? " (error)" : "";
  const exit = part.exitCode === undefined ? "" : ` (exit ${part.exitCode})`;
  return `**Result${status}${exit}:**`;
}

function preview(output: string, full: boolean): string {
  const lines = output.replace(/\n+$/, "").split("\n");
  if (full || lines.length <= RESULT_PREVIEW_LINES) return lines.join("\n");
  const hidden = lines.length - RESULT_PREVIEW_LINES;
  return [...lines.slice(0, RESULT_PREVIEW_LINES), `… ${hidden} more lines (--full shows all)`]
    .join("\n");
}

function formatInput(input: unknown): string {
  if (typeof input === "string") return input;
  return JSON.stringify(input, null, 2) ?? "";
}

function quote(text: string): string {
  return text.trim().split("\n").map((line) => (line ? `> ${line}` : ">")).join("\n");
}

/** A code fence long enough that the content cannot close it. */
function fence(content: string, language: string): string {
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}${language}\n${content}\n${ticks}`;
}
