/**
 * Reads Claude Code's transcript (JSONL). Claude writes one `assistant` line per content block,
 * tool results as `user` lines, and not always in chronological order, so the conversation is
 * rebuilt by following `parentUuid` links back from the newest leaf, not by file order.
 */
import { fromTail, parseJsonObjects } from "../../events/jsonl.ts";
import type { Turn, TurnPart } from "../../transcript/markdown.ts";

/** One transcript entry, as far as csd reads it. */
export interface ClaudeEntry {
  type?: string;
  uuid?: string;
  parentUuid?: string | null;
  timestamp?: string;
  isSidechain?: boolean;
  isMeta?: boolean;
  isApiErrorMessage?: boolean;
  message?: { role?: string; content?: unknown; model?: string };
  toolUseResult?: unknown;
}

/** Parses the transcript text; torn or foreign lines are skipped. */
export function parseTranscript(text: string): ClaudeEntry[] {
  return parseJsonObjects<ClaudeEntry>(text);
}

/**
 * The main conversation's messages in order: from the newest non-sidechain leaf back along
 * parentUuid. The chain runs through `attachment` and `system` entries too (a reply's parent is
 * often an attachment), so every entry with a uuid is a link; only messages are returned.
 */
export function conversationChain(entries: ClaudeEntry[]): ClaudeEntry[] {
  const byUuid = new Map<string, ClaudeEntry>();
  const order = new Map<ClaudeEntry, number>();
  entries.forEach((entry, index) => order.set(entry, index));
  const messages = entries.filter((e) => e.uuid && !e.isSidechain);
  for (const entry of messages) byUuid.set(entry.uuid!, entry);
  const parents = new Set(messages.map((e) => e.parentUuid).filter((p): p is string => !!p));
  const leaves = messages.filter((e) => !parents.has(e.uuid!));
  if (leaves.length === 0) return [];
  const newest = leaves.reduce((a, b) => (later(b, a, order) ? b : a));
  const chain: ClaudeEntry[] = [];
  const seen = new Set<string>();
  for (let at: ClaudeEntry | undefined = newest; at && !seen.has(at.uuid!);) {
    seen.add(at.uuid!);
    chain.push(at);
    at = at.parentUuid ? byUuid.get(at.parentUuid) : undefined;
  }
  return chain.reverse().filter(isMessage);
}

function isMessage(entry: ClaudeEntry): boolean {
  return entry.type === "user" || entry.type === "assistant";
}

function later(a: ClaudeEntry, b: ClaudeEntry, order: Map<ClaudeEntry, number>): boolean {
  const ta = Date.parse(a.timestamp ?? "");
  const tb = Date.parse(b.timestamp ?? "");
  if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return ta > tb;
  return (order.get(a) ?? 0) > (order.get(b) ?? 0);
}

/** The text of a real user prompt, or undefined for tool results, meta and command lines. */
export function promptText(entry: ClaudeEntry): string | undefined {
  if (entry.type !== "user" || entry.isMeta) return undefined;
  const content = entry.message?.content;
  let text: string | undefined;
  if (typeof content === "string") text = content;
  else if (Array.isArray(content)) {
    if (content.some((block) => block?.type === "tool_result")) return undefined;
    const texts = content.filter((b) => b?.type === "text").map((b) => String(b.text ?? ""));
    if (texts.length > 0) text = texts.join("\n");
  }
  if (text === undefined) return undefined;
  // Slash-command bookkeeping lines are not prompts the controller sent.
  if (/^\s*<(command-name|local-command-stdout|command-message)>/.test(text)) return undefined;
  return text;
}

/**
 * The last turn of the transcript at `path`, read from its end back to the prompt that starts it
 * (a 50 MB transcript was parsed whole, 158 MiB, to show one turn). The tail from a main-chain
 * prompt on holds the newest leaf and the chain back to that prompt, so it gives the turn the
 * whole file gives. Undefined when unreadable or before the first prompt.
 */
export function readLastTurn(path: string): Turn | undefined {
  return fromTail<ClaudeEntry, Turn>(
    path,
    (entry) => !entry.isSidechain && promptText(entry) !== undefined,
    lastTurn,
  );
}

/** The last turn of the conversation (from the last real prompt on), or undefined. */
export function lastTurn(entries: ClaudeEntry[]): Turn | undefined {
  const chain = conversationChain(entries);
  let start = -1;
  for (let i = chain.length - 1; i >= 0; i--) {
    if (promptText(chain[i]!) !== undefined) {
      start = i;
      break;
    }
  }
  if (start < 0) return undefined;
  const prompt = promptText(chain[start]!) ?? "";
  const parts: TurnPart[] = [];
  for (const entry of chain.slice(start + 1)) parts.push(...entryParts(entry));
  return { prompt, parts };
}

function entryParts(entry: ClaudeEntry): TurnPart[] {
  const content = entry.message?.content;
  const blocks: Record<string, unknown>[] = typeof content === "string"
    ? [{ type: "text", text: content }]
    : Array.isArray(content)
    ? content.filter((b) => b && typeof b === "object")
    : [];
  const parts: TurnPart[] = [];
  for (const block of blocks) {
    if (entry.type === "assistant" && entry.isApiErrorMessage) {
      if (block.type === "text") parts.push({ kind: "error", text: String(block.text ?? "") });
      continue;
    }
    switch (block.type) {
      case "thinking":
        parts.push({ kind: "thinking", text: String(block.thinking ?? "") });
        break;
      case "text":
        if (entry.type === "assistant") {
          parts.push({ kind: "text", text: String(block.text ?? "") });
        }
        break;
      case "tool_use":
        parts.push({
          kind: "tool_call",
          name: String(block.name ?? "tool"),
          input: block.input,
          ...(typeof block.id === "string" ? { id: block.id } : {}),
        });
        break;
      case "tool_result":
        parts.push({
          kind: "tool_result",
          output: resultText(block.content),
          isError: block.is_error === true,
        });
        break;
    }
  }
  return parts;
}

function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return content === undefined ? "" : JSON.stringify(content);
  return content.map((b) => (b?.type === "text" ? String(b.text ?? "") : `[${b?.type}]`)).join(
    "\n",
  );
}
