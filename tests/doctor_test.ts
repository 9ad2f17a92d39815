/**
 * `csd doctor`: version detection on the real harness binaries of both installed sets, and the
 * error paths (a newer or missing harness, no tmux, no consent, an unsafe worker dir, a node
 * too old for pi) on fake binaries.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { REPO, TestEnv } from "../kit/env.ts";
import { NODE22 } from "../kit/harness_set.ts";
import { TESTED } from "../lib/harness/tested.ts";

interface Check {
  check: string;
  status: string;
  detail: string;
  version?: string | null;
}

async function doctor(env: TestEnv, extra: Record<string, string> = {}) {
  const run = await env.csd(["doctor", "--json"], { env: extra });
  const report = JSON.parse(run.stdout) as { ok: boolean; checks: Check[] };
  const byName = Object.fromEntries(report.checks.map((c) => [c.check, c]));
  return { code: run.code, ok: report.ok, checks: byName, stderr: run.stderr };
}

/** A fake executable printing `output` for any arguments. */
function fakeBinary(dir: string, name: string, output: string): string {
  Deno.mkdirSync(dir, { recursive: true });
  const path = `${dir}/${name}`;
  Deno.writeTextFileSync(path, `#!/bin/sh\necho '${output}'\n`, { mode: 0o755 });
  return path;
}

Deno.test("doctor: the real harnesses of both sets are found, versioned and tested", async () => {
  const env = await TestEnv.create();
  try {
    for (const [folder, versions] of [["harness", "oldest"], ["harness-current", "newest"]]) {
      const bin = `${REPO}/.tools/${folder}/node_modules/.bin`;
      const report = await doctor(env, {
        CSD_CLAUDE_BIN: `${bin}/claude`,
        CSD_CODEX_BIN: `${bin}/codex`,
        CSD_PI_BIN: `${bin}/pi`,
        CSD_PI_NODE: NODE22,
      });
      assertEquals(report.code, 0, JSON.stringify(report.checks));
      for (const name of ["claude", "codex", "pi"] as const) {
        const expected = versions === "oldest" ? TESTED[name].oldest : TESTED[name].newest;
        assertEquals(report.checks[name]?.version, expected);
        assertEquals(report.checks[name]?.status, "ok");
      }
      assertEquals(report.checks["pi node"]?.status, "ok");
      assertStringIncludes(report.checks["pi node"]!.detail, "CSD_PI_NODE");
      assertEquals(report.checks.tmux?.status, "ok");
      assert(/^\d+\.\d+/.test(report.checks.tmux?.version ?? ""), "tmux version");
    }
  } finally {
    await env.dispose();
  }
});

Deno.test("doctor: a newer claude warns naming the newest tested; missing codex/pi only warn", async () => {
  const env = await TestEnv.create();
  try {
    const bin = `${env.root}/fakes`;
    const claude = fakeBinary(bin, "claude", "99.0.1 (Claude Code)");
    const tmuxDir =
      (await new Deno.Command("sh", { args: ["-c", "command -v tmux"], stdout: "piped" })
        .output()).stdout;
    const tmux = new TextDecoder().decode(tmuxDir).trim();
    Deno.symlinkSync(tmux, `${bin}/tmux`);
    const report = await doctor(env, { CSD_CLAUDE_BIN: claude, PATH: bin });
    assertEquals(report.code, 0, JSON.stringify(report.checks));
    assertEquals(report.checks.claude?.status, "warn");
    assertEquals(report.checks.claude?.version, "99.0.1");
    assertStringIncludes(report.checks.claude!.detail, `newest tested, ${TESTED.claude.newest}`);
    assertEquals(report.checks.codex?.status, "warn");
    assertStringIncludes(report.checks.codex!.detail, "CSD_CODEX_BIN");
    assertEquals(report.checks.pi?.status, "warn");

    // The human form: one line per check, the status first.
    const text = await env.csd(["doctor"], { env: { CSD_CLAUDE_BIN: claude, PATH: bin } });
    assertEquals(text.code, 0);
    assert(/^warn +claude +99\.0\.1 /m.test(text.stdout), text.stdout);
  } finally {
    await env.dispose();
  }
});

