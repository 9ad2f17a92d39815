/** Finding a harness executable: an explicit override, else the worker's PATH. */
import { CsdError } from "../cli/errors.ts";

/**
 * Resolves `command` on `path` (colon-separated). An override with a slash is used as given.
 * @throws CsdError naming the override variable when nothing executable is found
 */
export function resolveExecutable(
  command: string,
  path: string | undefined,
  overrideVar: string,
): string {
  if (command.includes("/")) {
    if (isExecutable(command)) return command;
    throw new CsdError(`${overrideVar}=${command} is not an executable file`);
  }
  for (const dir of (path ?? "").split(":")) {
    if (!dir) continue;
    const candidate = `${dir}/${command}`;
    if (isExecutable(candidate)) return candidate;
  }
  throw new CsdError(`Cannot find "${command}" on PATH; install it or set ${overrideVar}`);
}

function isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && info.mode !== null && (info.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** The npm package a harness binary belongs to (its package.json). */
export interface PackageInfo {
  name: string;
  version: string;
  /** `engines.node` of the package, when it declares one. */
  node: string | null;
}

/** How far up from the binary's real path package.json is looked for (bin/, dist/bundle/). */
const PACKAGE_SEARCH_DEPTH = 4;

/**
 * The package.json of one of `packages` that holds `binary` (after resolving symlinks such as
 * node_modules/.bin/pi), or null for a binary outside any of them. Reading it costs nothing,
 * where `pi --version` on Pi 0.73 takes a second.
 */
export function packageOf(binary: string, packages: readonly string[]): PackageInfo | null {
  let dir: string;
  try {
    dir = Deno.realPathSync(binary);
  } catch {
    return null;
  }
  for (let depth = 0; depth < PACKAGE_SEARCH_DEPTH; depth++) {
    dir = dir.replace(/\/[^/]*$/, "");
    if (!dir) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Deno.readTextFileSync(`${dir}/package.json`));
    } catch {
      continue;
    }
    if (!isRecord(parsed) || !packages.includes(String(parsed.name))) continue;
    const engines = isRecord(parsed.engines) ? parsed.engines : {};
    return {
      name: String(parsed.name),
      version: String(parsed.version ?? ""),
      node: typeof engines.node === "string" ? engines.node : null,
    };
  }
  return null;
}

/** How long a `--version` probe may take before it counts as no answer. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * The version `binary --version` prints (its first dotted number), or null when it prints none,
 * fails or takes longer than a few seconds.
 */
export async function probeVersion(
  binary: string,
  env: Record<string, string>,
): Promise<string | null> {
  try {
    const output = await new Deno.Command(binary, {
      args: ["--version"],
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    }).output();
    if (!output.success) return null;
    return new TextDecoder().decode(output.stdout).match(/\d+\.\d+(\.\d+)?/)?.[0] ?? null;
  } catch {
    return null;
  }
}

/** The version of a harness binary: from its package.json when it has one, else `--version`. */
export function binaryVersion(
  binary: string,
  packages: readonly string[],
  env: Record<string, string>,
): Promise<string | null> {
  const info = packageOf(binary, packages);
  return info ? Promise.resolve(info.version) : probeVersion(binary, env);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
