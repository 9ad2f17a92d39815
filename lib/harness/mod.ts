/** The harness registry. */
import type { HarnessName } from "../schema.ts";
import { claude } from "./claude.ts";
import { codex } from "./codex.ts";
import { pi } from "./pi.ts";
import type { Harness } from "./types.ts";
import { CsdError } from "../errors.ts";

const HARNESSES: Partial<Record<HarnessName, Harness>> = { claude, codex, pi };

/** The harness implementation for `name`. */
export function harnessFor(name: HarnessName): Harness {
  const harness = HARNESSES[name];
  if (!harness) throw new CsdError(`The ${name} harness is not supported yet`);
  return harness;
}

/** Names of the harnesses this build can launch. */
export function supportedHarnesses(): HarnessName[] {
  return Object.keys(HARNESSES) as HarnessName[];
}
