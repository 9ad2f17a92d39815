/**
 * A git worktree per worker, so parallel workers on one repository never edit one checkout on
 * top of each other. The worktree lives INSIDE the repository, in {@link WORKTREES_FOLDER}, which
 * csd makes git ignore through `.git/info/exclude` (never the shared .gitignore): a worker's
 * commits must survive a reboot, which a worktree under /tmp would not. Removal never loses
 * work: a worktree with uncommitted changes or commits no other branch holds is kept.
 *
 * git runs as found on PATH, always with an argv array (no shell), `-C <dir>` and `--` before
 * paths, so a hostile name or path cannot become an option or a command.
 */
import { dirname, isAbsolute, join, relative, resolve } from "../path.ts";
import { CsdError, UsageError } from "../cli/errors.ts";
import { WORKER_NAME_PATTERN } from "../paths.ts";

/** The folder, at the top of the repository, holding csd's worktrees. */
export const WORKTREES_FOLDER = ".csd-worktrees";

/** The file listing untracked files a worktree needs (the name Claude Code and peers use). */
export const INCLUDE_FILE = ".worktreeinclude";

/** A worker's worktree. */
export interface Worktree {
  /** The top level of the repository the worktree was made from. */
  repo: string;
  /** The worktree's folder. */
  path: string;
  /** The branch checked out in it. */
  branch: string;
  /** True when csd created the branch (only then is it deleted with the worktree). */
  created_branch: boolean;
  /** Repository-relative paths copied because `.worktreeinclude` lists them. */
  copied: string[];
}

/** What {@link inspectWorktree} finds. */
export interface WorktreeState {
  /** Uncommitted changes, untracked files included (ignored files are not changes). */
  dirty: boolean;
  /** Commits on the worktree's HEAD that no other branch (local or remote) holds. */
  unmerged: string[];
  /** The commit checked out. */
  head: string;
}

/** What {@link removeWorktree} did. */
export type Removal =
  | { removed: true; path: string; branch: string; branch_deleted: boolean }
  | { removed: false; path: string; branch: string; reason: string };

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function git(dir: string, args: string[], stdin?: string): Promise<GitResult> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("git", {
      args: ["-C", dir, ...args],
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      // Never ask for credentials or open an editor: nobody is there to answer.
      env: { GIT_TERMINAL_PROMPT: "0", GIT_EDITOR: "true", LC_ALL: "C" },
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new CsdError("Cannot run git: no git on PATH");
    }
    throw error;
  }
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Runs git and returns stdout, or throws with git's own first error line. */
async function gitOk(dir: string, args: string[], what: string, stdin?: string) {
  const result = await git(dir, args, stdin);
  if (result.code !== 0) {
    const detail = result.stderr.trim().split("\n").find((l) => l.trim() !== "") ??
      `git exited ${result.code}`;
    throw new CsdError(`Cannot ${what}: ${detail}`);
  }
  return result.stdout;
}

/** Refuses a worker name that cannot be a folder and branch name. */
function checkName(name: string): void {
  if (!WORKER_NAME_PATTERN.test(name)) {
    throw new UsageError(
      `Invalid worker name "${name}": use 1-64 letters, digits, "_" or "-", starting with a ` +
        `letter or digit`,
    );
  }
}

/** Refuses a branch name git would not accept or that could pass for an option. */
async function checkBranch(dir: string, branch: string): Promise<void> {
  // A control character (a newline above all) would split git's line-based stdin protocols.
  const control = [...branch].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  const bad = branch.startsWith("-") || control ||
    (await git(dir, ["check-ref-format", "--branch", branch])).code !== 0;
  if (bad) throw new UsageError(`Invalid branch name "${branch}": git does not accept it`);
}

/**
 * The top level of the git repository holding `cwd`.
 *
 * @throws {CsdError} When `cwd` is not a folder inside a git work tree.
 */
export async function repositoryRoot(cwd: string): Promise<string> {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(cwd);
  } catch {
    throw new CsdError(`Cannot use "${cwd}" for a worktree: no such folder`);
  }
  if (!info.isDirectory) throw new CsdError(`Cannot use "${cwd}" for a worktree: not a folder`);
  const result = await git(cwd, ["rev-parse", "--show-toplevel"]);
  if (result.code !== 0 || result.stdout.trim() === "") {
    throw new CsdError(`Cannot make a worktree: "${cwd}" is not inside a git repository`);
  }
  return result.stdout.trim();
}

