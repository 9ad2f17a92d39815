/**
 * Every CSD_* environment variable, once: its default, how it is parsed, its help line and who
 * sets it. `csd help`'s ENVIRONMENT section is rendered from this table, runMain validates the
 * seconds variables from it before a command acts, and tests/config_test.ts checks README's
 * table and every CSD_ name in the source against it. A new variable is one entry here.
 *
 * Readers outside this module: the harness adapters (lib/harness/*) read the CLI paths and
 * models from the controller environment object they are handed (launch passes it in, tests
 * pass their own), and the hook program and Pi extension read the `worker` variables directly:
 * they run on every event and must not load more than they need.
 */
import { UsageError } from "./errors.ts";

/** `user`: for callers to set. `worker`: csd sets it in a worker's environment (not for callers). */
export type SettingScope = "user" | "worker";

export interface Setting {
  readonly name: string;
  readonly scope: SettingScope;
  /** `seconds`: a positive number of seconds (parseSeconds); `text`: used as given. */
  readonly kind: "seconds" | "text";
  /** The default as help and README show it. */
  readonly default: string;
  /** A seconds variable's default value. */
  readonly seconds?: number;
  /** What it sets, as `csd help` shows it (one line). */
  readonly help: string;
}

/** A variable csd sets in a worker's environment for its hook program and Pi extension. */
function worker<N extends string>(name: N, help: string) {
  return { name, scope: "worker", kind: "text", default: "set by csd", help } as const;
}

const SETTINGS = [
  {
    name: "CSD_WORKER_DIR",
    scope: "user",
    kind: "text",
    default: "/tmp/csd-workers",
    help: "worker dir",
  },
  {
    name: "CSD_CLAUDE_BIN",
    scope: "user",
    kind: "text",
    default: "claude on PATH",
    help: "the claude executable",
  },
  {
    name: "CSD_CODEX_BIN",
    scope: "user",
    kind: "text",
    default: "codex on PATH",
    help: "the codex executable",
  },
  {
    name: "CSD_PI_BIN",
    scope: "user",
    kind: "text",
    default: "pi on PATH",
    help: "the pi executable",
  },
  {
    name: "CSD_CODEX_MODEL",
    scope: "user",
    kind: "text",
    default: "the user's Codex config",
    help: "codex workers: model",
  },
  {
    name: "CSD_PI_MODEL",
    scope: "user",
    kind: "text",
    default: "the user's Pi settings",
    help: "pi workers: --model pattern",
  },
  {
    name: "CSD_PI_NODE",
    scope: "user",
    kind: "text",
    default: "node on PATH",
    help: "pi workers: the node binary pi runs on (Pi >= 1 needs Node >= 22)",
  },
  {
    name: "CSD_TMUX_SOCKET",
    scope: "user",
    kind: "text",
    default: "the default tmux server",
    help: "tmux server socket name (tmux -L) for new workers",
  },
  {
    name: "CSD_SUBMIT_TIMEOUT",
    scope: "user",
    kind: "seconds",
    default: "10",
    seconds: 10,
    help: "send: seconds to wait for prompt confirmation",
  },
  {
    name: "CSD_SUBMIT_RETRY_INTERVAL",
    scope: "user",
    kind: "seconds",
    default: "2",
    seconds: 2,
    help: "send: seconds between Enter re-sends",
  },
  {
    name: "CSD_LAUNCH_TIMEOUT",
    scope: "user",
    kind: "seconds",
    default: "30",
    seconds: 30,
    help: "launch/adopt: seconds to wait for the worker to be ready",
  },
  {
    name: "CSD_REGISTER_TIMEOUT",
    scope: "user",
    kind: "seconds",
    default: "15",
    seconds: 15,
    help: "seconds to wait for a self-minted session id (Codex)",
  },
  {
    name: "CSD_APPROVAL_TIMEOUT",
    scope: "user",
    kind: "seconds",
    default: "the policy's timeout_s (30)",
    seconds: 30,
    help:
      "seconds a gated call or a question waits for a decision (at most 3600; CLAUDE_SESSION_DRIVER_APPROVAL_TIMEOUT is honoured too)",
  },
  {
    name: "CSD_CONVERSE_DIAG_FILE",
    scope: "user",
    kind: "text",
    default: "unset",
    help: "converse: write a diagnostic here on timeout",
  },
  worker(
    "CSD_EVENTS_FILE",
    "the worker's events file: the hook and Pi extension act only when set",
  ),
  worker("CSD_SESSION_ID", "the session the hook keeps events of"),
  worker("CSD_WORKER", "the worker's name"),
  worker("CSD_HARNESS", "the worker's harness"),
  worker("CSD_LAUNCH_ID", "stamped on each event line"),
  worker("CSD_LAUNCHER_PID", "the start script's pid (set by the start script)"),
  worker("CSD_PI_TRUST_CWD", "pi workers: the folder the extension answers trust for"),
  worker("CSD_HOOK", "pi workers: the hook program the extension hands gated calls to"),
  worker("CSD_APPROVAL_TIMEOUT_S", "the approval timeout launch resolved"),
  worker("CSD_BIN_DIR", "csd's executables (exported by the generated wrappers)"),
] as const satisfies readonly Setting[];

