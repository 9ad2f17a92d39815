/**
 * Reads a Pi session file: a `session` header (pi sometimes writes it twice), then entries;
 * `message` entries carry user, assistant (text, thinking, toolCall) and toolResult messages,
 * with `stopReason` error/aborted and `errorMessage` on a failed assistant message.
 */
import { fromTail, linesForward, parseJsonObjects } from "../../events/jsonl.ts";
import type { Turn, TurnPart } from "../../transcript/markdown.ts";

/** One session-file entry, as far as csd reads it. */
export interface PiEntry {
  type?: string;
  id?: string;
  message?: {
    role?: string;
    content?: unknown;
    stopReason?: string;
    errorMessage?: string;
    isError?: boolean;
  };
}

/** Parses session-file text; torn lines and repeated headers are skipped. */
export function parsePiSession(text: string): PiEntry[] {
  return parseJsonObjects<PiEntry>(text).filter((entry) => entry.type !== "session");
}

/** The session id in the header of a session file's text, if any. */
export function piSessionId(text: string): string | undefined {
  for (const line of text.split("\n", 3)) {
    try {
      const value = JSON.parse(line);
      if (value?.type === "session" && typeof value.id === "string") return value.id;
    } catch {
      // Not a header.
    }
  }
  return undefined;
}

/** The session id in the header of the session file at `path`: its first lines only are read. */
export function readPiSessionId(path: string): string | undefined {
  const head: string[] = [];
  for (const line of linesForward(path)) {
    head.push(line.text);
    if (head.length === 3) break;
  }
  return piSessionId(head.join("\n"));
}

/** The last turn of the session file at `path`, read from its end back to its prompt. */
export function readLastPiTurn(path: string): Turn | undefined {
  return fromTail<PiEntry, Turn>(
    path,
    (entry) => entry.type === "message" && entry.message?.role === "user",
    (entries) => lastPiTurn(entries.filter((entry) => entry.type !== "session")),
  );
}

/** The last turn: from the last user message on. */
export function lastPiTurn(entries: PiEntry[]): Turn | undefined {
  const messages = entries.filter((e) => e.type === "message" && e.message);
  const start = messages.findLastIndex((e) => e.message!.role === "user");
  if (start < 0) return undefined;
  const parts: TurnPart[] = [];
  for (const entry of messages.slice(start + 1)) parts.push(...messageParts(entry.message!));
  return { prompt: texts(messages[start]!.message!.content), parts };
}

function messageParts(message: NonNullable<PiEntry["message"]>): TurnPart[] {
  if (message.role === "toolResult") {
    return [{
      kind: "tool_result",
      output: texts(message.content),
      isError: message.isError === true,
    }];
  }
  if (message.role !== "assistant") return [];
  const parts: TurnPart[] = [];
  for (const block of blocks(message.content)) {
    if (block.type === "thinking") {
      parts.push({ kind: "thinking", text: String(block.thinking ?? "") });
    }
    if (block.type === "text") parts.push({ kind: "text", text: String(block.text ?? "") });
    if (block.type === "toolCall") {
      parts.push({
        kind: "tool_call",
        name: String(block.name ?? "tool"),
        input: block.arguments,
        ...(typeof block.id === "string" ? { id: block.id } : {}),
      });
    }
  }
  if (message.stopReason === "error" || message.stopReason === "aborted") {
    parts.push({ kind: "error", text: message.errorMessage ?? message.stopReason });
  }
  return parts;
}

function blocks(content: unknown): Record<string, unknown>[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return Array.isArray(content) ? content.filter((b) => b && typeof b === "object") : [];
}

function texts(content: unknown): string {
  return blocks(content).filter((b) => b.type === "text").map((b) => String(b.text ?? "")).join(
    "\n",
  );
}
