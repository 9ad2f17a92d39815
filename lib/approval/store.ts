/**
 * Waiting calls and their decisions, as files under the worker dir
 * (`<worker dir>/approvals/<name>/`, 0700; files 0600): `<id>.request.json` while a call waits,
 * `<id>.decision.json` once it is decided. A decision file is published with link(2) from a
 * complete temp file, which fails if the name exists: the first decider wins atomically (two
 * controllers, or a controller racing the timeout), the second gets a clear error and changes
 * nothing, and a reader never sees a half-written decision.
 */
import { approvalDecisionFile, type ApprovalPaths, approvalRequestFile } from "../paths.ts";
import type { ApprovalDecision as Decision, ApprovalRequest as Request } from "../schema.ts";
import { checkApprovalDecision, checkApprovalRequest } from "../shapes.gen.ts";
import type { Checked } from "../shape.ts";
import { CsdError } from "../cli/errors.ts";

/** Creates the approvals folder, owner-only; refuses one another user could write into. */
export function ensureApprovalDir(paths: ApprovalPaths): void {
  Deno.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const info = Deno.lstatSync(paths.dir);
  if (!info.isDirectory || info.isSymlink) {
    throw new CsdError(`Cannot use approvals folder "${paths.dir}": not a directory`);
  }
  const uid = Deno.uid();
  if (uid !== null && info.uid !== uid) {
    throw new CsdError(`Cannot use approvals folder "${paths.dir}": owned by another user`);
  }
  if (info.mode !== null && (info.mode & 0o077) !== 0) Deno.chmodSync(paths.dir, 0o700);
}

