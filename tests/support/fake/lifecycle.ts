// Start, /clear, /compact, print mode and exit: the complete fake. Part of the fake claude: see
// ../fake_claude.ts.
import type { Args } from "./args.ts";
import type { Settings } from "./settings.ts";
import { isTrusted, markTrusted, readJson, transcriptPathFor } from "./system.ts";
import { restoreTerminal } from "./terminal.ts";
import { FakeTurns } from "./turns.ts";
import { base62, sleep, uuid, writeOut } from "./util.ts";

/**
 * Bracketed paste on, as a terminal program asks for it (tmux then tells pastes apart), and a
 * cleared screen.
 */
const MOUNT = "\x1b[?2004h\x1b[2J\x1b[H";

export class FakeClaude extends FakeTurns {
  // Like the real one: the old session ends ("clear"), and the same process goes on with a new
  // session id and transcript, announced by SessionStart with source "clear".
  override async clear() {
    await this.fireHook("SessionEnd", {
      ...this.withPrompt(),
      hook_event_name: "SessionEnd",
      reason: "clear",
    }, "clear");
    this.sessionId = uuid();
    this.transcriptPath = transcriptPathFor(this.home, this.cwd, this.sessionId);
    this.tip = null;
    this.promptId = null;
    this.fileStarted = false;
    this.firstTurn = true;
    this.entries = [];
    this.render();
    await this.fireHook(
      "SessionStart",
      { hook_event_name: "SessionStart", source: "clear" },
      "clear",
    );
  }

  // A typed /compact: PreCompact and SessionStart("compact"), same session id, no turn.
  override async compact() {
    await this.fireHook("PreCompact", {
      ...this.withPrompt(),
      hook_event_name: "PreCompact",
      trigger: "manual",
      custom_instructions: null,
    }, "manual");
    await this.fireHook(
      "SessionStart",
      { hook_event_name: "SessionStart", source: "compact", model: this.script.model },
      "compact",
    );
    this.entries.push({ lines: ["  ⎿  Compacted (ctrl+o to see full summary)"] });
    this.render();
  }

  // `claude -p <prompt>`: one turn without a TUI, hooks included, the reply on stdout.
  async printMode(prompt: string) {
    await this.fireHook(
      "SessionStart",
      { hook_event_name: "SessionStart", source: "startup", model: this.script.model },
      "startup",
    );
    this.promptId = uuid();
    await this.fireHook("UserPromptSubmit", {
      ...this.withPrompt(),
      permission_mode: "default",
      hook_event_name: "UserPromptSubmit",
      prompt,
    });
    const rule = this.findRule(prompt);
    const text = (rule.text ?? this.script.defaultReply).split("{prompt}").join(prompt);
    this.userPromptLine(prompt, "typed");
    this.writeLine(this.assistantLine(`msg_${base62(24)}`, { type: "text", text }, "end_turn"));
    await this.fireHook("Stop", {
      ...this.withPrompt(),
      hook_event_name: "Stop",
      stop_hook_active: false,
      last_assistant_message: text,
    });
    await this.fireHook("SessionEnd", {
      ...this.withPrompt(),
      hook_event_name: "SessionEnd",
      reason: "other",
    }, "other");
    writeOut(`${text}\n`);
    Deno.exit(0);
  }

  override async exit(reason: string, code: number, resumeHint = true) {
    if (this.exiting) return;
    this.exiting = true;
    this.mode = "exiting";
    this.turnAbort?.abort();
    if (reason === "other" && this.script.hangupDelayMs > 0) {
      await sleep(this.script.hangupDelayMs);
    }
    await this.fireHook("SessionEnd", {
      ...this.withPrompt(),
      hook_event_name: "SessionEnd",
      reason,
    }, reason);
    restoreTerminal();
    if (resumeHint) {
      writeOut(`\r\n\x1b[J\r\nResume this session with:\r\nclaude --resume ${this.sessionId}\r\n`);
    }
    Deno.exit(code);
  }

  async start(args: Args) {
    if (this.script.startupDelayMs > 0) await sleep(this.script.startupDelayMs);
    try {
      Deno.stdin.setRaw(true);
    } catch { /* not a terminal */ }
    const mountLate = this.script.mountAfterSessionStartMs > 0;
    if (!mountLate) writeOut(MOUNT);
    for (const sig of ["SIGHUP", "SIGTERM"] as const) {
      Deno.addSignalListener(sig, () => {
        if (this.script.ignoreHangup) return;
        void this.exit("other", sig === "SIGHUP" ? 129 : 143, false);
      });
    }
    Deno.addSignalListener("SIGWINCH", () => this.render());
    void this.readInput();

    const refuse = () => {
      this.mode = "exiting";
      restoreTerminal();
      Deno.exit(1);
    };
    const trust = this.script.trustDialog;
    if (trust !== "never" && !isTrusted(this.home, this.cwd)) {
      const choice = await this.ask({
        body: (cols) => this.trustBody(cols),
        indent: " ",
        options: ["Yes, I trust this folder", "No, exit"],
        choice: trust === "noHighlighted" ? 1 : 0,
        cancel: 1,
      });
      if (choice !== 0) refuse();
      markTrusted(this.home, this.cwd);
    }
    const userSettings = readJson(`${this.home}/.claude/settings.json`) as Settings;
    if (
      args.skipPermissions && this.script.bypassDialog !== "never" &&
      this.settings.skipDangerousModePermissionPrompt !== true &&
      userSettings.skipDangerousModePermissionPrompt !== true
    ) {
      const choice = await this.ask({
        body: (cols) => this.bypassBody(cols),
        indent: "  ",
        options: ["No, exit", "Yes, I accept"],
        choice: 0,
        cancel: 0,
      });
      if (choice !== 1) refuse();
      Deno.mkdirSync(`${this.home}/.claude`, { recursive: true });
      Deno.writeTextFileSync(
        `${this.home}/.claude/settings.json`,
        JSON.stringify({ ...userSettings, skipDangerousModePermissionPrompt: true }, null, 2) +
          "\n",
      );
    }
    if (this.resuming) this.loadExisting();
    this.mode = "main";
    this.mounted = !mountLate;
    this.render();
    if (this.script.sessionStartDelayMs > 0) await sleep(this.script.sessionStartDelayMs);
    await this.fireHook(
      "SessionStart",
      this.resuming
        ? { hook_event_name: "SessionStart", source: "resume" }
        : { hook_event_name: "SessionStart", source: "startup", model: this.script.model },
      this.resuming ? "resume" : "startup",
    );
    this.sessionStarted = true;
    this.sessionStartAt = Date.now();
    if (mountLate) {
      await sleep(this.script.mountAfterSessionStartMs);
      writeOut(MOUNT);
      this.mounted = true;
      this.render();
    }
    void this.drain();
  }

  async readInput() {
    const buf = new Uint8Array(65536);
    while (true) {
      let n: number | null;
      try {
        n = await Deno.stdin.read(buf);
      } catch {
        n = null;
      }
      if (n === null) {
        // Terminal gone (the pane closed): like a hangup.
        if (this.script.ignoreHangup) return void setInterval(() => {}, 60_000);
        await this.exit("other", 129, false);
        return;
      }
      this.onData(buf.subarray(0, n));
    }
  }
}
