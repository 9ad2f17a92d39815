/** Finding a harness executable: an explicit override, else the worker's PATH. */
import { CsdError } from "../errors.ts";

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
