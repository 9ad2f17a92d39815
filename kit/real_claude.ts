/**
 * Running the REAL Claude Code CLI offline: a TestEnv whose workers talk to an in-process mock
 * model on 127.0.0.1, with a HOME prepared as harnesses.md describes (onboarding done, the mock
 * key approved, the project trusted) and the switches that stop every outside connection.
 */
import { MockModel, type Rule } from "./mock_model.ts";
import { TestEnv } from "./env.ts";
import { HARNESS_DIR } from "./harness_set.ts";
import { unwrapPastedContent } from "../lib/harness/claude/harness.ts";

/** The pinned claude installed by `make harnesses`. */
export const CLAUDE_BIN = `${HARNESS_DIR}/node_modules/.bin/claude`;
export const MOCK_KEY = "sk-ant-mock-0000000000000000000000000000";

/** A test world with a mock model and the real claude. */
export interface RealWorld {
  env: TestEnv;
  mock: MockModel;
  dispose(): Promise<void>;
}

/** Builds the world; `trusted: false` leaves the project folder untrusted (trust dialog). */
export async function realWorld(
  rules: Rule[] = [],
  options: { trusted?: boolean } = {},
): Promise<RealWorld> {
  try {
    Deno.statSync(CLAUDE_BIN);
  } catch {
    throw new Error(`${CLAUDE_BIN} is missing: run \`make harnesses\` first`);
  }
  const mock = await MockModel.start({ rules });
  const env = await TestEnv.create({ claudeBin: CLAUDE_BIN, trusted: false });
  const approval = {
    customApiKeyResponses: { approved: [MOCK_KEY.slice(-20)], rejected: [] },
  };
  if (options.trusted === false) env.trust("/nonexistent-csd-folder", approval);
  else env.trust(env.project, approval);
  Object.assign(env.vars, {
    ANTHROPIC_BASE_URL: mock.url,
    ANTHROPIC_API_KEY: MOCK_KEY,
    IS_SANDBOX: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: "1",
    DISABLE_AUTOUPDATER: "1",
    // Real claude starts in about a second; CI machines under load need more headroom.
    CSD_LAUNCH_TIMEOUT: "60",
  });
  return {
    env,
    mock,
    async dispose() {
      await env.dispose();
      await mock.close();
    },
  };
}

/** The user prompts of a Claude transcript, in file order (as typed: paste wrappers removed). */
export function transcriptPrompts(path: string): string[] {
  return Deno.readTextFileSync(path).split("\n").filter(Boolean).map((l) => JSON.parse(l))
    .filter((e) => e.type === "user" && !e.isMeta)
    .flatMap((e) => {
      const content = e.message?.content;
      if (typeof content === "string") return [content];
      if (!Array.isArray(content) || content.some((b) => b.type === "tool_result")) return [];
      return content.filter((b) => b.type === "text").map((b) => b.text as string);
    }).map(unwrapPastedContent);
}
