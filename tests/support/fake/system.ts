// Processes, trust and config. Part of the fake claude: see ../fake_claude.ts.
import type { HookResult } from "./settings.ts";
import { sanitizePath } from "./util.ts";

// Runs a shell command in its own process group (via setsid when available) so an interrupt
// kills the whole tree at once, as the real one does; resolves at once when aborted.
export let hasSetsid: boolean | null = null;

export async function runShell(
  command: string,
  cwd: string,
  signal: AbortSignal,
): Promise<{ code: number; stdout: string; stderr: string }> {
  if (hasSetsid === null) hasSetsid = exists("/usr/bin/setsid") || exists("/bin/setsid");
  if (signal.aborted) return { code: 130, stdout: "", stderr: "" };
  try {
    const child = new Deno.Command(hasSetsid ? "setsid" : "sh", {
      args: hasSetsid ? ["sh", "-c", command] : ["-c", command],
      cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const onAbort = () => {
      for (const target of hasSetsid ? [-child.pid, child.pid] : [child.pid]) {
        try {
          Deno.kill(target, "SIGKILL");
        } catch { /* already gone */ }
      }
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const aborted = new Promise<null>((resolve) => {
      if (signal.aborted) resolve(null);
      signal.addEventListener("abort", () => resolve(null), { once: true });
    });
    const output = child.output();
    const out = await Promise.race([output, aborted]);
    signal.removeEventListener("abort", onAbort);
    if (out === null) {
      output.catch(() => {}); // reaped in the background
      return { code: 137, stdout: "", stderr: "" };
    }
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } catch (e) {
    return { code: 1, stdout: "", stderr: String(e) };
  }
}

// A PreToolUse hook denies by printing permissionDecision "deny", or by exiting with code 2.
export function denial(results: HookResult[]): string | null {
  for (const r of results) {
    const t = r.stdout.trim();
    if (t.startsWith("{")) {
      try {
        const j = JSON.parse(t) as {
          hookSpecificOutput?: { permissionDecision?: string; permissionDecisionReason?: string };
          decision?: string;
          reason?: string;
        };
        const hso = j.hookSpecificOutput;
        if (hso?.permissionDecision === "deny") {
          return hso.permissionDecisionReason ?? "Blocked by hook";
        }
        if (j.decision === "block") return j.reason ?? "Blocked by hook";
      } catch { /* not JSON */ }
    }
    if (r.code === 2) return r.stderr.trim() || "Blocked by hook";
  }
  return null;
}

export function claudeJsonPath(home: string) {
  return `${home}/.claude.json`;
}

export function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return {};
  }
}

export function readClaudeJson(home: string): Record<string, unknown> {
  return readJson(claudeJsonPath(home));
}

export function isTrusted(home: string, cwd: string): boolean {
  const projects = (readClaudeJson(home).projects ?? {}) as Record<
    string,
    { hasTrustDialogAccepted?: boolean }
  >;
  for (const [p, v] of Object.entries(projects)) {
    if (!v?.hasTrustDialogAccepted) continue;
    const base = p.replace(/\/+$/, "");
    if (cwd === p || cwd === base || base === "" || cwd.startsWith(base + "/")) return true;
  }
  return false;
}

export function markTrusted(home: string, cwd: string) {
  const j = readClaudeJson(home);
  const projects = (j.projects ?? {}) as Record<string, Record<string, unknown>>;
  projects[cwd] = {
    allowedTools: [],
    mcpContextUris: [],
    mcpServers: {},
    ...projects[cwd],
    hasTrustDialogAccepted: true,
  };
  j.projects = projects;
  Deno.writeTextFileSync(claudeJsonPath(home), JSON.stringify(j, null, 2) + "\n");
}

export function transcriptPathFor(home: string, cwd: string, id: string): string {
  return `${home}/.claude/projects/${sanitizePath(cwd)}/${id}.jsonl`;
}

export function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}
