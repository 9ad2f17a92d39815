/**
 * Shell quoting (lib/shell.ts) and the worker start script (lib/worker/start_script.ts), checked by
 * running what they produce under /bin/sh: hostile words must come back byte for byte.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { shellJoin, shellQuote } from "../lib/shell.ts";
import { renderStartScript } from "../lib/worker/start_script.ts";

const HOSTILE = [
  "",
  " ",
  "plain",
  "it's",
  "''",
  '"double"',
  "$(touch pwned)",
  "`touch pwned`",
  "${HOME}",
  "$PATH",
  "$(id)",
  "a;b|c&d",
  "line\nbreak",
  "tab\there",
  "*",
  "~",
  "#comment",
  "back\\slash",
  "ünïcödé ✓",
  "-n",
];

async function sh(args: string[], cwd: string): Promise<{ code: number; stdout: string }> {
  const out = await new Deno.Command("/bin/sh", {
    args,
    cwd,
    env: { PATH: "/usr/bin:/bin" },
    clearEnv: true,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

Deno.test("shellQuote() leaves plain words readable and quotes the rest", () => {
  assertEquals(shellQuote("csd-test_1/a.b,c:d=e@f%g+h"), "csd-test_1/a.b,c:d=e@f%g+h");
  assertEquals(shellQuote(""), "''");
  assertEquals(shellQuote("a b"), "'a b'");
  assertEquals(shellQuote("it's"), `'it'\\''s'`);
  assertEquals(shellJoin(["echo", "a b"]), "echo 'a b'");
});

Deno.test("shellJoin() words come back from /bin/sh byte for byte", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csd-shell-" });
  try {
    const run = await sh(["-c", shellJoin(["printf", "%s\\0", ...HOSTILE])], dir);
    assertEquals(run.code, 0);
    assertEquals(run.stdout.split("\0").slice(0, -1), HOSTILE);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [], "nothing was executed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderStartScript() passes env, cwd and argv verbatim, records the status, self-deletes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csd-start-" });
  try {
    const cwd = `${dir}/it's a $(dir)`;
    await Deno.mkdir(cwd);
    const script = `${dir}/start.sh`;
    const env: Record<string, string> = { PATH: "/usr/bin:/bin" };
    HOSTILE.forEach((value, i) => env[`CSD_V${i}`] = value);
    env["BAD-NAME"] = "dropped";
    env["1BAD"] = "dropped";
    // The child prints its cwd, argv and the env it got, NUL-separated, then exits 7.
    const probe = 'pwd; printf "%s\\0" "$@"; printf "\\1"; env -0; exit 7';
    Deno.writeTextFileSync(
      script,
      renderStartScript({
        workerName: "w1",
        cwd,
        env,
        argv: ["/bin/sh", "-c", probe, "probe", ...HOSTILE],
        exitStatusFile: `${dir}/status`,
      }),
    );
    const run = await sh([script], dir);
    assertEquals(run.code, 7);
    assertEquals(Deno.readTextFileSync(`${dir}/status`), "7\n");
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(left, ["it's a $(dir)", "status"], "the script removed itself");

    const [head, envText] = run.stdout.split("\x01") as [string, string];
    const newline = head.indexOf("\n");
    assertEquals(head.slice(0, newline), cwd);
    assertEquals(head.slice(newline + 1).split("\0").slice(0, -1), HOSTILE);
    const got = new Map(
      envText.split("\0").filter(Boolean).map((
        kv,
      ) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    HOSTILE.forEach((value, i) => assertEquals(got.get(`CSD_V${i}`), value, `CSD_V${i}`));
    assert(!got.has("BAD-NAME") && !got.has("1BAD"), "invalid names are not exported");
    assertEquals(got.get("TERM"), "xterm-256color", "TERM from the pane, else the default");
    assertEquals([...Deno.readDirSync(cwd)], [], "nothing was executed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
