/**
 * Fleet control on the REAL harnesses (the set CSD_TEST_HARNESS_SET picks), offline against the
 * mock model: `csd wait` on three workers of three harnesses where one fails, one runs past the
 * timeout and one ends; every command's --json output against its schema on each harness; and a
 * real worker in its own git worktree.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { exists } from "../kit/env.ts";
import { git, initRepo } from "./support/git.ts";
import { checkJsonOutputs } from "./support/json_outputs.ts";
import type { Rule } from "../kit/mock_model_types.ts";
import { type RealWorld, realWorld } from "../kit/real_claude.ts";
import { withCodex } from "../kit/real_codex.ts";
import { withPi } from "../kit/real_pi.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const RULES: Rule[] = [
  // Claude fails a turn at once on a 400 (it retries a 5xx).
  { match: "fleet-fail", replies: [{ kind: "error", status: 400, message: "bad request" }] },
  // Long enough to outlast every wait below; the worker is stopped before the mock closes.
  { match: "fleet-slow", replies: [{ kind: "text", text: "Slow done.", delayMs: 60_000 }] },
  { match: "fleet-ok", replies: [{ kind: "text", text: "Fleet ok." }] },
  {
    match: "json-tool",
    replies: [{
      kind: "tool",
      name: "Bash",
      input: { command: "echo tool-ran", description: "Run it" },
      text: "Running it.",
    }, { kind: "text", text: "Tool done." }],
  },
  { match: "json-plain", replies: [{ kind: "text", text: "Plain." }] },
  {
    match: "tree-edit",
    replies: [{
      kind: "tool",
      name: "Bash",
      input: { command: "echo from-worker > shared.txt", description: "Edit" },
    }, { kind: "text", text: "Edited." }],
  },
];

async function world(): Promise<RealWorld> {
  const w = await realWorld(RULES);
  withCodex(w);
  withPi(w);
  return w;
}

function lines(stdout: string): Record<string, unknown>[] {
  return stdout.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
}

async function launch(w: RealWorld, harness: string, name: string, extra: string[] = []) {
  const run = await w.env.csd(["launch", "--harness", harness, ...extra, name, w.env.project]);
  assertEquals(run.code, 0, `${name}: ${run.stderr}`);
}

async function send(w: RealWorld, name: string, prompt: string) {
  const run = await w.env.shim(name, ["send", prompt]);
  assertEquals(run.code, 0, `${name}: ${run.stderr}`);
}

Deno.test(
  "real claude, codex, pi: csd wait — one fails (3, named), one times out, one ends",
  opts,
  async () => {
    const w = await world();
    try {
      await launch(w, "claude", "fc");
      await launch(w, "codex", "fx");
      await launch(w, "pi", "fp");
      await send(w, "fc", "fleet-fail one");
      await send(w, "fx", "fleet-ok one");
      await send(w, "fp", "fleet-slow one");
      // --all: both that ended are printed, the slow one is named; the timeout wins the code.
      const all = await w.env.csd(["wait", "--all", "--timeout", "20", "fc", "fx", "fp"]);
      assertEquals(all.code, 124, all.stderr);
      const ended = lines(all.stdout);
      assertEquals(ended.map((l) => l.worker).sort(), ["fc", "fx"]);
      assertEquals(ended.find((l) => l.worker === "fc")!.event, "stop_failure");
      assertEquals(ended.find((l) => l.worker === "fx")!.event, "stop");
      assertStringIncludes(all.stderr, `"fp"`);
      assertStringIncludes(all.stderr, `worker "fc"`);

      // The first of them: the failure, named, exit 3 (fp still works on its turn).
      await send(w, "fc", "fleet-fail two");
      const first = await w.env.csd(["wait", "--timeout", "30", "fp", "fc"]);
      assertEquals(first.code, 3, first.stderr);
      assertEquals(lines(first.stdout).map((l) => l.worker), ["fc"]);
      assertStringIncludes(first.stderr, `worker "fc"`);

      // --all without a timeout: the failure outranks the success, both lines printed.
      await send(w, "fc", "fleet-fail three");
      await send(w, "fx", "fleet-ok three");
      const mixed = await w.env.csd(["wait", "--all", "--timeout", "30", "fc", "fx"]);
      assertEquals(mixed.code, 3, mixed.stderr);
      assertEquals(lines(mixed.stdout).map((l) => l.worker).sort(), ["fc", "fx"]);

      // A success alone: 0.
      await send(w, "fx", "fleet-ok four");
      const ok = await w.env.csd(["wait", "--timeout", "30", "fp", "fx"]);
      assertEquals(ok.code, 0, ok.stderr);
      assertEquals(lines(ok.stdout)[0]!.last_assistant_message, "Fleet ok.");
    } finally {
      // The slow worker holds a request open: stop it before the mock goes away.
      for (const name of ["fp", "fx", "fc"]) await w.env.shim(name, ["stop"]);
      await w.dispose();
    }
  },
);

for (const harness of ["claude", "codex", "pi"]) {
  Deno.test(`real ${harness}: every --json output matches its schema`, opts, async () => {
    const w = await world();
    try {
      const converse = await checkJsonOutputs(w.env, "j1", ["--harness", harness], {
        toolPrompt: "json-tool",
        plainPrompt: "json-plain",
        timeout: "90",
      });
      assertEquals(converse.reply, "Tool done.");
      assertStringIncludes(converse.tool_calls[0]!.result ?? "", "tool-ran");
      assert(converse.usage !== null && converse.usage.output > 0, JSON.stringify(converse));
    } finally {
      await w.dispose();
    }
  });
}

Deno.test(
  "real claude: a --worktree worker edits its own checkout; stop keeps it",
  opts,
  async () => {
    const w = await world();
    try {
      await initRepo(w.env.project);
      await launch(w, "claude", "tw", ["--worktree"]);
      const tree = `${w.env.project}/.csd-worktrees/tw`;
      const run = await w.env.shim("tw", ["converse", "tree-edit", "90"]);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(Deno.readTextFileSync(`${tree}/shared.txt`), "from-worker\n");
      assertEquals(Deno.readTextFileSync(`${w.env.project}/shared.txt`), "base\n");
      const stop = await w.env.shim("tw", ["stop"]);
      assertStringIncludes(stop.stderr, `kept the worktree "${tree}" (branch "csd/tw")`);
      assert(exists(`${tree}/shared.txt`));
      assertStringIncludes(await git(tree, "status", "--porcelain"), "shared.txt");
    } finally {
      await w.dispose();
    }
  },
);