Deno.test("doctor: exit 1 without claude, without tmux, without consent, or on an unsafe worker dir", async () => {
  const env = await TestEnv.create({ consent: false });
  try {
    const empty = `${env.root}/empty`;
    Deno.mkdirSync(empty);
    let report = await doctor(env, { CSD_CLAUDE_BIN: "", PATH: empty });
    assertEquals(report.code, 1);
    assertEquals(report.ok, false);
    assertEquals(report.checks.tmux?.status, "error");
    assertEquals(report.checks.claude?.status, "error");
    assertStringIncludes(report.checks.claude!.detail, "CSD_CLAUDE_BIN");
    assertEquals(report.checks.consent?.status, "error");
    assertStringIncludes(report.checks.consent!.detail, "csd grant-consent");

    // Another user's folder or a symlink planted as the worker dir.
    Deno.symlinkSync(env.project, env.workerDir);
    report = await doctor(env);
    assertEquals(report.checks["worker dir"]?.status, "error");
    assertStringIncludes(report.checks["worker dir"]!.detail, "symlink");
    Deno.removeSync(env.workerDir);
    Deno.mkdirSync(env.workerDir, { mode: 0o755 });
    Deno.chmodSync(env.workerDir, 0o755);
    report = await doctor(env);
    assertEquals(report.checks["worker dir"]?.status, "warn");
    assertStringIncludes(report.checks["worker dir"]!.detail, "0755");
  } finally {
    await env.dispose();
  }
});

Deno.test("doctor: a pi that needs a newer node than PATH has is a warning naming CSD_PI_NODE", async () => {
  const env = await TestEnv.create();
  try {
    const pkg = `${env.root}/npm/node_modules/@earendil-works/pi-coding-agent`;
    const pi = fakeBinary(`${pkg}/dist`, "cli.js", "1.6.0");
    Deno.writeTextFileSync(
      `${pkg}/package.json`,
      JSON.stringify({
        name: "@earendil-works/pi-coding-agent",
        version: "1.6.0",
        engines: { node: ">=22.19.0" },
      }),
    );
    const bin = `${env.root}/bin`;
    fakeBinary(bin, "node", "v20.1.0");
    const report = await doctor(env, { CSD_PI_BIN: pi, PATH: `${bin}:${Deno.env.get("PATH")}` });
    assertEquals(report.code, 0);
    assertEquals(report.checks.pi?.version, "1.6.0");
    assertEquals(report.checks["pi node"]?.status, "warn");
    assertStringIncludes(report.checks["pi node"]!.detail, "Node 20.1.0");
    assertStringIncludes(report.checks["pi node"]!.detail, "needs Node 22.19.0 or newer");
    assertStringIncludes(report.checks["pi node"]!.detail, "CSD_PI_NODE");
    const fixed = await doctor(env, { CSD_PI_BIN: pi, CSD_PI_NODE: NODE22 });
    assertEquals(fixed.checks["pi node"]?.status, "ok");
  } finally {
    await env.dispose();
  }
});

Deno.test("doctor: the tested ranges are the versions make harnesses installs", () => {
  const makefile = Deno.readTextFileSync(`${REPO}/Makefile`);
  const pin = (name: string) => makefile.match(new RegExp(`^${name} := (\\S+)$`, "m"))?.[1];
  assertEquals(pin("CLAUDE_VERSION"), TESTED.claude.oldest);
  assertEquals(pin("CODEX_VERSION"), TESTED.codex.oldest);
  assertEquals(pin("PI_VERSION"), TESTED.pi.oldest);
  assertEquals(pin("CURRENT_CLAUDE_VERSION"), TESTED.claude.newest);
  assertEquals(pin("CURRENT_CODEX_VERSION"), TESTED.codex.newest);
  assertEquals(pin("CURRENT_PI_VERSION"), TESTED.pi.newest);
  assertEquals(pin("PI_PACKAGE"), TESTED.pi.packages[0]);
  assertEquals(pin("CURRENT_PI_PACKAGE"), TESTED.pi.packages.at(-1));
});