/** Every CSD_* variable, in help order. */
export const CONFIG: readonly Setting[] = SETTINGS;

export type SettingName = (typeof SETTINGS)[number]["name"];

/** A seconds variable's name. */
export type SecondsName = Extract<(typeof SETTINGS)[number], { kind: "seconds" }>["name"];

/**
 * Parses a positive number of seconds or throws a UsageError. One rule for the command line and
 * the CSD_* variables: decimal digits with an optional fraction (`30`, `0.5`). No exponent,
 * sign, hex or blank: `1e9` was refused on the command line while `1e-9` passed in the
 * environment.
 * @param what the argument or variable, for the message
 */
export function parseSeconds(text: string, what: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(
      `Invalid ${what}: "${text}" is not a positive number of seconds ` +
        "(digits with an optional decimal point, e.g. 30 or 0.5)",
    );
  }
  return value;
}

/** A variable's value, or undefined when unset or empty (every reader treats empty as unset). */
export function setting(name: SettingName): string | undefined {
  const raw = Deno.env.get(name);
  return raw === undefined || raw === "" ? undefined : raw;
}

/**
 * A seconds variable, or its default when unset or empty.
 * @throws UsageError on a bad value (runMain has already refused it before the command acted)
 */
export function secondsSetting(name: SecondsName): number {
  const raw = setting(name);
  const fallback = CONFIG.find((entry) => entry.name === name)!.seconds!;
  return raw === undefined ? fallback : parseSeconds(raw, name);
}

/**
 * Checks every seconds variable before a command acts: a bad CSD_LAUNCH_TIMEOUT used to surface
 * only after the harness had started (and been killed).
 */
export function checkSettings(): void {
  for (const entry of CONFIG) {
    if (entry.kind === "seconds") secondsSetting(entry.name as SecondsName);
  }
}

/** `csd help`'s ENVIRONMENT lines for the variables callers set. */
export function environmentHelp(): string {
  const width = Math.max(...CONFIG.map((entry) => entry.name.length)) + 2;
  return CONFIG.filter((entry) => entry.scope === "user").map((entry) => {
    const line = `  ${entry.name.padEnd(width)}${entry.help}`;
    if (entry.default === "unset") return line;
    const fallback = `(default ${entry.default})`;
    // Help stays within 100 columns: a long default goes on its own line under the text.
    return line.length + 1 + fallback.length <= 100
      ? `${line} ${fallback}`
      : `${line}\n${" ".repeat(width + 2)}${fallback}`;
  }).join("\n");
}
