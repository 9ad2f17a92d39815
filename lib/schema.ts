/**
 * The data shapes csd writes and reads, one zod schema each, shared by the hook program, the Pi
 * extension and every reader. The bash csd implied these formats through scattered field reads
 * that had to be "kept in sync by hand"; here a writer and a reader cannot disagree.
 */
import * as z from "zod/mini";
import {
  APPROVAL_DECISIONS,
  DEFAULT_APPROVAL_TIMEOUT_S,
  DEFAULT_ON_TIMEOUT,
  DEFAULT_POLICY_DECISION,
  EVENT_TYPES,
  HARNESSES,
  HOOK_TIMEOUT_MARGIN_S,
  MAX_APPROVAL_TIMEOUT_S,
} from "./vocabulary.ts";

// The vocabularies live apart, zod-free (see lib/vocabulary.ts); named here too for the schemas'
// readers that load zod anyway.
export {
  APPROVAL_DECISIONS,
  DEFAULT_APPROVAL_TIMEOUT_S,
  EVENT_TYPES,
  HARNESSES,
  HOOK_TIMEOUT_MARGIN_S,
  MAX_APPROVAL_TIMEOUT_S,
};
export { parseEventLine } from "./events/line.ts";

export const HarnessName = z.enum(HARNESSES);
export type HarnessName = z.infer<typeof HarnessName>;

export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;

/**
 * One line of a worker's events file. Only `ts` and `event` are always present; the rest
 * depends on the event type (see README "Events").
 */
export const EventLine = z.object({
  ts: z.string(),
  event: EventType,
  harness: z.optional(HarnessName),
  session_id: z.optional(z.string()),
  transcript_path: z.optional(z.string()),
  cwd: z.optional(z.string()),
  /** session_start: startup | resume | clear | compact. */
  source: z.optional(z.string()),
  /** user_prompt_submit: the prompt as the harness received it. */
  prompt: z.optional(z.string()),
  /** pre_tool_use / post_tool_use: tool name and input. */
  tool: z.optional(z.string()),
  tool_input: z.optional(z.unknown()),
  tool_use_id: z.optional(z.string()),
  /** post_tool_use: whether the tool succeeded, and its error text when it did not. */
  success: z.optional(z.boolean()),
  /** stop_failure / post_tool_use failure: the error text. */
  error: z.optional(z.string()),
  /** stop / stop_failure: the final assistant text of the turn, as the harness reported it. */
  last_assistant_message: z.optional(z.string()),
  /** session_end: why the session ended. */
  reason: z.optional(z.string()),
  /** notification: idle_prompt, permission_prompt, … */
  notification_type: z.optional(z.string()),
  message: z.optional(z.string()),
  /** The harness's id of the turn (Codex `turn_id`, Claude `prompt_id`), to pair a turn's events. */
  turn_id: z.optional(z.string()),
  /** Set on lines csd derived from the harness's own files rather than a hook. */
  derived_from: z.optional(z.string()),
  /** subagent_start / subagent_stop. */
  agent_id: z.optional(z.string()),
  agent_type: z.optional(z.string()),
  /**
   * The worker incarnation that wrote the line (CSD_LAUNCH_ID, see WorkerMeta.launch_id): a dying
   * harness of an earlier worker of the same name may still append to the file.
   */
  launch: z.optional(z.string()),
  /** approval_request / approval_decision: the waiting item's id (see `<shim> pending`). */
  id: z.optional(z.string()),
  /** approval_request: "tool" (a call to allow or deny) or "question" (to answer). */
  kind: z.optional(z.enum(["tool", "question"])),
  /** approval_request of kind question: the questions with their options. */
  questions: z.optional(z.array(z.unknown())),
  /** approval_request: when the timeout decides (ISO 8601). */
  deadline: z.optional(z.string()),
  /** approval_decision: the decision, who made it, the policy rule's index, the answers. */
  decision: z.optional(z.enum(["allow", "deny"])),
  by: z.optional(z.enum(["controller", "policy", "timeout"])),
  rule: z.optional(z.number()),
  answers: z.optional(z.record(z.string(), z.string())),
});
export type EventLine = z.infer<typeof EventLine>;

