/**
 * Running the REAL Pi coding agent offline. The temp HOME gets a `~/.pi/agent` like a real
 * user's (models.json pointing at the in-process mock model's Chat Completions API, settings with
 * retries off); csd stages it into each worker's own agent dir. PI_OFFLINE stops the downloads
 * of fd/rg and the update check.
 */
import { HARNESS_DIR, HARNESS_SET, NODE22 } from "./harness_set.ts";
import type { RealWorld } from "./real_claude.ts";

export const PI_BIN = `${HARNESS_DIR}/node_modules/.bin/pi`;

/** Writes the user's Pi agent dir and the variables Pi workers need into the world. */
export function withPi(world: RealWorld): RealWorld {
  const { env, mock } = world;
  try {
    Deno.statSync(PI_BIN);
  } catch {
    throw new Error(`${PI_BIN} is missing: run \`make harnesses\` first`);
  }
  const agent = `${env.home}/.pi/agent`;
  Deno.mkdirSync(agent, { recursive: true });
  Deno.writeTextFileSync(
    `${agent}/models.json`,
    JSON.stringify({
      providers: {
        mock: {
          baseUrl: `${mock.url}/v1`,
          api: "openai-completions",
          apiKey: "mock-key",
          compat: { supportsDeveloperRole: false, supportsReasoningEffort: false },
          models: [
            { id: "mock-model", contextWindow: 128000, maxTokens: 4096 },
            { id: "mock-model-2", contextWindow: 128000, maxTokens: 4096 },
          ],
        },
      },
    }),
  );
  Deno.writeTextFileSync(
    `${agent}/settings.json`,
    JSON.stringify({
      defaultProvider: "mock",
      defaultModel: "mock-model",
      retry: { enabled: false, provider: { maxRetries: 0 } },
    }),
  );
  Object.assign(env.vars, {
    CSD_PI_BIN: PI_BIN,
    PI_OFFLINE: "1",
    PI_SKIP_VERSION_CHECK: "1",
    PI_TELEMETRY: "0",
  });
  // Pi >= 1 needs Node >= 22: csd runs it on the project's own Node 22, as a user would set it.
  if (HARNESS_SET !== "oldest") env.vars.CSD_PI_NODE = NODE22;
  return world;
}
