/**
 * Running the REAL Codex CLI offline. The temp HOME gets a `~/.codex/config.toml` like a real
 * user's, pointing at the in-process mock model (Responses API); csd stages it into each
 * worker's own CODEX_HOME. HTTPS_PROXY to a port nobody listens on contains the one outside
 * fetch Codex has no switch for (an announcement file).
 */
import { HARNESS_DIR } from "./harness_set.ts";
import type { RealWorld } from "./real_claude.ts";

export const CODEX_BIN = `${HARNESS_DIR}/node_modules/.bin/codex`;

/** Writes the user's Codex config and the variables Codex workers need into the world. */
export function withCodex(world: RealWorld): RealWorld {
  const { env, mock } = world;
  try {
    Deno.statSync(CODEX_BIN);
  } catch {
    throw new Error(`${CODEX_BIN} is missing: run \`make harnesses\` first`);
  }
  const codexHome = `${env.home}/.codex`;
  Deno.mkdirSync(codexHome, { recursive: true });
  Deno.writeTextFileSync(
    `${codexHome}/config.toml`,
    [
      'model = "mock-model"',
      'model_provider = "mock"',
      "[model_providers.mock]",
      'name = "Mock"',
      `base_url = "${mock.url}/v1"`,
      'wire_api = "responses"',
      'env_key = "MOCK_API_KEY"',
      "request_max_retries = 0",
      "stream_max_retries = 0",
      "[analytics]",
      "enabled = false",
      "[features]",
      "plugins = false",
      "",
    ].join("\n"),
  );
  Object.assign(env.vars, {
    CSD_CODEX_BIN: CODEX_BIN,
    MOCK_API_KEY: "sk-mock-000000000000000000000000",
    HTTPS_PROXY: "http://127.0.0.1:9",
    NO_PROXY: "127.0.0.1,localhost",
  });
  return world;
}
