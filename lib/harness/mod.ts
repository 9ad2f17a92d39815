/** The harness registry: every harness csd drives, by the name `--harness` takes. */
import type { HarnessName } from "../schema.ts";
import { claude } from "./claude/harness.ts";
import { codex } from "./codex/harness.ts";
import { pi } from "./pi/harness.ts";
import type { Harness } from "./types.ts";

const HARNESSES: Record<HarnessName, Harness> = { claude, codex, pi };

/** The harness implementation for `name`. */
export function harnessFor(name: HarnessName): Harness {
  return HARNESSES[name];
}
