/**
 * lib/cli/config.ts is the one list of CSD_* variables: README's table, `csd help` and the source
 * must agree with it (a variable read in code but missing from the table, or a default that
 * drifted between README and code, fails here).
 */
import { CONFIG, environmentHelp, secondsSetting } from "../lib/cli/config.ts";
import { HELP } from "../commands/help.ts";
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { REPO } from "../kit/env.ts";

const user = CONFIG.filter((entry) => entry.scope === "user");

/** README's environment table: variable → default cell, backticks dropped. */
function readmeTable(): Map<string, string> {
  const readme = Deno.readTextFileSync(`${REPO}/README.md`);
  const section = readme.split("## Environment variables")[1]!.split("\n## ")[0]!;
  const rows = new Map<string, string>();
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const name = cells[1]?.match(/^`(CSD_\w+)`$/)?.[1];
    if (name) rows.set(name, cells[3]!.replaceAll("`", ""));
  }
  return rows;
}

Deno.test("config: README's table lists every user variable with the same default", () => {
  const table = readmeTable();
  assertEquals([...table.keys()].sort(), user.map((entry) => entry.name).sort());
  for (const entry of user) assertEquals(table.get(entry.name), entry.default, entry.name);
});

Deno.test("config: README names every variable csd sets in a worker", () => {
  const readme = Deno.readTextFileSync(`${REPO}/README.md`);
  for (const entry of CONFIG.filter((entry) => entry.scope === "worker")) {
    assertStringIncludes(readme, `\`${entry.name}\``);
  }
});

Deno.test("config: csd help's ENVIRONMENT section is rendered from it", () => {
  assertStringIncludes(HELP, `ENVIRONMENT:\n${environmentHelp()}\n`);
  for (const entry of user) assertStringIncludes(HELP, `  ${entry.name} `);
});

Deno.test("config: every CSD_ name in the product source is in it", () => {
  const known = new Set(CONFIG.map((entry) => entry.name));
  const unknown: string[] = [];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.name.endsWith(".ts")) {
        for (const [name] of Deno.readTextFileSync(path).matchAll(/\bCSD_[A-Z][A-Z0-9_]*/g)) {
          // Name patterns in comments and messages (CSD_*_TIMEOUT) are not variables.
          if (!known.has(name) && !name.endsWith("_")) unknown.push(`${path}: ${name}`);
        }
      }
    }
  };
  for (const dir of ["lib", "commands", "hooks", "pi"]) walk(`${REPO}/${dir}`);
  assertEquals(unknown, []);
});

Deno.test("config: seconds variables fall back to their default and refuse bad values", () => {
  const name = "CSD_REGISTER_TIMEOUT";
  const before = Deno.env.get(name);
  try {
    Deno.env.delete(name);
    assertEquals(secondsSetting(name), 15);
    Deno.env.set(name, "0.5");
    assertEquals(secondsSetting(name), 0.5);
    Deno.env.set(name, "1e3");
    let refused = false;
    try {
      secondsSetting(name);
    } catch (error) {
      refused = error instanceof Error && error.message.includes(`Invalid ${name}: "1e3"`);
    }
    assert(refused, "1e3 was accepted");
  } finally {
    if (before === undefined) Deno.env.delete(name);
    else Deno.env.set(name, before);
  }
});
