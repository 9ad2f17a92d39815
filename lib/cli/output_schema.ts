/**
 * The shapes of csd's `--json` outputs, one zod schema each: what a controlling agent parses.
 * Field names are a contract; `schema/*.json` holds their JSON Schemas,
 * generated from these by `tools/gen_output_schemas.ts` and shipped with the install, and a test
 * keeps the two in step. Objects are strict: a field a command prints but no schema names is a
 * test failure, not a silent addition to the contract.
 *
 * Existing shapes keep their field names: `list --json` (commands/list.ts ListedWorker) and
 * `doctor --json` (commands/doctor.ts).
 */
import * as z from "zod/mini";
import { EventLine, HarnessName } from "../schema.ts";

/** A worker's status word (`status`), plus `orphaned` in `list --all`. */
export const StatusWord = z.enum(["idle", "working", "blocked", "terminated", "gone", "unknown"]);

/** Token figures; `cost_usd` is the harness's own figure, null when it records none. */
export const TokenUsage = z.strictObject({
  input: z.number(),
  output: z.number(),
  cache_read: z.number(),
  cache_write: z.number(),
  cost_usd: z.nullable(z.number()),
});

/** One turn's usage. */
export const TurnUsage = z.strictObject({
  ...TokenUsage.def.shape,
  turn: z.number(),
  started_at: z.nullable(z.string()),
});

/** The worktree a `--worktree` worker runs in. */
export const WorktreeRef = z.strictObject({
  path: z.string(),
  branch: z.string(),
});

/** `launch --json`: everything needed to address the new worker. */
export const LaunchOutput = z.strictObject({
  name: z.string(),
  shim: z.string(),
  harness: HarnessName,
  harness_version: z.nullable(z.string()),
  session_id: z.nullable(z.string()),
  tmux_socket: z.nullable(z.string()),
  tmux_session_id: z.string(),
  tmux_pane_id: z.string(),
  cwd: z.string(),
  events_file: z.string(),
  worktree: z.nullable(WorktreeRef),
});

/** One line of `list --json` (JSON lines, one worker each). */
export const ListEntry = z.strictObject({
  /** `unreachable`: a worker on a target that did not answer (launch --target). */
  status: z.union([StatusWord, z.literal("orphaned"), z.literal("unreachable")]),
  name: z.string(),
  /** `-` for an orphaned session. */
  harness: z.string(),
  session_id: z.nullable(z.string()),
  shim: z.string(),
  cwd: z.string(),
  tmux_session_id: z.string(),
  events_file: z.string(),
  harness_version: z.nullable(z.string()),
  /** Added with worktrees and usage; absent from outputs before them. */
  worktree: z.optional(z.nullable(WorktreeRef)),
  usage: z.optional(z.nullable(TokenUsage)),
  /** `local`, or the target a `launch --target` worker runs on; absent before targets. */
  target: z.optional(z.string()),
});

/** A tool call waiting for a decision (when gating exists). */
export const WaitingDecision = z.strictObject({
  /** The id `approve`/`deny`/`answer` take. */
  id: z.string(),
  kind: z.enum(["tool", "question"]),
  tool: z.string(),
  tool_input: z.unknown(),
  tool_use_id: z.nullable(z.string()),
  since: z.string(),
});

/** `status --json`. */
export const StatusOutput = z.strictObject({
  status: StatusWord,
  /** When the worker entered this status (the event that put it there), if known. */
  since: z.nullable(z.string()),
  last_event: z.nullable(EventLine),
  waiting_decisions: z.array(WaitingDecision),
});

/** A tool call of a turn, as data. */
export const ToolCall = z.strictObject({
  tool: z.string(),
  id: z.nullable(z.string()),
  input: z.unknown(),
  /** The tool's output, null while it has none. */
  result: z.nullable(z.string()),
  /** False for a failed call, null while it has no result. */
  ok: z.nullable(z.boolean()),
});

/** `read-turn --json`: the turn as data. */
export const ReadTurnOutput = z.strictObject({
  prompt: z.string(),
  thinking: z.array(z.string()),
  tool_calls: z.array(ToolCall),
  /** The assistant's final text (the text after the last tool activity). */
  text: z.string(),
});

/** How a waited-for turn ended; the exit code follows from it (0, 3, 4, 124). */
export const Outcome = z.enum(["ended", "failed", "blocked", "died", "timeout"]);

/** `converse --json`. */
export const ConverseOutput = z.strictObject({
  worker: z.string(),
  reply: z.string(),
  outcome: Outcome,
  exit_code: z.number(),
  duration_ms: z.number(),
  tool_calls: z.array(ToolCall),
  usage: z.nullable(TokenUsage),
});

/** `wait --json` / `wait-for-turn --json`: the ending event line with the worker's name. */
export const WaitOutput = z.union([
  z.extend(EventLine, { worker: z.string() }),
]);

/** One finding of `doctor --json`. */
export const DoctorCheck = z.strictObject({
  check: z.string(),
  status: z.enum(["ok", "warn", "error"]),
  detail: z.string(),
  path: z.optional(z.string()),
  version: z.optional(z.nullable(z.string())),
});

/** `doctor --json`. */
export const DoctorOutput = z.strictObject({
  ok: z.boolean(),
  checks: z.array(DoctorCheck),
});

/** `<shim> usage --json`. */
export const UsageOutput = z.strictObject({
  worker: z.string(),
  harness: HarnessName,
  transcript_path: z.string(),
  turns: z.array(TurnUsage),
  total: TokenUsage,
});

/** Every output schema by the file name its JSON Schema ships under (`schema/<name>.json`). */
export const OUTPUT_SCHEMAS = {
  launch: LaunchOutput,
  list: ListEntry,
  status: StatusOutput,
  converse: ConverseOutput,
  "read-turn": ReadTurnOutput,
  wait: WaitOutput,
  doctor: DoctorOutput,
  usage: UsageOutput,
} as const;

/**
 * The JSON Schema of one output, with a `$id` and `title` naming the command.
 *
 * @example
 * ```ts
 * const schema = outputJsonSchema("doctor");
 * ```
 */
export function outputJsonSchema(name: keyof typeof OUTPUT_SCHEMAS): Record<string, unknown> {
  const schema = z.toJSONSchema(OUTPUT_SCHEMAS[name]) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  return { $schema, $id: `csd/${name}.json`, title: `csd ${name} --json`, ...rest };
}

export type LaunchOutput = z.infer<typeof LaunchOutput>;
export type ListEntry = z.infer<typeof ListEntry>;
export type StatusOutput = z.infer<typeof StatusOutput>;
export type ReadTurnOutput = z.infer<typeof ReadTurnOutput>;
export type ConverseOutput = z.infer<typeof ConverseOutput>;
export type ToolCall = z.infer<typeof ToolCall>;
export type UsageOutput = z.infer<typeof UsageOutput>;
