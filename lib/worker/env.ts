/**
 * The environment a worker starts with: the controller's own (tmux would otherwise hand it the
 * tmux SERVER's, which may be days old), minus what belongs to the controller's own Claude Code
 * session, plus the csd variables the hook needs. Delivered through a 0600 start script, never on
 * a command line (ps shows command lines to every user).
 */

/**
 * Variables that describe the controller's own harness session. Leaking them made workers
 * believe they were a child of the controller (CLAUDE_CODE_CHILD_SESSION) or talk to its IDE port.
 */
const CONTROLLER_SESSION_VARS = [
  "CLAUDECODE",
  "CLAUDE_CODE_SESSION_ID",
  "CLAUDE_CODE_CHILD_SESSION",
  "CLAUDE_CODE_SSE_PORT",
  "CLAUDE_CODE_ENTRYPOINT",
  "CLAUDE_CODE_EXECPATH",
  "CLAUDE_PROJECT_DIR",
  "CLAUDE_PLUGIN_ROOT",
  "CLAUDE_ENV_FILE",
  "CODEX_THREAD_ID",
  "CODEX_SANDBOX",
  "CODEX_SANDBOX_NETWORK_DISABLED",
  "TMUX",
  "TMUX_PANE",
  // csd's own per-worker variables: a controller that is itself a csd worker must not pass its
  // identity on (its hook would write the child's events into the parent's file).
  "CSD_EVENTS_FILE",
  "CSD_SESSION_ID",
  "CSD_WORKER",
  "CSD_HARNESS",
  "CSD_BIN_DIR",
  "CSD_HOOK",
  "CSD_APPROVAL_TIMEOUT_S",
] as const;

/**
 * Provider selectors. A stale `CLAUDE_CODE_USE_BEDROCK=1` in the tmux server's global
 * environment sent workers to Bedrock; unless the controller itself sets one, it is pinned empty.
 */
const PROVIDER_SELECTORS = [
  "CLAUDE_CODE_USE_BEDROCK",
  "CLAUDE_CODE_USE_VERTEX",
  "CLAUDE_CODE_USE_FOUNDRY",
  "CLAUDE_CODE_SKIP_BEDROCK_AUTH",
  "CLAUDE_CODE_SKIP_VERTEX_AUTH",
  "CLAUDE_CODE_SKIP_FOUNDRY_AUTH",
] as const;

/**
 * Builds the worker environment from the controller's.
 * @param controller the controller's environment (Deno.env.toObject())
 * @param extra csd's per-worker variables (CSD_EVENTS_FILE, …), set last
 */
export function workerEnvironment(
  controller: Record<string, string>,
  extra: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = { ...controller };
  for (const name of CONTROLLER_SESSION_VARS) delete env[name];
  for (const name of PROVIDER_SELECTORS) {
    if (!(name in controller)) env[name] = "";
  }
  return { ...env, ...extra };
}