/** A fresh id, sortable by creation time: `<ms base36>-<random hex>`. */
export function newApprovalId(now: number = Date.now()): string {
  const random = crypto.getRandomValues(new Uint8Array(4));
  const hex = [...random].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${now.toString(36).padStart(9, "0")}-${hex}`;
}

const ID_PATTERN = /^[0-9a-z]{9}-[0-9a-f]{8}$/;

/** Whether `id` has the shape of an approval id (so it can be used in a file name). */
export function isApprovalId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** Writes a waiting call's request (exclusive create: an id is never reused). */
export function writeRequest(paths: ApprovalPaths, request: Request): void {
  ensureApprovalDir(paths);
  publish(approvalRequestFile(paths, request.id), JSON.stringify(request) + "\n");
}

/** The outcome of trying to record a decision. */
export type RecordResult =
  | { recorded: true; decision: Decision }
  | { recorded: false; existing: Decision | undefined };

/**
 * Records `decision` unless the call is already decided. Never overwrites: the first decision
 * stands, and the loser learns which one won.
 */
export function recordDecision(paths: ApprovalPaths, decision: Decision): RecordResult {
  ensureApprovalDir(paths);
  const target = approvalDecisionFile(paths, decision.id);
  if (publish(target, JSON.stringify(decision) + "\n")) return { recorded: true, decision };
  return { recorded: false, existing: readDecision(paths, decision.id) };
}

/** The decision on `id`, or undefined while it waits (or when the file is unreadable). */
export function readDecision(paths: ApprovalPaths, id: string): Decision | undefined {
  return readJson(approvalDecisionFile(paths, id), checkApprovalDecision);
}

/** The request of `id`, or undefined. */
export function readRequest(paths: ApprovalPaths, id: string): Request | undefined {
  return readJson(approvalRequestFile(paths, id), checkApprovalRequest);
}

/** Options for `pendingRequests`. */
export interface PendingOptions {
  now?: number;
  /** Whether the waiting process still lives (default: `kill -0`). */
  alive?: (pid: number) => boolean;
}

/**
 * The calls still waiting, oldest first: a request with no decision, whose deadline has not
 * passed and whose waiting process lives (a worker killed while blocked leaves no waiting item).
 */
export function pendingRequests(paths: ApprovalPaths, options: PendingOptions = {}): Request[] {
  const now = options.now ?? Date.now();
  const alive = options.alive ?? processAlive;
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(paths.dir)];
  } catch {
    return [];
  }
  const names = new Set(entries.map((e) => e.name));
  const pending: Request[] = [];
  for (const entry of entries) {
    const id = entry.name.endsWith(".request.json") ? entry.name.slice(0, -13) : undefined;
    if (!id || !isApprovalId(id) || names.has(`${id}.decision.json`)) continue;
    const request = readRequest(paths, id);
    if (!request || !stillWaits(request, { now, alive })) continue;
    pending.push(request);
  }
  return pending.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** What a controller asks to decide. */
export interface ControllerDecision {
  /** The call to decide; undefined: the oldest waiting one (of `kind`, when given). */
  id: string | undefined;
  decision: "allow" | "deny";
  reason?: string;
  answers?: Record<string, string>;
  /** Only items of this kind qualify (answer decides questions, approve/deny tool calls). */
  kind?: Request["kind"];
}

/**
 * A controller's decision (approve, deny, answer): the named call or the oldest waiting one.
 * @returns the request decided and the recorded decision
 * @throws {CsdError} (exit 1) when nothing waits, the id is unknown, or it is already decided
 */
export function decideAsController(
  paths: ApprovalPaths,
  wanted: ControllerDecision,
  options: PendingOptions = {},
): { request: Request; decision: Decision } {
  let request: Request | undefined;
  if (wanted.id === undefined) {
    request = pendingRequests(paths, options).find((r) => !wanted.kind || r.kind === wanted.kind);
    if (!request) {
      throw new CsdError(`No ${wanted.kind === "question" ? "question" : "call"} is waiting`);
    }
  } else {
    request = isApprovalId(wanted.id) ? readRequest(paths, wanted.id) : undefined;
    if (!request) throw new CsdError(`No waiting call with id "${wanted.id}"`);
    const earlier = readDecision(paths, wanted.id);
    if (earlier) throw alreadyDecided(wanted.id, earlier);
    if (wanted.kind && request.kind !== wanted.kind) {
      throw new CsdError(
        `Cannot decide "${wanted.id}": it is a ${request.kind}, not a ${wanted.kind}`,
      );
    }
    // Not pendingRequests(): a rival decision landing between the check above and here must
    // read "already decided" (from the publish below), not "no longer waits".
    if (!stillWaits(request, options)) {
      throw new CsdError(`Call "${wanted.id}" no longer waits: its wait ended`);
    }
  }
  const decision: Decision = {
    id: request.id,
    decision: wanted.decision,
    by: "controller",
    ...(wanted.reason !== undefined ? { reason: wanted.reason } : {}),
    ...(wanted.answers !== undefined ? { answers: wanted.answers } : {}),
    decided_at: new Date().toISOString(),
  };
  const result = recordDecision(paths, decision);
  if (!result.recorded) throw alreadyDecided(request.id, result.existing);
  return { request, decision };
}

/** Whether the process that waits for `request` still does: alive and before its deadline. */
function stillWaits(request: Request, options: PendingOptions): boolean {
  const now = options.now ?? Date.now();
  return Date.parse(request.deadline) > now && (options.alive ?? processAlive)(request.pid);
}

function alreadyDecided(id: string, existing: Decision | undefined): CsdError {
  const what = existing ? `: ${existing.decision} by ${existing.by}` : "";
  return new CsdError(`Call "${id}" is already decided${what}`);
}

/**
 * Creates `path` with `text`, all or nothing, failing (false) when it exists: written to a temp
 * file then hard-linked into place, since link(2) never replaces a name.
 */
function publish(path: string, text: string): boolean {
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  Deno.writeTextFileSync(temp, text, { createNew: true, mode: 0o600 });
  try {
    Deno.linkSync(temp, path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  } finally {
    Deno.removeSync(temp);
  }
}

function readJson<T>(
  path: string,
  check: (value: unknown) => Checked<T>,
): T | undefined {
  try {
    const parsed = check(JSON.parse(Deno.readTextFileSync(path)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Like launch's lock check: /proc/<pid> (a probe that sends no signal); no /proc: alive. */
function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    try {
      Deno.statSync("/proc/self");
      return false;
    } catch {
      return true;
    }
  }
}