/** What csd records about a worker. Written atomically (temp file + rename) by launch/adopt. */
export const WorkerMeta = z.object({
  version: z.literal(1),
  name: z.string(),
  harness: HarnessName,
  /** Known at launch for Claude; filled in when Codex/Pi register. */
  session_id: z.nullable(z.string()),
  cwd: z.string(),
  /** The `-L` socket name of the tmux server, or null for the default server. */
  tmux_socket: z.nullable(z.string()),
  /** Stable tmux ids ($N, %N): targeting by name would prefix-match other sessions. */
  tmux_session_id: z.string(),
  tmux_pane_id: z.string(),
  /**
   * The tmux server's pid and start time at launch/adopt: ids are reused by a restarted server.
   * Absent in metas written before csd recorded it (then the server must predate created_at).
   */
  tmux_server: z.optional(z.object({ pid: z.number(), start_time: z.number() })),
  events_file: z.string(),
  transcript_path: z.nullable(z.string()),
  /** HOME the harness runs with (where Claude keeps transcripts). */
  home: z.string(),
  /** Extra harness arguments given after `--`. */
  harness_args: z.array(z.string()),
  /** The command line that reproduces this launch, shell-quoted. */
  reproduce: z.string(),
  created_at: z.string(),
  adopted: z.boolean(),
  /** Set once the harness showed it is ready for input (launch/adopt return only then). */
  ready: z.boolean(),
  /** The staged per-worker harness home (CODEX_HOME, PI_CODING_AGENT_DIR), removed at stop. */
  harness_home: z.nullable(z.string()),
  /** The harness's version at launch (null: it did not say); absent in metas before it. */
  harness_version: z.optional(z.nullable(z.string())),
  /** Minted per launch/adopt and stamped on every event line; lines of other launches never count. */
  launch_id: z.optional(z.string()),
  /** `launch --worktree`: the git worktree the worker runs in (its cwd), kept by stop if dirty. */
  worktree: z.optional(z.object({
    /** The repository's main worktree. */
    repo: z.string(),
    path: z.string(),
    branch: z.string(),
    /** True when launch created the branch: only then does stop delete it with the worktree. */
    created_branch: z.boolean(),
  })),
});
export type WorkerMeta = z.infer<typeof WorkerMeta>;

/**
 * The local record of a worker that runs on a target (ssh host, container): the worker's own
 * meta, hook and events live there; this says where, so the local shim can hand it commands.
 */
export const RemoteWorker = z.strictObject({
  version: z.literal(1),
  name: z.string(),
  /** The `--target` URI as parsed and re-formatted (lib/remote/transport.ts formatTarget). */
  target: z.string(),
  /** docker-run: the container csd created at launch (removed at stop). */
  container: z.optional(z.string()),
  /** The worker's name on the target. */
  remote_name: z.string(),
  /** The csd tree installed on the target (`<home>/.csd/<version>`), absolute. */
  remote_csd: z.string(),
  /** The worker dir on the target, absolute. */
  remote_worker_dir: z.string(),
  harness: HarnessName,
  cwd: z.string(),
  created_at: z.string(),
});
export type RemoteWorker = z.infer<typeof RemoteWorker>;

/**
 * A worker's `.sent` marker: the prompt whose turn no caller has collected yet, left by send and
 * by converse (kept when converse times out) and consumed by the next wait-for-turn.
 */
export const SentMarker = z.object({
  /** Byte offset of the events file before the paste: the pairing starts from what ran then. */
  offset: z.int().check(z.nonnegative()),
  /** The text as delivered, to recognise its user_prompt_submit (see PromptTurn). */
  prompt: z.optional(z.string()),
});
export type SentMarker = z.infer<typeof SentMarker>;

