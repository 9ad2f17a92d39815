/**
 * Reads a Codex rollout (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-…-<id>.jsonl`): `response_item`
 * lines carry the conversation (messages, reasoning, function calls and their output) and
 * `event_msg` lines the turn lifecycle (`task_complete` with an `error` for a failed turn, and
 * `item_completed` CommandExecution items with the command's exit code).
 */
import { fromTail, parseJsonObjects } from "../../events/jsonl.ts";
import type { Turn, TurnPart } from "../../transcript/markdown.ts";

/** One rollout line, as far as csd reads it. */
export interface RolloutLine {
  timestamp?: string;
  type?: string;
  payload?: Record<string, unknown>;
}

/**
 * Text Codex itself puts into user messages (environment, instructions, notices): never a
 * prompt the controller sent.
 */
const INJECTED =
  /^\s*(<(environment_context|user_instructions|permissions instructions|skills_instructions|turn_aborted|user_shell_command|subagent_notification)\b|# AGENTS\.md instructions)/;

/** Parses rollout text; torn lines are skipped. */
export function parseRollout(text: string): RolloutLine[] {
  return parseJsonObjects<RolloutLine>(text);
}

/** The prompt text of a user message item, or undefined for injected or non-user items. */
function rolloutPrompt(line: RolloutLine): string | undefined {
  const p = line.payload;
  if (line.type !== "response_item" || p?.type !== "message" || p.role !== "user") return undefined;
  const texts = blocks(p.content).filter((b) => b.type === "input_text").map((b) => String(b.text));
  const text = texts.join("\n");
  return texts.length === 0 || INJECTED.test(text) ? undefined : text;
}

/** The last turn of the rollout at `path`, read from its end back to its prompt. */
export function readLastRolloutTurn(path: string): Turn | undefined {
  return fromTail<RolloutLine, Turn>(
    path,
    (line) => rolloutPrompt(line) !== undefined,
    lastRolloutTurn,
  );
}

/** The last turn of the rollout, or undefined before the first prompt. */
export function lastRolloutTurn(lines: RolloutLine[]): Turn | undefined {
  const start = lines.findLastIndex((line) => rolloutPrompt(line) !== undefined);
  if (start < 0) return undefined;
  const commands = commandResults(lines.slice(start));
  const parts: TurnPart[] = [];
  for (const line of lines.slice(start + 1)) parts.push(...lineParts(line, commands));
  return { prompt: rolloutPrompt(lines[start]!)!, parts };
}

/** Failed turns in the rollout: turn id → error message (from `task_complete.error`). */
export function failedTurns(lines: RolloutLine[]): Map<string, string> {
  const failed = new Map<string, string>();
  for (const line of lines) {
    const p = line.payload;
    if (line.type !== "event_msg" || p?.type !== "task_complete" || !p.error) continue;
    const error = p.error as Record<string, unknown>;
    failed.set(String(p.turn_id ?? ""), String(error.message ?? JSON.stringify(error)));
  }
  return failed;
}

interface CommandResult {
  output: string;
  exitCode?: number;
}

function commandResults(lines: RolloutLine[]): Map<string, CommandResult> {
  const results = new Map<string, CommandResult>();
  for (const line of lines) {
    const item = line.payload?.item as Record<string, unknown> | undefined;
    if (line.payload?.type !== "item_completed" || item?.type !== "CommandExecution") continue;
    results.set(String(item.id), {
      output: String(item.aggregated_output ?? ""),
      ...(typeof item.exit_code === "number" ? { exitCode: item.exit_code } : {}),
    });
  }
  return results;
}

function lineParts(line: RolloutLine, commands: Map<string, CommandResult>): TurnPart[] {
  const p = line.payload ?? {};
  if (line.type === "event_msg") {
    if (p.type === "task_complete" && p.error) {
      return [{ kind: "error", text: String((p.error as Record<string, unknown>).message ?? "") }];
    }
    if (p.type === "turn_aborted") return [{ kind: "error", text: "turn aborted" }];
    return [];
  }
  if (line.type !== "response_item") return [];
  switch (p.type) {
    case "reasoning": {
      const text = blocks(p.summary).map((b) => String(b.text ?? "")).join("\n");
      return text ? [{ kind: "thinking", text }] : [];
    }
    case "message":
      if (p.role !== "assistant") return [];
      return blocks(p.content).filter((b) => b.type === "output_text").map((b) => ({
        kind: "text" as const,
        text: String(b.text ?? ""),
      }));
    case "function_call":
    case "custom_tool_call":
      return [{
        kind: "tool_call",
        name: String(p.name ?? "tool"),
        input: parseArguments(p.arguments ?? p.input),
        ...(typeof p.call_id === "string" ? { id: p.call_id } : {}),
      }];
    case "function_call_output":
    case "custom_tool_call_output": {
      const command = commands.get(String(p.call_id));
      const output = command?.output ?? outputText(p.output);
      const exitCode = command?.exitCode ?? exitCodeOf(outputText(p.output));
      return [{
        kind: "tool_result",
        output,
        isError: exitCode !== undefined && exitCode !== 0,
        ...(exitCode !== undefined ? { exitCode } : {}),
      }];
    }
    default:
      return [];
  }
}

function blocks(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((b) => b && typeof b === "object") : [];
}

function parseArguments(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function outputText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && "output" in value) {
    return String((value as { output: unknown }).output);
  }
  return value === undefined ? "" : JSON.stringify(value);
}

function exitCodeOf(output: string): number | undefined {
  const match = output.match(/Process exited with code (\d+)/);
  return match ? Number(match[1]) : undefined;
}
