/**
 * `make install` / `make uninstall` / `make compile`: the installed tree is complete, works with
 * the checkout out of reach (hidden behind an empty mount in a private mount namespace when the
 * machine allows it, and always with a fresh, empty Deno cache), and uninstall removes exactly
 * what install put there.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { REPO, type Run, TestEnv } from "../kit/env.ts";
import { SUBCOMMANDS } from "../commands/registry.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const DENO = `${REPO}/.tools/bin/deno`;
const EXECUTABLES = ["csd", "csd-hook", ...SUBCOMMANDS.map((s) => `csd-${s.name}`)];

/** Runs `make -s -C <checkout> <args>` without any DENORT_BIN of the caller's. */
async function make(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = Deno.env.toObject();
  delete base.DENORT_BIN;
  delete base.MAKEFLAGS;
  delete base.MFLAGS;
  delete base.MAKELEVEL;
  const output = await new Deno.Command("make", {
    args: ["-s", "-C", REPO, ...args],
    env: { ...base, ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: output.code, stdout: d.decode(output.stdout), stderr: d.decode(output.stderr) };
}

/** Every path under `root`, relative, sorted (folders end with "/"). */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory) {
        out.push(`${path}/`);
        walk(`${dir}/${entry.name}`, path);
      } else out.push(path);
    }
  };
  walk(root, "");
  return out.sort();
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** True when this machine lets us hide a folder in a private mount namespace. */
const CAN_HIDE = new Deno.Command("unshare", {
  args: ["-m", "--propagation", "private", "true"],
  stdout: "null",
  stderr: "null",
}).outputSync().success;

