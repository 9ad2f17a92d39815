/**
 * Starting a worker — shared by launch (a fresh session) and adopt (resuming one). Either the
 * worker ends up fully registered (meta, shim, events file, a ready harness), or everything this
 * call made is removed again and the error shows the pane's last lines.
 */
import { CsdError, UsageError } from "../cli/errors.ts";
import { binaryVersion } from "../harness/binary.ts";
import { harnessFor } from "../harness/mod.ts";
import { TESTED } from "../harness/tested.ts";
import type { Harness } from "../harness/types.ts";
import { currentTranscriptPath } from "../events/query.ts";
import { readEventsFrom } from "../events/jsonl.ts";
import { readMeta, socketLabelProblem, writeMeta } from "./meta.ts";
import { consentFile, homeDir, type WorkerPaths, workerPaths } from "../paths.ts";
import { ApprovalPolicy, type HarnessName, type WorkerMeta } from "../schema.ts";
import { loadPolicy } from "../approval/policy_file.ts";
import { approvalTimeoutSeconds } from "../approval/timeout.ts";
import { installPolicy } from "../approval/policy_file.ts";
import { shellJoin } from "../shell.ts";
import { writeShim } from "./shim.ts";
import { writeStartScript } from "./start_script.ts";
import { secondsSetting } from "../cli/config.ts";
import { type PaneIdentity, type PaneInfo, paneMatches, Tmux } from "../tmux.ts";
import { waitUntil } from "../wait.ts";
import { createWorktree, type Removal, removeWorktree } from "./worktree.ts";
import { registerSessionId } from "./register.ts";
import { dirname, pathExists, resolve as resolvePath } from "../path.ts";
import { killVerified, validateWorkerName } from "./worker.ts";
import { ensureWorkerDir } from "./dir.ts";
import { lockHolderAlive } from "./lock.ts";
import { workerEnvironment } from "./env.ts";

/** What to start. */
export interface StartRequest {
  name: string;
  cwd: string;
  harness: HarnessName;
  args: string[];
  /** adopt: the session to resume. */
  resumeSessionId?: string;
  /** adopt: its transcript, as the harness's findSession found it. */
  resumeTranscriptPath?: string;
  /** `launch --worktree`: run in a new worktree of `cwd`'s repository (on `branch`, if given). */
  worktree?: { branch?: string };
  /**
   * Tool approval (issue 12): present when the worker is gated. `policy` is the file given with
   * `--policy` (undefined with `--approval` alone: every call waits for the controller).
   */
  approval?: { policyFile?: string | undefined } | undefined;
}

/** A started worker. */
export interface Started {
  meta: WorkerMeta;
  shim: string;
  /** True when adopt respawned an existing tmux session's pane in place. */
  respawned: boolean;
}

/** Lines of the pane shown when a launch fails. */
const FAILURE_PANE_LINES = 20;

/** launch's and adopt's flags: the harness and tool approval. */
export const APPROVAL_FLAGS = {
  harness: { type: "string" },
  approval: { type: "boolean" },
  policy: { type: "string" },
} as const;

/** `--approval` / `--policy <file>` as a StartRequest's `approval` (the file made absolute). */
export function approvalRequest(
  parsed: { values: Record<string, unknown> },
): { approval?: NonNullable<StartRequest["approval"]> } {
  const policy = parsed.values.policy;
  if (typeof policy === "string") {
    if (policy === "") throw new UsageError("Invalid --policy: empty file name");
    return { approval: { policyFile: resolvePath(policy) } };
  }
  return parsed.values.approval === true ? { approval: {} } : {};
}

