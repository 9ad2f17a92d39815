/**
 * Product tooling (tools/, bench/) and the shared kit (kit/) never import from tests/: the demo
 * once broke whenever a test helper moved (review 2026-12, §7.9).
 */
import { assertEquals } from "./support/assert.ts";
import { REPO } from "../kit/env.ts";

Deno.test("layout: tools/, bench/ and kit/ import nothing from tests/", () => {
  const offenders: string[] = [];
  for (const dir of ["tools", "bench", "kit"]) {
    for (const entry of Deno.readDirSync(`${REPO}/${dir}`)) {
      if (!entry.name.endsWith(".ts")) continue;
      const text = Deno.readTextFileSync(`${REPO}/${dir}/${entry.name}`);
      for (const [line] of text.matchAll(/^(?:import|export)[^;]*from\s+"[^"]*tests\/[^"]*";/gm)) {
        offenders.push(`${dir}/${entry.name}: ${line}`);
      }
    }
  }
  assertEquals(offenders, []);
});

/** The modules `entry` loads when it runs: its static graph, type-only and dynamic imports left out. */
async function runtimeGraph(entry: string): Promise<Set<string>> {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", `${REPO}/deno.json`, `${REPO}/${entry}`],
    stdout: "piped",
    stderr: "null",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(info.stdout)) as {
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
    redirects: Record<string, string>;
  };
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const visit = (specifier: string) => {
    const resolved = graph.redirects[specifier] ?? specifier;
    if (seen.has(resolved)) return;
    seen.add(resolved);
    for (const dep of bySpecifier.get(resolved)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) visit(dep.code.specifier);
    }
  };
  visit(new URL(`${REPO}/${entry}`, "file:///").href);
  return seen;
}

/**
 * Commands that validate a user's file with zod when they run (a policy file at launch, adopt,
 * and the launch code stop and prune share); every other command, and the hook, checks shapes
 * through lib/shapes.gen.ts.
 */
const ZOD_AT_RUNTIME = new Set(["launch", "adopt", "stop", "prune"]);

Deno.test("layout: no command or hook loads a node: module, and only launch-side ones load zod", async () => {
  const { SUBCOMMANDS } = await import("../commands/registry.ts");
  const entries = SUBCOMMANDS.map((sub) => `commands/${sub.name}.ts`);
  const offenders: string[] = [];
  for (const entry of [...entries, "hooks/event_hook.ts"]) {
    const graph = await runtimeGraph(entry);
    const sub = entry.replace(/^commands\/|\.ts$/g, "");
    for (const specifier of graph) {
      // A node: module starts Deno's Node layer, ~10 ms of every call (node:path, node:util).
      if (specifier.startsWith("node:")) offenders.push(`${entry} loads ${specifier}`);
      if (/^npm:\/?zod@/.test(specifier) && !ZOD_AT_RUNTIME.has(sub)) {
        offenders.push(`${entry} loads ${specifier}`);
      }
    }
  }
  assertEquals(offenders, []);
});
