// Firing hook commands with Claude's payload shapes. Part of the fake claude: see
// ../fake_claude.ts.
import { ENC } from "./script.ts";
import { type HookCommand, type HookResult, matcherMatches } from "./settings.ts";
import { FakeState } from "./state.ts";

export abstract class FakeHooks extends FakeState {
  hookCommands(event: string, target?: string): HookCommand[] {
    const out: HookCommand[] = [];
    for (const m of this.hooks[event] ?? []) {
      if (!matcherMatches(m.matcher, target)) continue;
      for (const h of m.hooks ?? []) {
        if (h.command && (h.type ?? "command") === "command") out.push(h);
      }
    }
    return out;
  }

  async fireHook(
    event: string,
    fields: Record<string, unknown>,
    target?: string,
  ): Promise<HookResult[]> {
    const cmds = this.hookCommands(event, target);
    if (cmds.length === 0) return [];
    const payload = JSON.stringify({
      session_id: this.sessionId,
      transcript_path: this.transcriptPath,
      cwd: this.cwd,
      ...fields,
    });
    const env = {
      ...Deno.env.toObject(),
      CLAUDE_PROJECT_DIR: this.cwd,
      CLAUDE_CODE_SESSION_ID: this.sessionId,
      CLAUDECODE: "1",
    };
    return await Promise.all(cmds.map((h) => this.runHook(h, payload, env)));
  }

  async runHook(h: HookCommand, payload: string, env: Record<string, string>): Promise<HookResult> {
    const started = Date.now();
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), (h.timeout ?? 60) * 1000);
    try {
      const child = new Deno.Command("sh", {
        args: ["-c", h.command!],
        cwd: this.cwd,
        env,
        clearEnv: true,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        signal: ac.signal,
      }).spawn();
      const w = child.stdin.getWriter();
      try {
        await w.write(ENC.encode(payload));
        await w.close();
      } catch { /* hook did not read its stdin */ }
      const out = await child.output();
      const dec = new TextDecoder();
      return {
        command: h.command!,
        code: out.code,
        stdout: dec.decode(out.stdout),
        stderr: dec.decode(out.stderr),
        durationMs: Date.now() - started,
      };
    } catch (e) {
      return {
        command: h.command!,
        code: -1,
        stdout: "",
        stderr: String(e),
        durationMs: Date.now() - started,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  withPrompt(): Record<string, unknown> {
    return this.promptId ? { prompt_id: this.promptId } : {};
  }
}