/** Starts a worker and waits until its harness is ready. */
export async function startWorker(request: StartRequest): Promise<Started> {
  const name = validateWorkerName(request.name);
  const cwd = resolveCwd(request.cwd);
  requireConsent();
  // A bad policy file or timeout refuses the launch before anything starts.
  const approval = resolveApproval(request.approval);
  const harness = harnessFor(request.harness);
  const dir = ensureWorkerDir();
  const paths = workerPaths(name, dir);
  const tmux = Tmux.fromEnv();
  // Readers refuse a meta whose label leaves tmux's socket folder: refuse it before starting.
  const badSocket = tmux.socket === null ? null : socketLabelProblem(tmux.socket);
  if (badSocket) throw new UsageError(`Invalid CSD_TMUX_SOCKET: ${badSocket}`);
  const releaseLock = takeLaunchLock(paths.lock, name);
  try {
    // A worker on a target shares the name space (its shim is in the same folder).
    if (readMeta(name, dir) || pathExists(paths.remote)) {
      throw new CsdError(
        `A worker named "${name}" already exists; stop it first or choose another name`,
      );
    }
    const existing = await tmux.sessionPane(name);
    if (existing && request.resumeSessionId === undefined) {
      throw new CsdError(
        `A tmux session named "${name}" already exists; choose another name (csd did not touch it)`,
      );
    }
    if (!request.worktree) {
      return await startRegistered({
        request,
        name,
        cwd,
        harness,
        paths,
        tmux,
        existing,
        dir,
        approval,
      });
    }
    const tree = await createWorktree(cwd, name, request.worktree);
    const worktree = {
      repo: tree.repo,
      path: tree.path,
      branch: tree.branch,
      created_branch: tree.created_branch,
    };
    try {
      return await startRegistered({
        request,
        name,
        cwd: tree.path,
        harness,
        paths,
        tmux,
        existing,
        dir,
        worktree,
        approval,
      });
    } catch (error) {
      // A launch that failed leaves no worktree of its own behind (a dirty one is kept: the
      // harness may have written there before it failed).
      const removal = await removeWorktree(tree).catch(() => undefined);
      if (removal && !removal.removed && error instanceof CsdError) {
        throw new CsdError(`${error.message}\n${keptWorktreeNote(removal)}`);
      }
      throw error;
    }
  } finally {
    releaseLock();
  }
}

interface StartContext {
  request: StartRequest;
  name: string;
  cwd: string;
  harness: Harness;
  paths: WorkerPaths;
  tmux: Tmux;
  existing: PaneInfo | null;
  dir: string;
  worktree?: WorkerMeta["worktree"];

  approval: ResolvedApproval;
}

/** The worker's approval settings, validated at launch. */
interface ResolvedApproval {
  /** Undefined: not gated (only questions wait). */
  policy: ApprovalPolicy | undefined;
  timeoutS: number;
}

/**
 * Validates `--policy` (one zod schema; a bad file is a usage error naming the file, the field
 * and the reason) and resolves the approval timeout from the environment.
 */
function resolveApproval(approval: StartRequest["approval"]): ResolvedApproval {
  let policy: ApprovalPolicy | undefined;
  if (approval?.policyFile !== undefined) {
    try {
      policy = loadPolicy(approval.policyFile).policy;
    } catch (error) {
      if (error instanceof CsdError) throw new UsageError(error.message);
      throw error;
    }
  } else if (approval) {
    policy = ApprovalPolicy.parse({});
  }
  const timeoutS = approvalTimeoutSeconds(policy, Deno.env.toObject());
  return { policy, timeoutS };
}

async function startRegistered(context: StartContext): Promise<Started> {
  const { request, name, cwd, harness, paths, tmux, existing } = context;
  // Leftovers of an earlier worker of this name (no meta claims them) must not be mistaken for
  // this one's: its events, exit status, staged home.
  removeWorkerFiles(paths);
  let pane: PaneIdentity | undefined;
  try {
    Deno.writeTextFileSync(paths.events, "", { mode: 0o600 });
    if (context.approval.policy) {
      installPolicy(paths.approvals, context.approval.policy, context.approval.timeoutS);
    }
    const controllerEnv = Deno.env.toObject();
    const home = homeDir();
    const plan = await harness.prepare({
      name,
      cwd,
      paths,
      home,
      args: request.args,
      env: controllerEnv,
      approvalTimeoutS: context.approval.timeoutS,
      ...(request.resumeSessionId ? { resumeSessionId: request.resumeSessionId } : {}),
      ...(request.resumeTranscriptPath
        ? { resumeTranscriptPath: request.resumeTranscriptPath }
        : {}),
    });
    // Stamped on every event line: a dying earlier worker of this name may still append.
    const launchId = crypto.randomUUID();
    const workerEnv = workerEnvironment(controllerEnv, {
      ...plan.env,
      CSD_LAUNCH_ID: launchId,
      // The hook reads the resolved timeout here for a question on an ungated worker.
      CSD_APPROVAL_TIMEOUT_S: String(context.approval.timeoutS),
    });
    // Read from the package.json beside the binary, else `--version`, while the harness starts.
    const version = binaryVersion(plan.argv[0]!, TESTED[harness.name].packages, workerEnv);
    const command = writeStartScript(paths.startScript, {
      workerName: name,
      cwd,
      env: workerEnv,
      argv: plan.argv,
      exitStatusFile: paths.exitStatus,
    });
    const ids = existing ? await respawnVerified(tmux, existing, name, cwd, command) : await tmux
      .newSession({ name, cwd, command });
    pane = identity(name, ids);
    const meta: WorkerMeta = {
      version: 1,
      name,
      harness: harness.name,
      session_id: plan.sessionId,
      cwd,
      tmux_socket: tmux.socket,
      tmux_session_id: ids.sessionId,
      tmux_pane_id: ids.paneId,
      tmux_server: ids.server,
      events_file: paths.events,
      transcript_path: plan.transcriptPath,
      home,
      harness_args: request.args,
      reproduce: reproduceLine(request, cwd),
      created_at: new Date().toISOString(),
      adopted: request.resumeSessionId !== undefined,
      ready: false,
      harness_home: plan.harnessHome,
      launch_id: launchId,
      ...(context.worktree ? { worktree: context.worktree } : {}),
    };
    writeMeta(meta, context.dir);
    writeShim(paths.shim, name, context.dir);
    await waitForReady(harness, tmux, pane, paths);
    const events = readEventsFrom(paths.events).map((e) => e.event);
    const registered: WorkerMeta = {
      ...meta,
      ready: true,
      session_id: meta.session_id ?? await registerSessionId(harness, meta, paths),
      transcript_path: currentTranscriptPath(meta, events),
      harness_version: await version,
    };
    writeMeta(registered, context.dir);
    return { meta: registered, shim: paths.shim, respawned: existing !== null };
  } catch (error) {
    const screen = pane ? await lastPaneLines(tmux, pane.paneId) : "";
    if (pane && !existing) await killVerified(tmux, pane).catch(() => {});
    removeWorkerFiles(paths);
    const detail = error instanceof Error ? error.message : String(error);
    throw new CsdError(
      `Launch of "${name}" failed: ${detail}` +
        (screen ? `\nLast lines of the pane:\n${screen}` : ""),
    );
  }
}