Deno.test("make install lays out the tree; reinstall and uninstall are exact", opts, async () => {
  const root = await Deno.makeTempDir({ prefix: "csd-install-" });
  const prefix = `${root}/prefix`;
  try {
    // The user's own files in PREFIX survive install and uninstall.
    await Deno.mkdir(`${prefix}/bin`, { recursive: true });
    await Deno.mkdir(`${prefix}/share/doc`, { recursive: true });
    Deno.writeTextFileSync(`${prefix}/bin/other-tool`, "#!/bin/sh\n");
    Deno.writeTextFileSync(`${prefix}/share/doc/keep.txt`, "keep\n");
    const before = tree(prefix);

    const install = await make(["install", `PREFIX=${prefix}`]);
    assertEquals(install.code, 0, install.stderr);
    assertStringIncludes(install.stdout, "bundled form");
    for (const name of EXECUTABLES) {
      const info = Deno.statSync(`${prefix}/bin/${name}`);
      assertEquals(info.mode! & 0o755, 0o755, name);
      if (name !== "csd") {
        const text = Deno.readTextFileSync(`${prefix}/bin/${name}`);
        assert(text.length < 1024, `${name} is a small wrapper`);
        assertStringIncludes(text, `CSD_BIN_DIR='${prefix}/bin'`);
        assertStringIncludes(text, `'${prefix}/lib/csd/deno' run`);
        assertStringIncludes(text, `'${prefix}/lib/csd/bundle/${name}.js'`);
      }
    }
    assertStringIncludes(Deno.readTextFileSync(`${prefix}/bin/csd`), `bin='${prefix}/bin'`);
    assert(Deno.statSync(`${prefix}/lib/csd/deno`).size > 10_000_000, "a whole Deno runtime");
    assert(Deno.statSync(`${prefix}/lib/csd/pi`).isDirectory, "the Pi extension's place");
    if (exists(`${REPO}/pi/csd_extension.ts`)) {
      // Bundled for Node, and where csd looks for it: next to its executables.
      const extension = Deno.readTextFileSync(`${prefix}/bin/csd-pi-extension.js`);
      assertEquals(extension, Deno.readTextFileSync(`${prefix}/lib/csd/pi/csd-pi-extension.js`));
      assert(!/from "(npm|jsr|\.\.?\/)/.test(extension), "nothing left to resolve at run time");
    }
    for (const rel of ["skill/SKILL.md", ".claude-plugin/plugin.json"]) {
      assertEquals(
        Deno.readTextFileSync(`${prefix}/share/csd/${rel}`),
        Deno.readTextFileSync(`${REPO}/${rel}`),
      );
    }
    // The JSON Schemas of the --json outputs, for agents that validate what they parse.
    for (const entry of Deno.readDirSync(`${REPO}/schema`)) {
      assertEquals(
        Deno.readTextFileSync(`${prefix}/share/csd/schema/${entry.name}`),
        Deno.readTextFileSync(`${REPO}/schema/${entry.name}`),
      );
    }
    // Nothing in the installed tree points back into the checkout.
    for (const path of tree(prefix).filter((p) => !p.endsWith("/") && !p.endsWith("deno"))) {
      const text = Deno.readTextFileSync(`${prefix}/${path}`);
      assert(!text.includes(REPO), `${path} names the checkout`);
    }
    const installed = tree(prefix);

    const again = await make(["install", `PREFIX=${prefix}`]);
    assertEquals(again.code, 0, again.stderr);
    assertEquals(tree(prefix), installed, "a reinstall replaces the install whole");

    const uninstall = await make(["uninstall", `PREFIX=${prefix}`]);
    assertEquals(uninstall.code, 0, uninstall.stderr);
    assertEquals(tree(prefix), before, "exactly what install added is gone");
    const twice = await make(["uninstall", `PREFIX=${prefix}`]);
    assert(twice.code !== 0);
    assertStringIncludes(twice.stderr, "nothing to uninstall");

    // A PREFIX that install created goes away with the uninstall.
    const fresh = `${root}/fresh/prefix`;
    assertEquals((await make(["install", `PREFIX=${fresh}`])).code, 0);
    assertEquals((await make(["uninstall", `PREFIX=${fresh}`])).code, 0);
    assert(!exists(fresh), "the prefix install created is removed");
    assert(exists(`${root}/fresh`), "but not its parent, which install did not create");

    const relative = await make(["install", "PREFIX=relative/prefix"]);
    assertEquals(relative.code !== 0, true);
    assertStringIncludes(relative.stderr, "PREFIX must be an absolute path");
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
});

Deno.test(
  `the installed tree drives a worker with the checkout out of reach${
    CAN_HIDE ? " (hidden by a mount)" : " (NOT hidden: unshare is not permitted here)"
  } and an empty Deno cache`,
  opts,
  async () => {
    const root = await Deno.makeTempDir({ prefix: "csd-installed-" });
    const prefix = `${root}/prefix`;
    const env = await TestEnv.create();
    try {
      assertEquals((await make(["install", `PREFIX=${prefix}`])).code, 0);
      // The fake agent, outside the checkout, on the installed Deno: its entry and its modules'
      // folder, which import only each other (see the header of fake_claude.ts).
      await Deno.mkdir(`${root}/fake/fake`, { recursive: true });
      Deno.copyFileSync(`${REPO}/tests/support/fake_claude.ts`, `${root}/fake/fake_claude.ts`);
      for (const module of Deno.readDirSync(`${REPO}/tests/support/fake`)) {
        Deno.copyFileSync(
          `${REPO}/tests/support/fake/${module.name}`,
          `${root}/fake/fake/${module.name}`,
        );
      }
      Deno.writeTextFileSync(
        `${root}/fake/claude`,
        `#!/bin/sh\nexec '${prefix}/lib/csd/deno' run -A --no-check --quiet --no-config ` +
          `'${root}/fake/fake_claude.ts' "$@"\n`,
        { mode: 0o755 },
      );
      env.vars.CSD_CLAUDE_BIN = `${root}/fake/claude`;
      env.vars.DENO_DIR = `${root}/empty-deno-dir`;
      env.script({ rules: [{ match: "long", text: "finally", delayMs: 4000 }] });

      // Every call runs in a fresh mount namespace where the checkout is an empty folder.
      const run = (program: string, args: string[], extra: Record<string, string> = {}) =>
        CAN_HIDE
          ? env.exec("unshare", [
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            'mount -t tmpfs -o size=1m,mode=0555 csd-hidden "$0" && exec "$@"',
            REPO,
            program,
            ...args,
          ], { env: extra })
          : env.exec(program, args, { env: extra });
      const csd = (...args: string[]) => run(`${prefix}/bin/csd`, args);
      const shim = (name: string, ...args: string[]) => run(`${env.workerDir}/bin/${name}`, args);

      if (CAN_HIDE) assertEquals((await run("ls", ["-A", REPO])).stdout, "", "checkout hidden");
      const help = await csd("help");
      assertEquals(help.code, 0, help.stderr);
      assertStringIncludes(help.stdout, "csd launch");

      const launch = await csd("launch", "inst", env.project);
      assertEquals(launch.code, 0, launch.stderr);
      assertEquals(launch.stdout, `${env.workerDir}/bin/inst\n`);
      // Shims and hook settings point at the installed executables.
      assertStringIncludes(
        Deno.readTextFileSync(`${env.workerDir}/bin/inst`),
        `${prefix}/bin/csd-`,
      );
      assertStringIncludes(
        Deno.readTextFileSync(`${env.workerDir}/inst.settings.json`),
        `${prefix}/bin/csd-hook`,
      );

      const reply = await shim("inst", "converse", "hello from the installed tree", "30");
      assertEquals(reply.code, 0, reply.stderr);
      assertEquals(reply.stdout, "fake reply: hello from the installed tree\n");
      assertEquals(env.events("inst").map((e) => e.event), [
        "session_start",
        "user_prompt_submit",
        "stop",
      ]);
      assertStringIncludes((await shim("inst", "read-turn")).stdout, "## Prompt");
      assertEquals((await csd("--worker", "inst", "status")).stdout, "idle\n");

      // The timeout diagnostic lists the process tree from the installed tree too.
      const diag = `${env.root}/diag.txt`;
      const slow = await run(`${env.workerDir}/bin/inst`, ["converse", "a long job", "1"], {
        CSD_CONVERSE_DIAG_FILE: diag,
      });
      assertEquals(slow.code, 124, slow.stderr);
      const tree = Deno.readTextFileSync(diag).split("## pane")[0]!;
      assertStringIncludes(tree, "fake_claude.ts", "the process tree was listed");
      assertEquals((await shim("inst", "wait-for-turn", "30")).code, 0);

      // adopt (its bundle inlines launch's module, whose own main must not run).
      const sid = (await shim("inst", "session-id")).stdout.trim();
      assertEquals((await shim("inst", "stop")).code, 0);
      const adopt = await csd("adopt", "inst", env.project, sid);
      assertEquals(adopt.code, 0, adopt.stderr);
      assertEquals(
        (await shim("inst", "converse", "back again", "30")).stdout,
        "fake reply: back again\n",
      );
      assertEquals((await shim("inst", "stop")).code, 0);
      assertEquals((await csd("list", "--all")).stdout.split("\n").length, 2, "header only");
    } finally {
      await env.dispose();
      await make(["uninstall", `PREFIX=${prefix}`]);
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
);

Deno.test("install prefers compiled executables built after the bundles", opts, async () => {
  const root = await Deno.makeTempDir({ prefix: "csd-install-compiled-" });
  const prefix = `${root}/prefix`;
  const compiled = `${root}/compile`;
  try {
    assertEquals((await make(["bundle"])).code, 0);
    await Deno.mkdir(compiled);
    for (const name of EXECUTABLES.filter((n) => n !== "csd")) {
      Deno.writeTextFileSync(`${compiled}/${name}`, `#!/bin/sh\necho compiled ${name}\n`, {
        mode: 0o755,
      });
    }
    const install = (compileDir: string) =>
      new Deno.Command("bash", {
        args: [
          `${REPO}/tools/install.sh`,
          "install",
          prefix,
          REPO,
          DENO,
          `${REPO}/build/bundle`,
          compileDir,
        ],
      }).output();

    // A compile older than the bundles is stale: the bundled form is installed.
    Deno.writeTextFileSync(`${compiled}/.stamp`, "");
    Deno.utimeSync(`${compiled}/.stamp`, new Date(0), new Date(0));
    assert((await install(compiled)).success);
    assert(exists(`${prefix}/lib/csd/deno`), "stale compile: bundled form");

    Deno.utimeSync(`${compiled}/.stamp`, new Date(), new Date(Date.now() + 60_000));
    assert((await install(compiled)).success);
    assertEquals(
      Deno.readTextFileSync(`${prefix}/bin/csd-status`),
      "#!/bin/sh\necho compiled csd-status\n",
    );
    assert(!exists(`${prefix}/lib/csd/deno`), "no Deno runtime next to compiled executables");
    assert(!exists(`${prefix}/lib/csd/bundle`), "no bundles next to compiled executables");
    assertEquals((await make(["uninstall", `PREFIX=${prefix}`])).code, 0);
    assert(!exists(prefix));
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
});

Deno.test("make compile explains what it needs when it cannot build", opts, async () => {
  const unset = await make(["compile"]);
  assert(unset.code !== 0);
  assertStringIncludes(unset.stderr, "DENORT_BIN is not set");
  assertStringIncludes(unset.stderr, "cannot reach");
  assertStringIncludes(unset.stderr, "make compile DENORT_BIN=/path/to/denort");

  const missing = await make(["compile", "DENORT_BIN=/nonexistent/denort"]);
  assert(missing.code !== 0);
  assertStringIncludes(missing.stderr, "DENORT_BIN=/nonexistent/denort is not an executable file");

  // The full deno CLI is not a denort: caught after the first executable, not in a worker.
  const cli = Deno.realPathSync(DENO);
  const wrong = await make(["compile", `DENORT_BIN=${cli}`]);
  assert(wrong.code !== 0);
  assertStringIncludes(wrong.stderr, `DENORT_BIN=${cli} is not a denort`);
});