/** The records of `git worktree list --porcelain -z`, each a list of attribute fields. */
async function worktreeRecords(root: string): Promise<string[][]> {
  const text = await gitOk(root, ["worktree", "list", "--porcelain", "-z"], "list worktrees");
  // Records are NUL-ended attribute fields, each record ended by one more NUL.
  return text.split("\0\0").map((r) => r.split("\0").filter((f) => f !== "")).filter((r) =>
    r.length > 0
  );
}

function field(record: string[], key: string): string | undefined {
  return record.find((f) => f.startsWith(`${key} `))?.slice(key.length + 1);
}

/**
 * The main worktree of the repository holding `cwd`, even when `cwd` is in a linked worktree:
 * worktrees of a worker's worktree must not nest inside it (removing it would take them along).
 * Needs git >= 2.36 (`worktree list -z`): paths are read NUL-separated, never by line.
 *
 * @throws {CsdError} Outside a git repository, or for a bare one.
 */
export async function mainWorktree(cwd: string): Promise<string> {
  const top = await repositoryRoot(cwd);
  const main = (await worktreeRecords(top))[0];
  const path = main && field(main, "worktree");
  if (!main || path === undefined || main.includes("bare")) {
    throw new CsdError(`Cannot make a worktree: "${cwd}" is in a bare repository`);
  }
  return path;
}

/** Adds the worktrees folder to the repository's local exclude file, once. */
async function excludeLocally(root: string): Promise<void> {
  const raw = (await gitOk(root, ["rev-parse", "--git-path", "info/exclude"], "find info/exclude"))
    .trim();
  const path = isAbsolute(raw) ? raw : resolve(root, raw);
  const line = `/${WORKTREES_FOLDER}/`;
  let text = "";
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (text.split("\n").some((l) => l.trim() === line)) return;
  Deno.mkdirSync(dirname(path), { recursive: true });
  const prefix = text === "" || text.endsWith("\n") ? "" : "\n";
  Deno.writeTextFileSync(path, `${prefix}# csd: worker worktrees\n${line}\n`, { append: true });
}

/** NUL-separated git output as a list. */
function zList(text: string): string[] {
  return text.split("\0").filter((p) => p !== "");
}

/**
 * Copies the untracked, git-ignored files `.worktreeinclude` matches (gitignore patterns) from
 * the repository into the worktree. Only regular files: a symlink could point anywhere.
 */
async function copyIncluded(root: string, path: string): Promise<string[]> {
  try {
    if (!Deno.lstatSync(join(root, INCLUDE_FILE)).isFile) return [];
  } catch {
    return [];
  }
  const matching = zList(
    await gitOk(root, [
      "ls-files",
      "-z",
      "--others",
      "--ignored",
      `--exclude-from=${join(root, INCLUDE_FILE)}`,
    ], `read ${INCLUDE_FILE}`),
  ).filter((p) => !p.startsWith(`${WORKTREES_FOLDER}/`));
  if (matching.length === 0) return [];
  // Only files git ignores: a copied file git would see as untracked makes the worktree dirty
  // forever, and stop would then keep it.
  const ignored = zList(
    (await git(root, ["check-ignore", "-z", "--stdin"], matching.join("\0") + "\0")).stdout,
  );
  const copied: string[] = [];
  for (const file of ignored) {
    const from = join(root, file);
    const to = join(path, file);
    if (relative(path, to).startsWith("..")) continue;
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(from);
    } catch {
      continue;
    }
    if (!info.isFile) continue;
    Deno.mkdirSync(dirname(to), { recursive: true });
    Deno.copyFileSync(from, to);
    copied.push(file);
  }
  return copied.sort();
}

/** Options for {@link createWorktree}. */
export interface CreateWorktreeOptions {
  /** Check out this branch (created from HEAD when it does not exist) instead of `csd/<name>`. */
  branch?: string;
}

/**
 * Creates worker `name`'s worktree of the repository holding `cwd`: on a new branch
 * `csd/<name>` from HEAD (or on `options.branch`), in `<repo>/.csd-worktrees/<name>`, with the
 * files `.worktreeinclude` lists copied in.
 *
 * @throws {UsageError} For a bad name or branch.
 * @throws {CsdError} When `cwd` is not in a git repository, the folder exists, or git fails.
 * @example
 * ```ts
 * const tree = await createWorktree("/src/app", "w1");
 * // tree.path = "/src/app/.csd-worktrees/w1", tree.branch = "csd/w1"
 * ```
 */