/** What the pane this call started must stay: same session, same pane, same server. */
function identity(name: string, pane: PaneInfo): PaneIdentity {
  return {
    sessionName: name,
    sessionId: pane.sessionId,
    paneId: pane.paneId,
    server: pane.server,
  };
}

/**
 * adopt into an existing session: respawn-pane -k kills what runs there, so the pane must still
 * be the one looked up under this name (on the same server) when csd respawns it.
 */
async function respawnVerified(
  tmux: Tmux,
  existing: PaneInfo,
  name: string,
  cwd: string,
  command: string,
): Promise<PaneInfo> {
  const now = await tmux.sessionPane(name);
  if (!now || !paneMatches(now, identity(name, existing))) {
    throw new CsdError(`The tmux session "${name}" changed while adopting; csd did not touch it`);
  }
  await tmux.respawnPane(now.paneId, cwd, command);
  return now;
}

/**
 * Waits for the harness's ready signal (Claude: its session_start event and its drawn screen;
 * Codex: its composer on screen), answering startup screens the harness knows (Claude's
 * folder-trust dialog) after reading them.
 */
async function waitForReady(
  harness: Harness,
  tmux: Tmux,
  expected: PaneIdentity,
  paths: WorkerPaths,
): Promise<void> {
  const paneId = expected.paneId;
  const timeoutSeconds = secondsSetting("CSD_LAUNCH_TIMEOUT");
  // Keys go out only once the screen has changed since the last ones (or 2 s passed), so a
  // slow redraw cannot make csd press Down twice past the option it meant.
  let actedOn = "";
  let actedAt = 0;
  // And only on a screen unchanged for a second: Claude 2.1.332 draws its trust dialog, then
  // ~300 ms later (once its terminal queries are answered) draws it afresh with "No, exit"
  // selected again, and an Enter pressed before that landed there and quit the worker.
  let seen = "";
  let seenSince = 0;
  // Polled every 100 ms: Claude draws its screen 20–50 ms after the session_start that wakes
  // this wait, and nothing announces the drawing.
  const result = await waitUntil<{ ready: true } | { error: string }>(async () => {
    const pane = await tmux.pane(expected);
    if (!pane) return { error: "the tmux pane closed" };
    if (pane.dead) return { error: "the harness exited before it was ready" };
    let screen: string;
    try {
      screen = await tmux.capture(paneId);
    } catch (error) {
      // The pane (or its whole server) went away between the check and the capture.
      if (!await tmux.pane(expected)) return { error: "the tmux pane closed" };
      throw error;
    }
    const events = readEventsFrom(paths.events).map((e) => e.event);
    if (harness.isReady(events, screen)) return { ready: true };
    if (screen !== seen) [seen, seenSince] = [screen, Date.now()];
    if (screen === actedOn && Date.now() - actedAt < 2000) return undefined;
    const action = harness.startupScreenAction(screen);
    if (action?.kind === "fail") return { error: action.why };
    if (action?.kind === "keys" && Date.now() - seenSince >= STARTUP_SCREEN_SETTLE_MS) {
      await tmux.sendKeys(paneId, ...action.keys);
      actedOn = screen;
      actedAt = Date.now();
    }
    return undefined;
  }, { watch: [dirname(paths.events)], deadline: deadline(timeoutSeconds), pollMs: 100 });
  if (!result) {
    throw new CsdError(
      `The worker did not become ready within ${timeoutSeconds}s (no ready signal; ` +
        `raise CSD_LAUNCH_TIMEOUT if the machine is slow)`,
    );
  }
  if ("error" in result) throw new CsdError(result.error);
}

