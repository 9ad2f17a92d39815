/**
 * POSIX path operations, as node:path's posix functions define them (tests/path_unit_test.ts holds
 * them to node:path on fuzzed paths). Not node:path itself: importing it starts Deno's Node
 * compatibility layer, which cost every csd command ~10 ms of start-up (measured: an empty
 * script 16 ms, one importing node:path 26 ms).
 */

/** True for an absolute path (one that starts with "/"). */
export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/**
 * Resolves "." and ".." segments and repeated slashes; keeps a trailing slash. A relative path
 * that climbs above its start keeps its leading "..".
 */
export function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = isAbsolute(path);
  const body = collapse(path, !absolute);
  if (body === "") return absolute ? "/" : path.endsWith("/") ? "./" : ".";
  const trailing = path.endsWith("/") ? "/" : "";
  return (absolute ? "/" : "") + body + trailing;
}

/** The segments of `path` with "." and ".." applied, joined by "/" (no leading or trailing "/"). */
function collapse(path: string, keepLeadingUp: boolean): string {
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment !== "..") out.push(segment);
    else if (out.length > 0 && out.at(-1) !== "..") out.pop();
    else if (keepLeadingUp) out.push("..");
  }
  return out.join("/");
}

/** Joins the non-empty parts with "/" and normalizes the result ("." when nothing is left). */
export function join(...parts: string[]): string {
  const joined = parts.filter((part) => part !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

/**
 * The absolute path the parts lead to, read right to left until one is absolute (else from the
 * current directory); no trailing slash.
 */
export function resolve(...parts: string[]): string {
  let path = "";
  for (let i = parts.length - 1; i >= -1 && !isAbsolute(path); i--) {
    const part = i >= 0 ? parts[i]! : Deno.cwd();
    if (part !== "") path = path === "" ? part : `${part}/${path}`;
  }
  return `/${collapse(path, false)}`;
}

/**
 * The path up to the slash before its last segment (trailing slashes ignored; a run of slashes
 * before the segment loses only its last one, as node:path's does); "." or "/" when none is left.
 */
export function dirname(path: string): string {
  if (path === "") return ".";
  let end = path.length - 1;
  while (end >= 1 && path[end] === "/") end--;
  // The slash that ends the parent: index 0 is the root, never a cut point of its own.
  let cut = -1;
  for (let i = end; i >= 1; i--) {
    if (path[i] === "/") {
      cut = i;
      break;
    }
  }
  if (cut === -1) return isAbsolute(path) ? "/" : ".";
  if (isAbsolute(path) && cut === 1) return "//";
  return path.slice(0, cut);
}

/** The last segment of the path (trailing slashes ignored). */
export function basename(path: string): string {
  let end = path.length;
  while (end > 0 && path[end - 1] === "/") end--;
  return path.slice(path.lastIndexOf("/", end - 1) + 1, end);
}

/** The relative path from `from` to `to` (both resolved first); "" when they are the same. */
export function relative(from: string, to: string): string {
  const source = resolve(from).split("/").filter((s) => s !== "");
  const target = resolve(to).split("/").filter((s) => s !== "");
  let common = 0;
  while (common < source.length && common < target.length && source[common] === target[common]) {
    common++;
  }
  return [...source.slice(common).map(() => ".."), ...target.slice(common)].join("/");
}

/** True when something exists at `path` (a symlink counts by its target, as node:fs existsSync). */
export function pathExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
