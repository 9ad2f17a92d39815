/**
 * The staged CODEX_HOME of a Codex worker (`<worker dir>/homes/<name>/`). Never shared between
 * workers: Codex rewrites config.toml, and one home's daemon would run every worker's hooks with
 * the first worker's environment. Seeded from the user's real CODEX_HOME (their auth, provider
 * and settings), merged with what csd needs, removed at stop. Its `sessions/` is a link to the
 * user's real sessions folder, so rollouts outlive the worker and `codex resume` (adopt) works
 * after a reboot wiped the worker dir.
 */
import { DEFAULT_APPROVAL_TIMEOUT_S, preToolUseHookTimeoutS } from "../../approval/timeout.ts";
import { parse, stringify } from "smol-toml";
import { CsdError } from "../../cli/errors.ts";
import { hookNames } from "../../events/hook_events.ts";

/** What staging needs. */
export interface CodexHomeOptions {
  /** The user's real CODEX_HOME ($CODEX_HOME or ~/.codex); may not exist. */
  source: string;
  /** The staged home to create. */
  target: string;
  /** The worker's cwd, marked trusted so no folder-trust screen appears. */
  cwd: string;
  /** The hook command line (`'<bin>/csd-hook' codex`). */
  hookCommand: string;
  /** CSD_CODEX_MODEL, when set. */
  model: string | undefined;
  /** The worker's approval timeout: PreToolUse may wait that long (lib/approval/gate.ts). */
  approvalTimeoutS?: number;
}

/** Creates the staged home. */
export function stageCodexHome(options: CodexHomeOptions): void {
  const { source, target } = options;
  Deno.mkdirSync(target, { recursive: true, mode: 0o700 });
  for (const file of ["auth.json", "AGENTS.md"]) {
    copyIfPresent(`${source}/${file}`, `${target}/${file}`);
  }
  Deno.writeTextFileSync(`${target}/config.toml`, mergedConfig(options), { mode: 0o600 });
  Deno.writeTextFileSync(
    `${target}/hooks.json`,
    JSON.stringify(
      mergedHooks(`${source}/hooks.json`, options.hookCommand, options.approvalTimeoutS),
      null,
      2,
    ) + "\n",
    { mode: 0o600 },
  );
  Deno.mkdirSync(`${source}/sessions`, { recursive: true, mode: 0o700 });
  Deno.symlinkSync(`${source}/sessions`, `${target}/sessions`);
}

/** The user's config.toml with csd's settings laid over it. */
export function mergedConfig(options: CodexHomeOptions): string {
  const config = readToml(`${options.source}/config.toml`);
  // Workers run with approvals and sandbox off, as Claude workers run with permissions bypassed
  // (the user consented once with grant-consent).
  config.approval_policy = "never";
  config.sandbox_mode = "danger-full-access";
  config.check_for_update_on_startup = false;
  if (options.model) config.model = options.model;
  const projects = table(config.projects);
  projects[options.cwd] = { ...table(projects[options.cwd]), trust_level: "trusted" };
  config.projects = projects;
  // Lets a typed "/quit" followed at once by Enter work (stop), and keeps tips off the screen.
  config.tui = { ...table(config.tui), disable_paste_burst: true, show_tooltips: false };
  return stringify(config);
}

/** The user's hooks.json (if any) plus csd's hook on every recorded event. */
export function mergedHooks(
  sourcePath: string,
  hookCommand: string,
  approvalTimeoutS: number = DEFAULT_APPROVAL_TIMEOUT_S,
): Record<string, unknown> {
  let hooks: Record<string, unknown[]> = {};
  try {
    const parsed = JSON.parse(Deno.readTextFileSync(sourcePath));
    if (parsed && typeof parsed.hooks === "object") hooks = parsed.hooks;
  } catch {
    // No hooks of the user's own.
  }
  for (const event of hookNames("codex")) {
    // Codex clamps SessionEnd and Interrupt hooks to 3 s and warns on screen about a larger value.
    // PreToolUse may wait for an approval (lib/approval/gate.ts): one entry, above its timeout.
    const timeout = event === "SessionEnd" || event === "Interrupt"
      ? 3
      : event === "PreToolUse"
      ? preToolUseHookTimeoutS(approvalTimeoutS)
      : 10;
    const entry = { hooks: [{ type: "command", command: hookCommand, timeout }] };
    hooks[event] = [...(Array.isArray(hooks[event]) ? hooks[event] : []), entry];
  }
  return { hooks };
}

function readToml(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return {};
  }
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new CsdError(`Cannot parse "${path}": ${error instanceof Error ? error.message : error}`);
  }
}

function table(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? { ...(value as Record<string, unknown>) }
    : {};
}

function copyIfPresent(from: string, to: string): void {
  try {
    Deno.copyFileSync(from, to);
    Deno.chmodSync(to, 0o600);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
