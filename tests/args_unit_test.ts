/**
 * The pure argument parsers, in-process and case by case (deployctl style): lib/cli/main.ts,
 * lib/cli/worker_args.ts, the worker-name check and the launch/adopt parsers. The end-to-end
 * tests (cli_errors_test.ts) check that a UsageError becomes exit 2 with a usage line.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { parse, parseCount, parseSeconds, splitPassThrough, stringFlag } from "../lib/cli/main.ts";
import { ExitCode, UsageError } from "../lib/cli/errors.ts";
import { maxPositionals, parseWorkerCommand } from "../lib/cli/worker_args.ts";
import { requireWorkerFlag, validateWorkerName } from "../lib/worker/worker.ts";
import { parseLaunchArgs } from "../commands/launch.ts";
import { parseAdoptArgs } from "../commands/adopt.ts";

/** Asserts `fn` throws a UsageError (exit 2) whose message contains every one of `parts`. */
function assertUsage(fn: () => unknown, ...parts: string[]): void {
  let error: unknown = null;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  assert(error instanceof UsageError, `expected a UsageError, got ${error}`);
  assertEquals(error.exitCode, ExitCode.usage);
  for (const part of parts) {
    assert(error.message.includes(part), `${JSON.stringify(error.message)} lacks ${part}`);
  }
}

const SESSION = "0192e3c9-5435-47ad-9f5e-99447716cc22";

Deno.test("parse() reads flags in both spellings, keeps positionals in order, knows -h", () => {
  const options = { harness: { type: "string" }, full: { type: "boolean" } } as const;
  const parsed = parse(["a", "--harness", "pi", "b", "--full"], options);
  assertEquals({ ...parsed.values }, { harness: "pi", full: true });
  assertEquals([parsed.positionals, parsed.help], [["a", "b"], false]);
  assertEquals(parse(["--harness=codex"], options).values.harness, "codex");
  const empty = parse([], options);
  assertEquals([{ ...empty.values }, empty.positionals, empty.help], [{}, [], false]);
  assertEquals(parse(["-h"]).help, true);
  assertEquals(parse(["x", "--help"]).help, true);
});

Deno.test("parse() turns node's strict-mode errors into UsageErrors", () => {
  const options = { harness: { type: "string" }, full: { type: "boolean" } } as const;
  assertUsage(() => parse(["--bogus"], options), "--bogus");
  assertUsage(() => parse(["-x"], options), "-x");
  assertUsage(() => parse(["--harness"], options), "--harness");
  assertUsage(() => parse(["--full=yes"], options), "--full");
});

Deno.test("splitPassThrough() splits at the first -- only", () => {
  assertEquals(splitPassThrough(["a", "b"]), { own: ["a", "b"], rest: [] });
  assertEquals(splitPassThrough(["a", "--", "b", "--", "c"]), {
    own: ["a"],
    rest: ["b", "--", "c"],
  });
  assertEquals(splitPassThrough(["a", "--"]), { own: ["a"], rest: [] });
  assertEquals(splitPassThrough(["--", "a"]), { own: [], rest: ["a"] });
});

Deno.test("stringFlag() returns string values only", () => {
  const parsed = parse(["--name", "w", "--on"], {
    name: { type: "string" },
    on: { type: "boolean" },
  });
  assertEquals(stringFlag(parsed, "name"), "w");
  assertEquals(stringFlag(parsed, "on"), undefined);
  assertEquals(stringFlag(parsed, "absent"), undefined);
});

Deno.test("parseSeconds() accepts positive decimals and refuses everything else", () => {
  for (const [text, value] of [["30", 30], ["0.5", 0.5], ["1.25", 1.25], ["007", 7]] as const) {
    assertEquals(parseSeconds(text, "timeout"), value, text);
  }
  for (
    const text of ["0", "0.0", "-1", "", " 5", "5 ", ".5", "5.", "1e3", "0x10", "Infinity", "abc"]
  ) {
    assertUsage(() => parseSeconds(text, "timeout"), `Invalid timeout: "${text}"`);
  }
  assertUsage(() => parseSeconds("x", "CSD_SUBMIT_TIMEOUT"), "CSD_SUBMIT_TIMEOUT", '"x"');
});

Deno.test("parseCount() accepts non-negative integers only", () => {
  for (const [text, value] of [["0", 0], ["12", 12], ["007", 7]] as const) {
    assertEquals(parseCount(text, "--last"), value, text);
  }
  for (const text of ["-1", "1.5", "", "x", "1e2", " 3"]) {
    assertUsage(() => parseCount(text, "--last"), `Invalid --last: "${text}"`);
  }
});

Deno.test("validateWorkerName() allows 1-64 of [A-Za-z0-9_-], not starting with _ or -", () => {
  for (const name of ["w", "W1", "a_b-c", "0", "x".repeat(64)]) {
    assertEquals(validateWorkerName(name), name);
  }
  for (const name of ["", "_a", "-a", "a.b", "a:b", "a b", "a/b", "é", "x".repeat(65), "a\n"]) {
    assertUsage(() => validateWorkerName(name), `Invalid worker name "${name}"`);
  }
  assertEquals(requireWorkerFlag("w1"), "w1");
  assertUsage(() => requireWorkerFlag(undefined), "--worker");
  assertUsage(() => requireWorkerFlag(""), "--worker");
  assertUsage(() => requireWorkerFlag("a.b"), '"a.b"');
});

