/**
 * The subcommand registry (commands/registry.ts) is the one list: every other list is derived
 * from it, and these tests fail when one disagrees (a module without an entry, a stale
 * tools/subcommands.sh, a dispatcher or shim that routes a name elsewhere).
 */
import { assertEquals, assertStringIncludes } from "./support/assert.ts";
import { REPO as root } from "../kit/env.ts";
import {
  NOT_WIRED_YET,
  renderShellList,
  subcommandNames,
  SUBCOMMANDS,
} from "../commands/registry.ts";
import { HELP } from "../commands/help.ts";
import { renderShim } from "../lib/worker/shim.ts";

async function run(cmd: string, args: string[], cwd = root) {
  const output = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

Deno.test("registry: every command module has an entry and every entry a module", () => {
  const modules = [...Deno.readDirSync(`${root}/commands`)]
    .map((entry) => entry.name)
    .filter((name) => name.endsWith(".ts") && name !== "registry.ts")
    .map((name) => name.slice(0, -3))
    .filter((name) => !NOT_WIRED_YET.includes(name))
    .sort();
  assertEquals(
    SUBCOMMANDS.map((sub) => sub.name).sort(),
    modules,
    "commands/registry.ts and commands/*.ts differ",
  );
});

Deno.test("registry: tools/subcommands.sh is generated from it (make subcommands)", () => {
  assertEquals(
    Deno.readTextFileSync(`${root}/tools/subcommands.sh`),
    renderShellList(),
    "tools/subcommands.sh is stale: run make subcommands",
  );
});

Deno.test("registry: the Makefile's SUBCOMMANDS equals it", async () => {
  const make = await run("make", ["-s", "--no-print-directory", "-f", "Makefile", "-pn", "clean"]);
  const line = make.stdout.split("\n").find((l) => l.startsWith("SUBCOMMANDS := "));
  assertEquals(line?.slice("SUBCOMMANDS := ".length).split(" "), SUBCOMMANDS.map((s) => s.name));
});

Deno.test("registry: csd help shows every subcommand", () => {
  for (const sub of SUBCOMMANDS) {
    const prefix = sub.scope === "top" ? "csd" : "<shim>";
    assertStringIncludes(HELP, `\n  ${prefix} ${sub.name}${sub.usage ? " " : "\n"}`);
  }
});

Deno.test("registry: the shim dispatches exactly the worker subcommands", () => {
  const shim = renderShim("w", "/tmp/wd", "/b");
  const pattern = shim.split("\n").find((l) => l.includes(") shift; exec"))!;
  assertEquals(pattern.trim().split(")")[0]!.split("|"), subcommandNames("worker"));
});

Deno.test("registry: the dispatcher routes each name by its scope", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "csd-registry-" });
  try {
    // Stand-in executables that print how they were called.
    for (const sub of SUBCOMMANDS) {
      const file = `${dir}/csd-${sub.name}`;
      Deno.writeTextFileSync(file, `#!/bin/sh\necho "${sub.name} $*"\n`, { mode: 0o755 });
    }
    const csd = `${dir}/csd`;
    assertEquals((await run("bash", [`${root}/tools/dispatcher.sh`, csd, dir])).code, 0);
    for (const sub of SUBCOMMANDS) {
      const direct = await run(csd, [sub.name, "x"]);
      const viaWorker = await run(csd, ["--worker", "w", sub.name, "x"]);
      if (sub.scope === "top") {
        // help takes no arguments: the dispatcher drops them.
        const args = sub.name === "help" ? "" : "x";
        assertEquals(direct, { code: 0, stdout: `${sub.name} ${args}\n`, stderr: "" });
        assertEquals(viaWorker.code, 2, sub.name);
      } else {
        assertEquals(direct.code, 2, sub.name);
        assertStringIncludes(direct.stderr, "acts on a worker");
        assertEquals(viaWorker, { code: 0, stdout: `${sub.name} --worker w x\n`, stderr: "" });
      }
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("registry: README's command table lists every subcommand", () => {
  const readme = Deno.readTextFileSync(`${root}/README.md`);
  const rows = readme.split("\n").filter((line) => line.startsWith("| `"));
  for (const sub of SUBCOMMANDS) {
    const prefix = sub.scope === "top" ? "csd" : "<shim>";
    const listed = rows.some((row) => new RegExp(`\`${prefix} ${sub.name}[ \`]`).test(row));
    assertEquals(listed, true, `README has no row for ${prefix} ${sub.name}`);
  }
});
