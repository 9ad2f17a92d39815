/**
 * The staged agent dir of a Pi worker (`<worker dir>/homes/<name>/`, PI_CODING_AGENT_DIR):
 * seeded from the user's `~/.pi/agent` (models, settings, auth) so each worker has its own copy
 * Pi can rewrite, removed at stop. Folders (extensions, skills, themes, sessions) are linked, not
 * copied; sessions so that session files outlive the worker and adopt can resume them.
 */

/** The user's real Pi agent dir. */
export function realPiAgentDir(env: Record<string, string>, home: string): string {
  return env.PI_CODING_AGENT_DIR || `${home}/.pi/agent`;
}

/** Pi's session folder name for a cwd: `--<cwd with "/" replaced by "-">--`. */
export function piSessionFolder(cwd: string): string {
  return `--${cwd.replace(/^\//, "").replaceAll("/", "-")}--`;
}

/** Creates the staged agent dir from the user's. */
export function stagePiAgentDir(source: string, target: string): void {
  Deno.mkdirSync(target, { recursive: true, mode: 0o700 });
  Deno.mkdirSync(`${source}/sessions`, { recursive: true, mode: 0o700 });
  for (const entry of Deno.readDirSync(source)) {
    const from = `${source}/${entry.name}`;
    const to = `${target}/${entry.name}`;
    if (entry.isFile) {
      Deno.copyFileSync(from, to);
      Deno.chmodSync(to, 0o600);
    } else if (entry.isDirectory) {
      Deno.symlinkSync(from, to);
    }
  }
}

/**
 * Whether Pi (>= 1) would ASK the user to trust `cwd`: no decision saved in the agent dir's
 * trust.json for it or a parent, and `defaultProjectTrust` left at "ask". A decision the user
 * made (a saved yes or no, "always", "never") is theirs and Pi applies it itself.
 */
export function piWouldAskTrust(agentDir: string, cwd: string): boolean {
  const saved = readJsonObject(`${agentDir}/trust.json`);
  for (let dir = cwd;; dir = dir.replace(/\/[^/]*$/, "") || "/") {
    if (typeof saved[dir] === "boolean") return false;
    if (dir === "/") break;
  }
  const policy = readJsonObject(`${agentDir}/settings.json`).defaultProjectTrust;
  return policy === undefined || policy === "ask";
}

function readJsonObject(path: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(Deno.readTextFileSync(path));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
