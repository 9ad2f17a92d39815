/**
 * `launch --worktree` with the fake agent: two workers edit the same file of one repository
 * without touching each other; stop keeps a dirty worktree (and says where) and removes a clean
 * one with its branch; list shows the branch; a failed launch leaves no worktree.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { BIN, exists, TestEnv } from "../kit/env.ts";
import { git, initRepo } from "./support/git.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "launch --worktree: two workers edit one file apart; stop keeps dirty, removes clean",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await initRepo(env.project);
      env.script({
        rules: [
          { match: "write A", tool: { command: "echo from-a > shared.txt" }, text: "A wrote." },
          { match: "write B", tool: { command: "echo from-b > shared.txt" }, text: "B wrote." },
          { match: "look", text: "Looked." },
        ],
      });
      const launched = await env.csd(["launch", "--worktree", "--json", "wa", env.project]);
      assertEquals(launched.code, 0, launched.stderr);
      const a = JSON.parse(launched.stdout);
      assertEquals(a.cwd, `${env.project}/.csd-worktrees/wa`);
      assertEquals(a.worktree, { path: a.cwd, branch: "csd/wa" });
      const b = await env.csd(["launch", "--worktree", "feature-b", "wb", env.project]);
      assertEquals(b.code, 0, b.stderr);
      const c = await env.csd(["launch", "--worktree", "wc", env.project]);
      assertEquals(c.code, 0, c.stderr);

      assertEquals((await env.shim("wa", ["send", "write A"])).code, 0);
      assertEquals((await env.shim("wb", ["send", "write B"])).code, 0);
      assertEquals((await env.shim("wc", ["send", "look around"])).code, 0);
      const waited = await env.csd(["wait", "--all", "--timeout", "30", "wa", "wb", "wc"]);
      assertEquals(waited.code, 0, waited.stderr);
      const tree = (name: string) => `${env.project}/.csd-worktrees/${name}`;
      assertEquals(Deno.readTextFileSync(`${tree("wa")}/shared.txt`), "from-a\n");
      assertEquals(Deno.readTextFileSync(`${tree("wb")}/shared.txt`), "from-b\n");
      assertEquals(Deno.readTextFileSync(`${env.project}/shared.txt`), "base\n");
      // The main checkout sees no trace of the worktrees (the folder is excluded locally).
      assertEquals(await git(env.project, "status", "--porcelain"), "");

      const list = await env.csd(["list"]);
      assertStringIncludes(list.stdout, `\t${tree("wb")}\t2.1.197\tfeature-b\tlocal\n`);
      const json = (await env.csd(["list", "--json"])).stdout.trim().split("\n").map((l) =>
        JSON.parse(l)
      );
      assertEquals(json.find((w) => w.name === "wa").worktree, {
        path: tree("wa"),
        branch: "csd/wa",
      });

      // wa is dirty: kept, and stop says where.
      const stopA = await env.shim("wa", ["stop"]);
      assertEquals(stopA.code, 0, stopA.stderr);
      assertStringIncludes(stopA.stderr, `kept the worktree "${tree("wa")}" (branch "csd/wa")`);
      assert(exists(`${tree("wa")}/shared.txt`));
      // wc is clean: removed with its branch.
      const stopC = await env.shim("wc", ["stop"]);
      assertEquals(stopC.code, 0, stopC.stderr);
      assertStringIncludes(stopC.stderr, `removed the worktree "${tree("wc")}"`);
      assertEquals(exists(tree("wc")), false);
      assertEquals(await git(env.project, "branch", "--list", "csd/wc"), "");
      // A committed change on a branch nothing else holds is kept too.
      await git(tree("wb"), "commit", "-qam", "b's work");
      const stopB = await env.shim("wb", ["stop"]);
      assertStringIncludes(stopB.stderr, "1 commit(s) on no other branch");
      assertEquals(
        (await git(env.project, "branch", "--list", "--format=%(refname:short)", "feature-b"))
          .trim(),
        "feature-b",
      );
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "launch --worktree: outside a repository refused; a failed launch leaves no worktree",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      const outside = await env.csd(["launch", "--worktree", "w1", env.project]);
      assertEquals(outside.code, 1);
      assertStringIncludes(outside.stderr, "git");
      assertEquals(exists(`${env.workerDir}/w1.meta.json`), false);

      await initRepo(env.project);
      // The harness exits at once: the launch fails, and takes its fresh worktree and branch along.
      const failed = await env.csd(["launch", "--worktree", "w2", env.project], {
        env: { CSD_CLAUDE_BIN: "/bin/false" },
      });
      assertEquals(failed.code, 1, failed.stderr);
      assertEquals(exists(`${env.project}/.csd-worktrees/w2`), false);
      assertEquals(await git(env.project, "branch", "--list", "csd/w2"), "");
    } finally {
      await env.dispose();
    }
  },
);

Deno.test(
  "prune: a dead worker's clean worktree goes, a dirty one stays; orphaned clean ones go",
  opts,
  async () => {
    const env = await TestEnv.create();
    try {
      await initRepo(env.project);
      const tree = (name: string) => `${env.project}/.csd-worktrees/${name}`;
      for (const name of ["pa", "pb"]) {
        const run = await env.csd(["launch", "--worktree", name, env.project]);
        assertEquals(run.code, 0, run.stderr);
      }
      Deno.writeTextFileSync(`${tree("pb")}/shared.txt`, "unsaved\n");
      for (const name of ["pa", "pb"]) {
        const meta = JSON.parse(Deno.readTextFileSync(`${env.workerDir}/${name}.meta.json`));
        assertEquals((await env.tmux("kill-session", "-t", meta.tmux_session_id)).code, 0);
      }
      // Worktrees no worker runs in (made by hand here, as a wiped worker dir leaves them).
      await git(env.project, "worktree", "add", "-q", "-b", "csd/ghost", tree("ghost"), "HEAD");
      await git(env.project, "worktree", "add", "-q", "-b", "csd/ghost2", tree("ghost2"), "HEAD");
      Deno.writeTextFileSync(`${tree("ghost2")}/new.txt`, "work\n");
      // A clean one a process runs in (a worker of another worker dir, a shell) stays.
      await git(env.project, "worktree", "add", "-q", "-b", "csd/busy", tree("busy"), "HEAD");
      const busy = new Deno.Command("sleep", { args: ["60"], cwd: tree("busy") }).spawn();

      const prune = await env.exec("sh", [
        "-c",
        `cd "$1" && exec "$2" prune`,
        "sh",
        env.project,
        `${BIN}/csd`,
      ]);
      assertEquals(prune.code, 0, prune.stderr);
      assertStringIncludes(prune.stdout, "pruned pa (gone)");
      assertStringIncludes(
        prune.stdout,
        `removed the worktree "${tree("pa")}" and its branch "csd/pa"`,
      );
      assertStringIncludes(prune.stdout, `kept the worktree "${tree("pb")}" (branch "csd/pb")`);
      assertStringIncludes(prune.stdout, `removed orphaned worktree ${tree("ghost")}`);
      assertStringIncludes(prune.stderr, `kept the worktree "${tree("ghost2")}"`);
      assertStringIncludes(
        prune.stderr,
        `kept the worktree "${tree("busy")}": a process runs in it`,
      );
      busy.kill();
      await busy.status;
      assertEquals(exists(tree("pa")), false);
      assertEquals(exists(tree("ghost")), false);
      assert(exists(`${tree("pb")}/shared.txt`));
      assert(exists(`${tree("ghost2")}/new.txt`));
      assertEquals(await git(env.project, "branch", "--list", "csd/ghost"), "");
    } finally {
      await env.dispose();
    }
  },
);