/** How long a startup screen must stay unchanged before csd presses keys on it. */
const STARTUP_SCREEN_SETTLE_MS = 1000;

function deadline(seconds: number): number {
  return Date.now() + seconds * 1000;
}

async function lastPaneLines(tmux: Tmux, paneId: string): Promise<string> {
  try {
    const screen = await tmux.capture(paneId, 200);
    // The screen is mostly blank below a crash message: show the last lines that say something.
    const lines = screen.split("\n").filter((line) => line.trim() !== "");
    return lines.slice(-FAILURE_PANE_LINES).map((line) => `  | ${line}`).join("\n");
  } catch {
    return "";
  }
}

/** Removes every csd file of a worker (never the harness's own transcript). */
export function removeWorkerFiles(paths: WorkerPaths): void {
  for (
    const path of [
      paths.meta,
      paths.events,
      paths.shim,
      paths.startScript,
      paths.settings,
      paths.exitStatus,
      paths.sent,
      paths.submitLock,
      paths.approvals.policy,
    ]
  ) removeQuietly(path);
  for (const dir of [paths.home, paths.tmp, paths.approvals.dir]) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Nothing staged.
    }
  }
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // Already gone.
  }
}

function resolveCwd(cwd: string): string {
  let real: string;
  try {
    real = Deno.realPathSync(cwd);
  } catch {
    throw new CsdError(`Working directory "${cwd}" does not exist`);
  }
  if (!Deno.statSync(real).isDirectory) {
    throw new CsdError(`Working directory "${cwd}" is not a directory`);
  }
  return real;
}

function requireConsent(): void {
  try {
    Deno.statSync(consentFile());
  } catch {
    throw new CsdError(
      "Workers run with permission prompts bypassed; consent has not been given on this " +
        "machine. Run `csd grant-consent` once, then launch again",
    );
  }
}

/**
 * Reserves a worker name for the duration of a launch, so two launches of the same name cannot
 * both pass the "name taken" check. A lock left by a crashed launch is taken over.
 */
function takeLaunchLock(path: string, name: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = Deno.openSync(path, { write: true, createNew: true, mode: 0o600 });
      file.writeSync(new TextEncoder().encode(`${Deno.pid}\n`));
      file.close();
      return () => removeQuietly(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      if (lockHolderAlive(path)) {
        throw new CsdError(`Worker "${name}" is being launched by another process`);
      }
      removeQuietly(path);
    }
  }
  throw new CsdError(`Cannot reserve worker name "${name}"`);
}

function reproduceLine(request: StartRequest, cwd: string): string {
  const head = request.resumeSessionId
    ? ["csd", "adopt", "--harness", request.harness, request.name, cwd, request.resumeSessionId]
    : ["csd", "launch", "--harness", request.harness, request.name, cwd];
  if (request.approval?.policyFile !== undefined) {
    head.push("--policy", request.approval.policyFile);
  } else if (request.approval) head.push("--approval");
  return shellJoin(request.args.length > 0 ? [...head, "--", ...request.args] : head);
}

/** The line saying where a kept worktree is, and why it was kept. */
export function keptWorktreeNote(removal: Extract<Removal, { removed: false }>): string {
  return `kept the worktree "${removal.path}" (branch "${removal.branch}"): ${removal.reason}`;
}

/**
 * Removes a stopped worker's worktree unless that would lose work; says what it did (null when
 * the worker had none). A worktree git no longer knows (deleted by hand) is reported, not fatal.
 */
export async function releaseWorktree(meta: WorkerMeta): Promise<string | null> {
  if (!meta.worktree) return null;
  try {
    const removal = await removeWorktree({ ...meta.worktree, copied: [] });
    if (!removal.removed) return keptWorktreeNote(removal);
    return `removed the worktree "${removal.path}"` +
      (removal.branch_deleted ? ` and its branch "${removal.branch}"` : "");
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return `left the worktree "${meta.worktree.path}" as it is: ${detail}`;
  }
}