/** Who holds a worker's submission lock (written into the lock file by the holder). */
export const LockHolder = z.object({
  pid: z.int(),
  command: z.string(),
  /** When the holder took the lock (ISO 8601). */
  since: z.string(),
});
export type LockHolder = z.infer<typeof LockHolder>;

// ---- Tool approval (issue 12) ----

export const ApprovalRuleDecision = z.enum(APPROVAL_DECISIONS);
/** What applies when nobody decided in time. */
export const ApprovalTimeoutDecision = z.enum(["allow", "deny"]);

/** One policy rule: the first rule whose `tool` and `match` fit a call decides it. */
export const ApprovalRule = z.strictObject({
  /** A name or glob over the shared vocabulary (`shell`, `edit`, …) or a harness's own name. */
  tool: z.string().check(z.minLength(1)),
  /** A glob or `/regex/flags` over the command line or the file path(s) the call touches. */
  match: z.optional(z.string().check(z.minLength(1))),
  decision: ApprovalRuleDecision,
  /** Told to the model on a denial; recorded in the approval_decision event. */
  reason: z.optional(z.string()),
});
export type ApprovalRule = z.infer<typeof ApprovalRule>;

const PolicyTimeout = z.number().check(z.positive(), z.lte(MAX_APPROVAL_TIMEOUT_S));

/** A policy file (`launch --policy FILE`). Unknown keys are refused: a typo must not pass. */
export const ApprovalPolicy = z.strictObject({
  $schema: z.optional(z.string()),
  rules: z._default(z.array(ApprovalRule), []),
  default: z._default(ApprovalRuleDecision, DEFAULT_POLICY_DECISION),
  timeout_s: z._default(PolicyTimeout, DEFAULT_APPROVAL_TIMEOUT_S),
  on_timeout: z._default(ApprovalTimeoutDecision, DEFAULT_ON_TIMEOUT),
});
export type ApprovalPolicy = z.infer<typeof ApprovalPolicy>;

/**
 * A worker's policy copy as launch/adopt write it: ApprovalPolicy with every default filled in
 * and the timeout resolved. The hook reads it on every gated call.
 */
export const InstalledPolicy = z.strictObject({
  $schema: z.optional(z.string()),
  rules: z.array(ApprovalRule),
  default: ApprovalRuleDecision,
  timeout_s: PolicyTimeout,
  on_timeout: ApprovalTimeoutDecision,
});
export type InstalledPolicy = z.infer<typeof InstalledPolicy>;

/** A waiting item's kind: a tool call to allow or deny, or a question for the user. */
export const ApprovalKind = z.enum(["tool", "question"]);

/** One waiting call, `<worker dir>/approvals/<name>/<id>.request.json`. */
export const ApprovalRequest = z.object({
  version: z.literal(1),
  id: z.string(),
  kind: ApprovalKind,
  harness: HarnessName,
  /** The harness's own tool name, and its name in the shared vocabulary when it has one. */
  tool: z.string(),
  tool_kind: z.optional(z.string()),
  tool_input: z.unknown(),
  tool_use_id: z.optional(z.string()),
  /** question: the questions with their options, as the harness asked them. */
  questions: z.optional(z.array(z.unknown())),
  created_at: z.string(),
  deadline: z.string(),
  /** The process waiting for the decision (the hook, or Pi itself): a dead one waits no more. */
  pid: z.number(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequest>;

/** Who decided a call. */
export const ApprovalDecider = z.enum(["controller", "policy", "timeout"]);

/** The decision on one call, `<id>.decision.json`: created once, never overwritten. */
export const ApprovalDecision = z.object({
  id: z.string(),
  decision: z.enum(["allow", "deny"]),
  by: ApprovalDecider,
  /** by policy: the index of the rule that decided (absent: the policy's default). */
  rule: z.optional(z.number()),
  reason: z.optional(z.string()),
  /** question: the answers, keyed by question text. */
  answers: z.optional(z.record(z.string(), z.string())),
  decided_at: z.string(),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;
