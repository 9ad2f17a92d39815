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
