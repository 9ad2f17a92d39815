/**
 * The Claude Code plugin, loaded by the REAL claude, offline, under a temp HOME: the checkout is
 * a marketplace whose plugin `csd` installs with `claude plugin install`, ships the controller
 * skill and no hooks, and a session started afterwards lists the skill to the model (seen in
 * the request the mock model receives). Ignored when `make harnesses` has not installed claude.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { REPO } from "../kit/env.ts";
import { CLAUDE_BIN, type RealWorld, realWorld } from "../kit/real_claude.ts";

const opts = { sanitizeOps: false, sanitizeResources: false, ignore: !exists(CLAUDE_BIN) };
const SKILL_NAME = "driving-claude-code-sessions";

/** The skill's description, from its frontmatter. */
function skillDescription(): string {
  const text = Deno.readTextFileSync(`${REPO}/skill/SKILL.md`);
  const description = text.match(/^description: (.*)$/m)?.[1];
  if (!description) throw new Error("skill/SKILL.md has no description");
  return description;
}

/** Runs claude with the world's isolated environment, bounded to 60 s. */
async function claude(world: RealWorld, args: string[]) {
  const run = await world.env.exec("timeout", ["60", CLAUDE_BIN, ...args]);
  assert(run.code !== 124, `claude ${args.join(" ")} timed out`);
  return run;
}

/** The text the model was given in its last turn request (system prompt, tools, messages). */
function lastTurnRequest(world: RealWorld): string {
  const request = world.mock.requests.filter((r) => r.side === null && r.body).at(-1);
  assert(request, "the mock model received a turn request");
  return JSON.stringify(request.body);
}

Deno.test("plugin: the manifests pass `claude plugin validate --strict`", opts, async () => {
  const plugin = JSON.parse(Deno.readTextFileSync(`${REPO}/.claude-plugin/plugin.json`));
  const market = JSON.parse(Deno.readTextFileSync(`${REPO}/.claude-plugin/marketplace.json`));
  const entry = market.plugins.find((p: { name: string }) => p.name === plugin.name);
  assertEquals(entry?.version, plugin.version, "the marketplace entry and plugin.json agree");
  assertEquals(plugin.hooks, undefined, "csd wires hooks through --settings, not the plugin");
  const world = await realWorld();
  try {
    for (const path of [REPO, `${REPO}/.claude-plugin/plugin.json`]) {
      const run = await claude(world, ["plugin", "validate", "--strict", path]);
      assertEquals(run.code, 0, run.stdout + run.stderr);
      assertStringIncludes(run.stdout, "Validation passed");
    }
  } finally {
    await world.dispose();
  }
});

Deno.test(
  "plugin: marketplace add + install from the checkout; the skill loads, no hooks",
  opts,
  async () => {
    const world = await realWorld();
    try {
      const add = await claude(world, ["plugin", "marketplace", "add", REPO]);
      assertEquals(add.code, 0, add.stdout + add.stderr);
      const install = await claude(world, ["plugin", "install", "csd@csd"]);
      assertEquals(install.code, 0, install.stdout + install.stderr);
      assertStringIncludes(install.stdout, "Successfully installed plugin: csd@csd");

      const list = await claude(world, ["plugin", "list", "--json"]);
      assertEquals(list.code, 0, list.stderr);
      const plugins = JSON.parse(list.stdout) as {
        id: string;
        enabled: boolean;
        installPath: string;
      }[];
      const csd = plugins.find((p) => p.id === "csd@csd");
      assert(csd?.enabled, `csd@csd is installed and enabled: ${list.stdout}`);
      // Only the skill is copied into Claude's plugin cache, not the whole checkout.
      const copied = [...Deno.readDirSync(csd.installPath)].map((e) => e.name).sort();
      assertEquals(copied, ["SKILL.md"]);

      const details = await claude(world, ["plugin", "details", "csd@csd"]);
      assertEquals(details.code, 0, details.stderr);
      assertStringIncludes(details.stdout, `Skills (1)  ${SKILL_NAME}`);
      assertStringIncludes(details.stdout, "Hooks (0)");

      // A session started now offers the skill to the model, under the plugin's namespace.
      const session = await claude(world, ["-p", "which skills do you have?"]);
      assertEquals(session.code, 0, session.stderr);
      assertStringIncludes(
        lastTurnRequest(world),
        `csd:${SKILL_NAME}: ${skillDescription().slice(0, 60)}`,
      );
    } finally {
      await world.dispose();
    }
  },
);

Deno.test("plugin: `claude --plugin-dir <checkout>` loads the skill in place", opts, async () => {
  const world = await realWorld();
  try {
    const session = await claude(world, ["--plugin-dir", REPO, "-p", "list your skills"]);
    assertEquals(session.code, 0, session.stderr);
    assertStringIncludes(lastTurnRequest(world), `csd:${SKILL_NAME}:`);
  } finally {
    await world.dispose();
  }
});

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
