/**
 * The harness releases csd is tested against, per harness: the oldest supported set and today's
 * (`make harnesses` installs both; the Makefile pins must match, tests/doctor_test.ts checks).
 * `csd doctor` warns about a release newer than the newest tested one: harness updates are
 * exactly where drivers like csd break.
 */
import type { HarnessName } from "../schema.ts";

/** The tested range of one harness and the npm packages it ships as. */
export interface TestedRange {
  /** Package names, oldest first (Pi moved from @mariozechner to @earendil-works at 1.0). */
  packages: readonly string[];
  oldest: string;
  newest: string;
}

export const TESTED: Record<HarnessName, TestedRange> = {
  claude: { packages: ["@anthropic-ai/claude-code"], oldest: "2.1.197", newest: "2.1.332" },
  codex: { packages: ["@openai/codex"], oldest: "0.169.0", newest: "0.171.0" },
  pi: {
    packages: ["@mariozechner/pi-coding-agent", "@earendil-works/pi-coding-agent"],
    oldest: "0.73.1",
    newest: "1.6.0",
  },
};

/** Where a version lies against the tested range. */
export type TestedStatus = "tested" | "older" | "newer" | "unknown";

/** Compares dotted numeric versions (a pre-release suffix is ignored); <0, 0, >0. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.replace(/^v/, "").split(/[-+]/)[0]!.split(".").map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Whether `version` of harness `name` lies in its tested range. */
export function testedStatus(name: HarnessName, version: string | null): TestedStatus {
  if (!version || !/^\d+(\.\d+)*/.test(version)) return "unknown";
  const range = TESTED[name];
  if (compareVersions(version, range.newest) > 0) return "newer";
  if (compareVersions(version, range.oldest) < 0) return "older";
  return "tested";
}
