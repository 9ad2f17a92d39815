/**
 * skill/SKILL.md tells a controller agent how to use csd; this runs what it says. Every line of
 * every sh/bash block, in document order, is executed as its own `sh -c` (a controller's tool
 * call: no shell state between lines) in an isolated TestEnv against the scripted fake agent,
 * with `csd` on PATH from the tree under test, `/tmp/csd-workers` rewritten to the test's worker
 * dir and `/path/to/project` to its project. Its exit code must be 0, or N when the line ends
 * with `# exit N`; a line ending with `# stdout: X` must print exactly X. `<session-id>` is the
 * output of the latest `session-id` line.
 */
import { WORKER_SUBCOMMANDS } from "../lib/shim.ts";
import { assert, assertEquals } from "./support/assert.ts";
import { BIN, REPO, TestEnv } from "./support/env.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SKILL = `${REPO}/skill/SKILL.md`;

/** One runnable line of the skill, with what the document says about its outcome. */
export interface Example {
  /** 1-based line number in SKILL.md (of the first line, for continued lines). */
  line: number;
  command: string;
  exit: number;
  stdout: string | null;
}

/** The lines of the sh/bash blocks of a markdown document, with their annotations. */
export function examples(markdown: string): Example[] {
  const found: Example[] = [];
  let inBlock = false;
  let runnable = false;
  let pending: { line: number; text: string } | null = null;
  markdown.split("\n").forEach((raw, index) => {
    const fence = raw.match(/^```(\S*)/);
    if (fence) {
      if (inBlock) {
        if (pending) throw new Error(`SKILL.md:${pending.line}: "\\" continues past the block`);
        inBlock = false;
      } else {
        inBlock = true;
        runnable = fence[1] === "sh" || fence[1] === "bash";
      }
      return;
    }
    if (!inBlock || !runnable) return;
    const text = pending ? `${pending.text}\n${raw}` : raw;
    const line = pending?.line ?? index + 1;
    if (raw.endsWith("\\")) {
      pending = { line, text };
      return;
    }
    pending = null;
    if (text.trim() === "" || text.trim().startsWith("#")) return;
    if (text.includes("<<")) {
      throw new Error(`SKILL.md:${line}: heredocs cannot be run line by line`);
    }
    const exit = text.match(/#\s*exit (\d+)\s*$/);
    const stdout = text.match(/#\s*stdout: (.*)$/);
    found.push({
      line,
      command: text,
      exit: exit ? Number(exit[1]) : 0,
      stdout: stdout ? stdout[1]!.trim() : null,
    });
  });
  return found;
}

/** The top-level subcommands (the per-worker ones are the shim's list). */
const TOP_LEVEL_SUBCOMMANDS = [
  "launch",
  "adopt",
  "list",
  "prune",
  "grant-consent",
  "doctor",
  "help",
  "wait",
];

Deno.test("examples() reads sh blocks, continuations and annotations", () => {
  const doc = [
    "```sh",
    "csd launch a /p   # stdout: /tmp/csd-workers/bin/a",
    "# a comment",
    "",
    "x converse \\",
    '  "hi" 5   # exit 124',
    "```",
    "```text",
    "not run",
    "```",
    "```bash",
    "csd help",
    "```",
  ].join("\n");
  assertEquals(examples(doc), [
    {
      line: 2,
      command: "csd launch a /p   # stdout: /tmp/csd-workers/bin/a",
      exit: 0,
      stdout: "/tmp/csd-workers/bin/a",
    },
    { line: 5, command: 'x converse \\\n  "hi" 5   # exit 124', exit: 124, stdout: null },
    { line: 12, command: "csd help", exit: 0, stdout: null },
  ]);
});

Deno.test("every command example in skill/SKILL.md runs as documented", opts, async () => {
  // No consent yet: the skill's own `csd grant-consent` must provide it.
  const env = await TestEnv.create({ consent: false });
  env.script({
    rules: [
      {
        match: "OpenAPI spec",
        tool: { command: "printf 'openapi: 3.0.3\\npaths:\\n  /users: {}\\n' > api.yaml" },
        text: "Wrote api.yaml.",
      },
      { match: "Implement the endpoint", tool: { command: "cat api.yaml" }, text: "Implemented." },
      { match: "Run the tests", tool: { command: "echo '3 passed'" }, text: "All 3 tests pass." },
      { match: "slow migration", delayMs: 8000, text: "Migration done." },
      { match: "Deploy the preview", fail: "API Error: 529 overloaded" },
    ],
  });
  const rewrite = (command: string, sessionId: string) =>
    command
      .replaceAll("/tmp/csd-workers", env.workerDir)
      .replaceAll("/path/to/project", env.project)
      .replaceAll("-path-to-project", env.project.replace(/[^a-zA-Z0-9]/g, "-"))
      .replaceAll("<session-id>", sessionId);
  try {
    const all = examples(Deno.readTextFileSync(SKILL));
    let sessionId = "<no session-id line ran yet>";
    for (const example of all) {
      const command = rewrite(example.command, sessionId);
      const run = await env.exec("sh", ["-c", command], {
        env: { PATH: `${BIN}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}` },
      });
      const where =
        `SKILL.md:${example.line}: ${command}\nstdout: ${run.stdout}stderr: ${run.stderr}`;
      assertEquals(run.code, example.exit, where);
      if (example.stdout !== null) {
        assertEquals(run.stdout.trim(), rewrite(example.stdout, sessionId), where);
      }
      if (/ session-id\s*$/.test(example.command)) sessionId = run.stdout.trim();
    }

    // The examples cover the whole surface, and what they claim happened did.
    const text = all.map((e) => e.command).join("\n");
    for (const sub of [...TOP_LEVEL_SUBCOMMANDS, ...WORKER_SUBCOMMANDS]) {
      assert(new RegExp(`(csd|bin/[a-z-]+) ${sub}\\b`).test(text), `no example runs ${sub}`);
    }
    assert(all.length >= 60, `only ${all.length} examples`);
    assertEquals(
      Deno.readTextFileSync(`${env.project}/TASK.md`),
      "Read SPEC.md.\nImplement it, with tests.\n",
    );
  } finally {
    await env.dispose();
  }
});
