/**
 * Every file location csd uses, in one place. Nothing else builds a worker-dir path by hand:
 * the bash csd wrote `/tmp/claude-workers/...` in ~40 places and they drifted.
 *
 * No `node:` import here: the hook program imports this module on every tool call, and a `node:`
 * module loads Deno's Node compatibility layer into it (measured: +7 to +13 ms per hook run).
 */
import { setting } from "./cli/config.ts";
import { CsdError } from "./cli/errors.ts";

/** The default worker dir; `/tmp/claude-workers` is kept as a back-compat symlink to it. */
export const DEFAULT_WORKER_DIR = "/tmp/csd-workers";
/** The old worker dir name that existing controllers and muscle memory still use. */
export const LEGACY_WORKER_DIR = "/tmp/claude-workers";

/**
 * The worker dir: `CSD_WORKER_DIR` (made absolute: the start script path handed to tmux and the
 * shim's baked-in dir must not depend on the caller's cwd) or the default.
 */
export function workerDir(): string {
  const fromEnv = setting("CSD_WORKER_DIR");
  return fromEnv ? absolutePath(fromEnv) : DEFAULT_WORKER_DIR;
}

/** `path` made absolute against the cwd, `.` and `..` resolved (POSIX path.resolve). */
export function absolutePath(path: string): string {
  const parts: string[] = [];
  for (const part of (path.startsWith("/") ? path : `${Deno.cwd()}/${path}`).split("/")) {
    if (part === "..") parts.pop();
    else if (part !== "" && part !== ".") parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/**
 * Worker names become tmux session names and file names. tmux silently rewrites `.` and `:`
 * (so `a.b` would address another session), and `/` or a leading `.`/`-` could escape the worker
 * dir or read as a flag: only letters, digits, `_` and `-` are allowed.
 */
export const WORKER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** True when the worker dir is the default one (only then is the legacy symlink managed). */
export function usingDefaultWorkerDir(): boolean {
  return workerDir() === DEFAULT_WORKER_DIR;
}

/** Paths that belong to one worker, all derived from its name. */
export interface WorkerPaths {
  meta: string;
  events: string;
  shim: string;
  startScript: string;
  settings: string;
  exitStatus: string;
  lock: string;
  /** Offset of the last prompt `send` delivered, consumed by the next `wait-for-turn`. */
  sent: string;
  /** Locked (flock) by send and converse: one submission at a time per worker. */
  submitLock: string;
  /** Staged per-worker harness home (CODEX_HOME, PI_CODING_AGENT_DIR). */
  home: string;
  /** The worker's TMPDIR: outside its home (Codex refuses helper binaries under a temp dir
   * that contains CODEX_HOME). */
  tmp: string;
  /** Tool approval (issue 12): the waiting calls' folder and the worker's policy copy. */
  approvals: ApprovalPaths;
  /** A worker on a target: where it runs (lib/remote/forward.ts). Present instead of `meta`. */
  remote: string;
}

/** The files of worker `name` inside `dir` (default: the current worker dir). */
export function workerPaths(name: string, dir: string = workerDir()): WorkerPaths {
  return {
    meta: `${dir}/${name}.meta.json`,
    events: `${dir}/${name}.events.jsonl`,
    shim: `${dir}/bin/${name}`,
    startScript: `${dir}/${name}.start.sh`,
    settings: `${dir}/${name}.settings.json`,
    exitStatus: `${dir}/${name}.exit`,
    lock: `${dir}/${name}.lock`,
    sent: `${dir}/${name}.sent`,
    submitLock: `${dir}/${name}.submit-lock`,
    home: `${dir}/homes/${name}`,
    tmp: `${dir}/tmp/${name}`,
    approvals: approvalPaths(name, dir),
    remote: `${dir}/${name}.remote.json`,
  };
}

/** The folder holding every worker's shim. */
export function shimDir(dir: string = workerDir()): string {
  return `${dir}/bin`;
}

/** The folder holding staged per-worker harness homes (Codex, Pi). */
export function homesDir(dir: string = workerDir()): string {
  return `${dir}/homes`;
}

/** Suffixes of the per-worker files in the worker dir, used by prune to find orphans. */
export const WORKER_FILE_SUFFIXES = [
  ".meta.json",
  ".events.jsonl",
  ".start.sh",
  ".settings.json",
  ".exit",
  ".lock",
  ".sent",
  ".submit-lock",
] as const;

/** The folder holding every worker's approval files (approvalPaths). */
export function approvalsDir(dir: string = workerDir()): string {
  return `${dir}/approvals`;
}

/** The folder holding per-worker temp dirs. */
export function tmpDir(dir: string = workerDir()): string {
  return `${dir}/tmp`;
}

/** The user's home, from `HOME`. */
export function homeDir(): string {
  const home = Deno.env.get("HOME");
  if (!home) throw new CsdError("HOME is not set: csd keeps consent and harness homes under it");
  return home;
}

/** The one-time consent marker (the path the bash csd used, so earlier consent still counts). */
export function consentFile(): string {
  return `${homeDir()}/.claude/.claude-session-driver-consent`;
}

/**
 * The folder holding csd's own executables (`csd-<sub>`, `csd-hook`). A compiled executable
 * (named csd-…) finds its siblings next to itself — before any inherited CSD_BIN_DIR, which a
 * controller's environment could carry from another tree. The script wrappers (source tree and
 * bundled install) run under deno and export CSD_BIN_DIR themselves.
 */
export function binDir(): string {
  const exe = Deno.execPath();
  const folder = exe.slice(0, exe.lastIndexOf("/"));
  if (exe.slice(folder.length + 1).startsWith("csd-")) return folder;
  const fromEnv = setting("CSD_BIN_DIR");
  return fromEnv ? stripTrailingSlash(fromEnv) : folder;
}

/** The hook program Claude Code and Codex run for every event. */
export function hookExecutable(): string {
  return `${binDir()}/csd-hook`;
}

/** csd's Pi extension, bundled (zod and the shared schema inlined) so Node can load it. */
export function piExtension(): string {
  return `${binDir()}/csd-pi-extension.js`;
}

/** Claude's project folder name for a cwd: every non-alphanumeric character becomes `-`. */
function claudeProjectDirName(cwd: string): string {
  return cwd.replace(/[^a-zA-Z0-9]/g, "-");
}

/**
 * Where Claude keeps a session's transcript. Claude cuts and hashes names over 200 chars, so
 * prefer the `transcript_path` a hook reported; this is the fallback before any hook fired.
 */
export function claudeTranscriptPath(home: string, cwd: string, sessionId: string): string {
  return `${claudeProjectsDir(home)}/${claudeProjectDirName(cwd)}/${sessionId}.jsonl`;
}

/** The folder of Claude's per-project transcript folders. */
export function claudeProjectsDir(home: string): string {
  return `${home}/.claude/projects`;
}

function stripTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/** Where one worker's tool approvals live (issue 12). */
export interface ApprovalPaths {
  /** The folder holding the waiting calls and their decisions (0700). */
  dir: string;
  /** The policy launch validated and copied (the hook reads this, never the user's file). */
  policy: string;
}

/** The approval files of worker `name` inside `dir` (default: the current worker dir). */
export function approvalPaths(name: string, dir: string = workerDir()): ApprovalPaths {
  const root = approvalsDir(dir);
  return { dir: `${root}/${name}`, policy: `${root}/${name}.policy.json` };
}

/**
 * The approval files of the worker whose events file is `eventsFile` (`<dir>/<name>.events.jsonl`):
 * the hook and the Pi extension know only that path. Undefined for any other shape.
 */
export function approvalPathsForEvents(eventsFile: string): ApprovalPaths | undefined {
  const match = /^(.*)\/([^/]+)\.events\.jsonl$/.exec(eventsFile);
  if (!match || !WORKER_NAME_PATTERN.test(match[2]!)) return undefined;
  return approvalPaths(match[2]!, match[1]!);
}

/** A waiting call's request file. */
export function approvalRequestFile(paths: ApprovalPaths, id: string): string {
  return `${paths.dir}/${id}.request.json`;
}

/** A call's decision file: created once (hard link), never overwritten. */
export function approvalDecisionFile(paths: ApprovalPaths, id: string): string {
  return `${paths.dir}/${id}.decision.json`;
}

/** The user's real CODEX_HOME (here, not with the stager: status must not load its TOML parser). */
export function realCodexHome(env: Record<string, string>, home: string): string {
  return env.CODEX_HOME || `${home}/.codex`;
}