Deno.test("parseWorkerCommand() needs a valid --worker and takes the command's own flags", () => {
  const help = "x — test\n\nUSAGE:\n  x [--full]\n";
  const command = parseWorkerCommand(
    ["--worker", "w1", "--full", "one"],
    { full: { type: "boolean" } },
    help,
  );
  assertEquals(command?.name, "w1");
  assertEquals(command?.parsed.values.full, true);
  assertEquals(command?.parsed.positionals, ["one"]);
  assertEquals(parseWorkerCommand(["--worker=w2"], {}, help)?.name, "w2");
  assertUsage(() => parseWorkerCommand([], {}, help), "--worker");
  assertUsage(() => parseWorkerCommand(["--worker", "a:b"], {}, help), '"a:b"');
  assertUsage(() => parseWorkerCommand(["--worker", "w1", "--full"], {}, help), "--full");
});

Deno.test("maxPositionals() names the first argument too many", () => {
  const parsed = parse(["a", "b", "c"]);
  maxPositionals(parsed, 3);
  assertUsage(() => maxPositionals(parsed, 1), 'Unexpected argument "b"');
  assertUsage(() => maxPositionals(parsed, 0), 'Unexpected argument "a"');
});

Deno.test("parseLaunchArgs() reads harness, name, cwd and the pass-through arguments", () => {
  assertEquals(parseLaunchArgs(["w1", "/tmp"]), {
    help: false,
    harness: "claude",
    name: "w1",
    cwd: "/tmp",
    args: [],
    json: false,
  });
  assertEquals(parseLaunchArgs(["--harness", "codex", "w1", "/tmp", "--", "--model", "x"]), {
    help: false,
    harness: "codex",
    name: "w1",
    cwd: "/tmp",
    args: ["--model", "x"],
    json: false,
  });
  assertEquals(parseLaunchArgs(["w1", "--harness=pi", "/tmp"]), {
    help: false,
    harness: "pi",
    name: "w1",
    cwd: "/tmp",
    args: [],
    json: false,
  });
  assertEquals(parseLaunchArgs(["--json", "--worktree", "w1", "/tmp"]), {
    help: false,
    harness: "claude",
    name: "w1",
    cwd: "/tmp",
    args: [],
    json: true,
    worktree: {},
  });
  // --worktree takes a branch when three positionals follow it, or with "=".
  for (
    const argv of [
      ["--worktree", "feature/x", "w1", "/tmp"],
      ["--worktree=feature/x", "w1", "/tmp"],
      ["w1", "--worktree", "feature/x", "/tmp"],
    ]
  ) {
    const parsed = parseLaunchArgs(argv);
    assertEquals(parsed.help ? null : [parsed.worktree, parsed.name, parsed.cwd], [
      { branch: "feature/x" },
      "w1",
      "/tmp",
    ], argv.join(" "));
  }
  assertEquals(parseLaunchArgs(["-h"]), { help: true });
  assertEquals(parseLaunchArgs(["w1", "/tmp", "--help"]), { help: true });
});

Deno.test("parseLaunchArgs() refuses a bad harness, missing or extra arguments", () => {
  assertUsage(() => parseLaunchArgs(["--harness", "gpt", "w", "/tmp"]), '"gpt"');
  assertUsage(() => parseLaunchArgs(["--harness", "Claude", "w", "/tmp"]), '"Claude"');
  assertUsage(() => parseLaunchArgs([]), "<name>", "<cwd>");
  assertUsage(() => parseLaunchArgs(["w1"]), "<cwd>");
  assertUsage(() => parseLaunchArgs(["w1", "/tmp", "extra"]), '"extra"');
  assertUsage(() => parseLaunchArgs(["--bogus", "w1", "/tmp"]), "--bogus");
});

Deno.test("parseAdoptArgs() reads harness, name, cwd, session id and pass-through arguments", () => {
  assertEquals(parseAdoptArgs(["w1", "/tmp", SESSION]), {
    help: false,
    harness: "claude",
    name: "w1",
    cwd: "/tmp",
    sessionId: SESSION,
    args: [],
  });
  assertEquals(parseAdoptArgs(["--harness", "pi", "w1", "/tmp", "abcdefgh", "--", "x"]), {
    help: false,
    harness: "pi",
    name: "w1",
    cwd: "/tmp",
    sessionId: "abcdefgh",
    args: ["x"],
  });
  assertEquals(parseAdoptArgs(["--help"]), { help: true });
});

Deno.test("parseAdoptArgs() refuses a bad session id, a bad harness, missing or extra arguments", () => {
  for (const id of ["short", "../../../etc/passwd", "_abcdefgh", "abc defgh", "x".repeat(129)]) {
    assertUsage(() => parseAdoptArgs(["w1", "/tmp", id]), `"${id}"`);
  }
  assertEquals(parseAdoptArgs(["w1", "/tmp", "x".repeat(128)]).help, false);
  assertUsage(() => parseAdoptArgs(["--harness", "gpt", "w1", "/tmp", SESSION]), '"gpt"');
  assertUsage(() => parseAdoptArgs(["w1", "/tmp"]), "<session-id>");
  assertUsage(() => parseAdoptArgs(["w1", "/tmp", SESSION, "extra"]), '"extra"');
});

Deno.test("parseLaunchArgs() and parseAdoptArgs() read --target", () => {
  assertEquals(parseLaunchArgs(["--target", "ssh://box", "w1", "/srv"]), {
    help: false,
    harness: "claude",
    name: "w1",
    cwd: "/srv",
    args: [],
    json: false,
    target: "ssh://box",
  });
  const adopt = parseAdoptArgs(["--target=docker://c1", "w1", "/srv", "0123456789abcdef"]);
  assertEquals(adopt.help ? undefined : adopt.target, "docker://c1");
});