export async function createWorktree(
  cwd: string,
  name: string,
  options: CreateWorktreeOptions = {},
): Promise<Worktree> {
  checkName(name);
  const root = await mainWorktree(cwd);
  const branch = options.branch ?? `csd/${name}`;
  await checkBranch(root, branch);
  const path = join(root, WORKTREES_FOLDER, name);
  try {
    Deno.lstatSync(path);
    throw new CsdError(`Cannot make a worktree at "${path}": it already exists`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await excludeLocally(root);
  const exists = (await git(root, ["show-ref", "--verify", "--quiet", `refs/heads/${branch}`]))
    .code === 0;
  const args = exists
    ? ["worktree", "add", "--", path, branch]
    : ["worktree", "add", "-b", branch, "--", path, "HEAD"];
  await gitOk(root, args, `make a worktree for "${name}"`);
  const copied = await copyIncluded(root, path);
  return { repo: root, path, branch, created_branch: !exists, copied };
}

/**
 * Looks at a worktree: uncommitted changes, and commits on its HEAD that no other branch holds.
 *
 * @throws {CsdError} When `path` is not a git worktree.
 */
export async function inspectWorktree(worktree: Worktree): Promise<WorktreeState> {
  const { path, branch } = worktree;
  const status = await gitOk(
    path,
    ["status", "--porcelain=v1", "-z", "--untracked-files=all"],
    `inspect the worktree "${path}"`,
  );
  const head = (await gitOk(path, ["rev-parse", "--verify", "HEAD"], `read HEAD of "${path}"`))
    .trim();
  const refs = zList(
    await gitOk(path, [
      "for-each-ref",
      "--format=%(refname)%00",
      "refs/heads",
      "refs/remotes",
    ], "list branches"),
  ).map((r) => r.trim()).filter((r) => r !== "" && r !== `refs/heads/${branch}`);
  // Fed on stdin: a repository with thousands of branches would overflow argv.
  const revs = [head, ...refs.map((r) => `^${r}`)].join("\n") + "\n";
  const unmerged = (await gitOk(path, ["rev-list", "--stdin"], "list unmerged commits", revs))
    .split("\n").filter((l) => l !== "");
  return { dirty: status !== "", unmerged, head };
}

/**
 * Removes a worktree and (when csd created it) its branch, unless that would lose work: a dirty
 * worktree, or one with commits no other branch holds, is kept and the answer says why.
 *
 * @example
 * ```ts
 * const result = await removeWorktree(tree);
 * if (!result.removed) console.log(`kept ${result.path} (${result.branch}): ${result.reason}`);
 * ```
 */
export async function removeWorktree(worktree: Worktree): Promise<Removal> {
  const { path, branch } = worktree;
  const state = await inspectWorktree(worktree);
  const reasons: string[] = [];
  if (state.dirty) reasons.push("uncommitted changes");
  if (state.unmerged.length > 0) {
    reasons.push(`${state.unmerged.length} commit(s) on no other branch`);
  }
  if (reasons.length > 0) return { removed: false, path, branch, reason: reasons.join(", ") };
  await gitOk(worktree.repo, ["worktree", "remove", "--", path], `remove the worktree "${path}"`);
  let deleted = false;
  if (worktree.created_branch) {
    // update-ref with the old value deletes only the tip inspected above: a commit made since
    // (on a branch nothing else holds) is never dropped.
    deleted = (await git(worktree.repo, [
      "update-ref",
      "-d",
      `refs/heads/${branch}`,
      state.head,
    ])).code === 0;
  }
  return { removed: true, path, branch, branch_deleted: deleted };
}

/** A worktree found in {@link WORKTREES_FOLDER} (for prune: the worker may be long gone). */
export interface FoundWorktree extends Worktree {
  /** The folder name: the worker name it was made for. */
  name: string;
  /** Whether git marks it prunable (its folder is gone). */
  prunable: boolean;
}

/**
 * The worktrees csd made in the repository holding `cwd` (those in {@link WORKTREES_FOLDER}).
 * A branch named `csd/<name>` counts as csd's own, so prune may delete it with the worktree.
 */
export async function listWorktrees(cwd: string): Promise<FoundWorktree[]> {
  const root = await mainWorktree(cwd);
  const folder = join(root, WORKTREES_FOLDER);
  const found: FoundWorktree[] = [];
  for (const fields of await worktreeRecords(root)) {
    const path = field(fields, "worktree");
    if (path === undefined || dirname(path) !== folder) continue;
    const ref = field(fields, "branch") ?? "";
    const branch = ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : "";
    const name = path.slice(folder.length + 1);
    found.push({
      repo: root,
      path,
      branch,
      name,
      created_branch: branch === `csd/${name}`,
      copied: [],
      prunable: fields.some((f) => f === "prunable" || f.startsWith("prunable ")),
    });
  }
  return found;
}
