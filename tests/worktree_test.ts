/** lib/worker/worktree.ts against real git in temporary repositories. */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { exists } from "../kit/env.ts";
import { git } from "./support/git.ts";
import {
  createWorktree,
  inspectWorktree,
  listWorktrees,
  removeWorktree,
  WORKTREES_FOLDER,
} from "../lib/worker/worktree.ts";
import { CsdError, UsageError } from "../lib/cli/errors.ts";

/** The error `fn` rejects with, checked to be an instance of `type`. */
async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    assert(error instanceof type, `expected ${type.name}, got ${error}`);
    return error;
  }
  throw new Error(`expected ${type.name}, nothing was thrown`);
}

/** A repository with one commit of `file.txt`, in a temp dir removed afterwards. */
async function withRepo(fn: (repo: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "csd-worktree-" });
  const repo = `${root}/repo`;
  try {
    Deno.mkdirSync(repo);
    await git(repo, "init", "-q", "-b", "main");
    Deno.writeTextFileSync(`${repo}/file.txt`, "base\n");
    Deno.writeTextFileSync(`${repo}/.gitignore`, ".env\nsecrets/\n");
    await git(repo, "add", ".");
    await git(repo, "commit", "-q", "-m", "base");
    await fn(repo);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const branches = async (repo: string) =>
  (await git(repo, "branch", "--format=%(refname:short)")).split("\n").filter(Boolean).sort();

Deno.test("createWorktree() makes csd/<name> from HEAD inside the repo, locally ignored", async () => {
  await withRepo(async (repo) => {
    const tree = await createWorktree(`${repo}`, "w1");
    assertEquals(tree.path, `${repo}/${WORKTREES_FOLDER}/w1`);
    assertEquals(tree.branch, "csd/w1");
    assertEquals(tree.created_branch, true);
    assertEquals(Deno.readTextFileSync(`${tree.path}/file.txt`), "base\n");
    assertEquals((await git(tree.path, "rev-parse", "--abbrev-ref", "HEAD")).trim(), "csd/w1");
    // The main checkout stays clean: the folder is ignored through info/exclude, not .gitignore.
    assertEquals(await git(repo, "status", "--porcelain"), "");
    assertEquals(Deno.readTextFileSync(`${repo}/.gitignore`), ".env\nsecrets/\n");
    const exclude = Deno.readTextFileSync(`${repo}/.git/info/exclude`);
    assertStringIncludes(exclude, `/${WORKTREES_FOLDER}/`);
    // A second worktree does not repeat the exclude line.
    await createWorktree(`${repo}/.`, "w2");
    assertEquals(
      Deno.readTextFileSync(`${repo}/.git/info/exclude`).split(`/${WORKTREES_FOLDER}/`).length,
      2,
    );
  });
});

Deno.test("createWorktree() from a subfolder uses the repository root; an existing branch is checked out", async () => {
  await withRepo(async (repo) => {
    Deno.mkdirSync(`${repo}/sub`);
    await git(repo, "branch", "feature");
    const tree = await createWorktree(`${repo}/sub`, "w1", { branch: "feature" });
    assertEquals(tree.path, `${repo}/${WORKTREES_FOLDER}/w1`);
    assertEquals(tree.branch, "feature");
    assertEquals(tree.created_branch, false);
    // A clean worktree on the user's own branch goes, the branch stays.
    const removal = await removeWorktree(tree);
    assertEquals(removal.removed, true);
    assertEquals(await branches(repo), ["feature", "main"]);
  });
});

Deno.test("two worktrees edit the same file independently", async () => {
  await withRepo(async (repo) => {
    const a = await createWorktree(repo, "a");
    const b = await createWorktree(repo, "b");
    Deno.writeTextFileSync(`${a.path}/file.txt`, "from a\n");
    Deno.writeTextFileSync(`${b.path}/file.txt`, "from b\n");
    await git(a.path, "commit", "-q", "-am", "a");
    await git(b.path, "commit", "-q", "-am", "b");
    assertEquals(Deno.readTextFileSync(`${repo}/file.txt`), "base\n");
    assertEquals(await git(repo, "show", "csd/a:file.txt"), "from a\n");
    assertEquals(await git(repo, "show", "csd/b:file.txt"), "from b\n");
  });
});

Deno.test("removeWorktree() keeps a dirty worktree and says where", async () => {
  await withRepo(async (repo) => {
    const tree = await createWorktree(repo, "w1");
    Deno.writeTextFileSync(`${tree.path}/new.txt`, "untracked work\n");
    assertEquals((await inspectWorktree(tree)).dirty, true);
    const removal = await removeWorktree(tree);
    assertEquals(removal, {
      removed: false,
      path: tree.path,
      branch: "csd/w1",
      reason: "uncommitted changes",
    });
    assert(exists(`${tree.path}/new.txt`));
    assertEquals(await branches(repo), ["csd/w1", "main"]);
  });
});

Deno.test("removeWorktree() keeps a clean worktree whose commit no other branch holds", async () => {
  await withRepo(async (repo) => {
    const tree = await createWorktree(repo, "w1");
    Deno.writeTextFileSync(`${tree.path}/file.txt`, "work\n");
    await git(tree.path, "commit", "-q", "-am", "work");
    const state = await inspectWorktree(tree);
    assertEquals([state.dirty, state.unmerged.length], [false, 1]);
    const removal = await removeWorktree(tree);
    assertEquals(removal.removed, false);
    assertEquals(!removal.removed && removal.reason, "1 commit(s) on no other branch");
    assert(exists(tree.path));
    // Once another branch holds the commit, the worktree and its branch go.
    await git(repo, "branch", "keep", "csd/w1");
    assertEquals((await removeWorktree(tree)).removed, true);
    assertEquals(await branches(repo), ["keep", "main"]);
  });
});

Deno.test("removeWorktree() removes a clean worktree with its branch", async () => {
  await withRepo(async (repo) => {
    const tree = await createWorktree(repo, "w1");
    assertEquals(await removeWorktree(tree), {
      removed: true,
      path: tree.path,
      branch: "csd/w1",
      branch_deleted: true,
    });
    assertEquals(exists(tree.path), false);
    assertEquals(await branches(repo), ["main"]);
    assertEquals(
      await git(repo, "worktree", "list", "--porcelain").then((t) =>
        t.match(/^worktree /gm)?.length
      ),
      1,
    );
  });
});

Deno.test("createWorktree() copies the ignored files .worktreeinclude lists, nothing else", async () => {
  await withRepo(async (repo) => {
    Deno.writeTextFileSync(`${repo}/.env`, "KEY=1\n");
    Deno.mkdirSync(`${repo}/secrets`);
    Deno.writeTextFileSync(`${repo}/secrets/a.key`, "a\n");
    Deno.writeTextFileSync(`${repo}/secrets/b.txt`, "b\n");
    Deno.symlinkSync("/etc/passwd", `${repo}/secrets/link.key`);
    Deno.writeTextFileSync(`${repo}/notes.key`, "untracked, not ignored\n");
    Deno.writeTextFileSync(`${repo}/.worktreeinclude`, ".env\n*.key\n");
    const tree = await createWorktree(repo, "w1");
    assertEquals(tree.copied, [".env", "secrets/a.key"]);
    assertEquals(Deno.readTextFileSync(`${tree.path}/.env`), "KEY=1\n");
    assertEquals(exists(`${tree.path}/secrets/b.txt`), false);
    assertEquals(exists(`${tree.path}/secrets/link.key`), false);
    assertEquals(exists(`${tree.path}/notes.key`), false);
    // Copied files are ignored there too: the fresh worktree is clean and removable.
    assertEquals((await inspectWorktree(tree)).dirty, false);
    assertEquals((await removeWorktree(tree)).removed, true);
  });
});

Deno.test("createWorktree() outside a git repository fails with a clear error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csd-nogit-" });
  try {
    const error = await assertRejects(() => createWorktree(dir, "w1"), CsdError);
    assertEquals(error.message, `Cannot make a worktree: "${dir}" is not inside a git repository`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createWorktree() refuses hostile names and branches before running git", async () => {
  await withRepo(async (repo) => {
    for (const name of ["../up", "-rf", "a/b", "", "x\ny"]) {
      await assertRejects(() => createWorktree(repo, name), UsageError);
    }
    for (const branch of ["--orphan", "a..b", "x y", "ok\n"]) {
      await assertRejects(() => createWorktree(repo, "w1", { branch }), UsageError);
    }
    assertEquals(exists(`${repo}/${WORKTREES_FOLDER}`), false);
    assertEquals(await branches(repo), ["main"]);
  });
});

Deno.test("listWorktrees() finds csd's worktrees only, with their branches", async () => {
  await withRepo(async (repo) => {
    await git(repo, "branch", "feature");
    await git(repo, "worktree", "add", "-q", `${repo}/../elsewhere`, "feature");
    const a = await createWorktree(repo, "a");
    // Made from inside a worker's worktree, a worktree still goes beside it, never nested.
    const b = await createWorktree(a.path, "b", { branch: "topic" });
    assertEquals(b.path, `${repo}/${WORKTREES_FOLDER}/b`);
    const found = await listWorktrees(`${repo}/${WORKTREES_FOLDER}/a`);
    assertEquals(
      found.map((w) => [w.name, w.path, w.branch, w.created_branch, w.prunable]),
      [
        ["a", a.path, "csd/a", true, false],
        ["b", `${repo}/${WORKTREES_FOLDER}/b`, "topic", false, false],
      ],
    );
    // A found worktree is removable like a created one: its csd branch goes with it.
    assertEquals((await removeWorktree(found[0]!)).removed, true);
    assertEquals(await branches(repo), ["feature", "main", "topic"]);
  });
});
