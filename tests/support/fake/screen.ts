// Drawing the TUI: the input box, dialogs, entries. Part of the fake claude: see ../fake_claude.ts.
import { VERSION } from "./script.ts";
import type { Dialog, Entry } from "./state.ts";
import { center, clip, wordWrap, wrapBox } from "./terminal.ts";
import { FakeTranscript } from "./transcript.ts";
import { writeOut } from "./util.ts";

export abstract class FakeScreen extends FakeTranscript {
  size(): { cols: number; rows: number } {
    try {
      const s = Deno.consoleSize();
      return { cols: Math.max(20, s.columns), rows: Math.max(10, s.rows) };
    } catch {
      return { cols: 200, rows: 50 };
    }
  }

  render() {
    if (this.mode === "starting" || this.mode === "exiting" || !this.mounted) return;
    const { cols, rows } = this.size();
    const out = this.mode === "dialog" ? this.dialogScreen(cols) : this.mainScreen(cols, rows);
    const shown = out.slice(Math.max(0, out.length - rows)).map((l) => clip(l, cols));
    let s = "\x1b[?25l\x1b[H";
    shown.forEach((l, i) => {
      s += l + "\x1b[K" + (i < shown.length - 1 ? "\r\n" : "");
    });
    s += "\x1b[J";
    writeOut(s);
  }

  dialogScreen(cols: number): string[] {
    const d = this.dialog!;
    const opts = d.options.map((label, i) =>
      d.choice === i
        ? `${d.indent}\x1b[38;5;153m❯\x1b[39m \x1b[38;5;246m${i + 1}.\x1b[39m ` +
          `\x1b[38;5;153m${label}\x1b[39m`
        : `${d.indent}  \x1b[38;5;246m${i + 1}.\x1b[39m ${label}`
    );
    return [
      ...d.body(cols),
      ...opts,
      "",
      `${d.indent}\x1b[38;5;246mEnter to confirm · Esc to cancel\x1b[39m`,
    ];
  }

  trustBody(cols: number): string[] {
    return [
      "",
      `\x1b[38;5;220m${"─".repeat(cols)}\x1b[39m`,
      " \x1b[1m\x1b[38;5;220mAccessing workspace:\x1b[0m",
      "",
      ` \x1b[1m${this.cwd}\x1b[0m`,
      "",
      ...wordWrap(
        "Quick safety check: Is this a project you created or one you trust? (Like your own " +
          "code, a well-known open source project, or work from your team). If not, take a " +
          "moment to review what's in this folder first.",
        cols - 2,
      ).map((l) => " " + l),
      "",
      " Claude Code'll be able to read, edit, and execute files here.",
      "",
      " \x1b[38;5;246mSecurity guide\x1b[39m",
      "",
    ];
  }

  bypassBody(cols: number): string[] {
    const para = (t: string) => wordWrap(t, cols - 3).map((l) => "  " + l);
    return [
      "",
      `\x1b[38;5;211m${"─".repeat(cols)}\x1b[39m`,
      "  \x1b[1m\x1b[38;5;211mWARNING: Claude Code running in Bypass Permissions mode\x1b[0m",
      "",
      ...para(
        "In Bypass Permissions mode, Claude Code will not ask for your approval before running " +
          "potentially dangerous commands.",
      ),
      ...para(
        "This mode should only be used in a sandboxed container/VM that has restricted " +
          "internet access and can easily be restored if damaged.",
      ),
      "",
      ...para(
        "By proceeding, you accept all responsibility for actions taken while running in " +
          "Bypass Permissions mode.",
      ),
      "",
      "  https://code.claude.com/docs/en/security",
      "",
    ];
  }

  // Shows a dialog and resolves with the chosen option's index.
  ask(d: Omit<Dialog, "resolve">): Promise<number> {
    return new Promise((resolve) => {
      const dialog: Dialog = { ...d, resolve };
      this.dialog = dialog;
      this.mode = "dialog";
      this.render();
      const resetMs = this.script.dialogResetMs;
      if (resetMs <= 0) return;
      dialog.resetting = { enterHeld: false };
      setTimeout(() => {
        if (this.dialog !== dialog) return;
        const held = dialog.resetting?.enterHeld;
        delete dialog.resetting;
        dialog.choice = d.choice;
        this.render();
        if (held) this.dialogPick(dialog.choice);
      }, resetMs);
    });
  }

  dialogPick(choice: number) {
    const d = this.dialog;
    if (!d || choice < 0 || choice >= d.options.length) return;
    this.dialog = null;
    this.mode = "starting";
    writeOut("\x1b[2J\x1b[H");
    d.resolve(choice);
  }

  mainScreen(cols: number, rows: number): string[] {
    const inner = Math.min(cols, 100) - 2;
    const title = "─── Claude Code v" + VERSION + " ";
    const header = [
      "╭" + title + "─".repeat(Math.max(0, inner - title.length)) + "╮",
      "│" + center("Welcome back!", inner) + "│",
      "│" + center(this.cwd, inner) + "│",
      "╰" + "─".repeat(inner) + "╯",
    ];
    const convo: string[] = [];
    for (const e of this.entries) convo.push("", ...e.lines);
    if (this.busy) convo.push("", `\x1b[38;5;174m· ${this.spinner}…\x1b[39m`);
    for (const q of this.queue.slice(this.workerRunning ? 1 : 0)) {
      convo.push(`\x1b[38;5;246m  ❯ ${q.text.split("\n")[0]}\x1b[39m`);
    }
    const border = `\x1b[38;5;244m${"─".repeat(cols)}\x1b[39m`;
    const bash = this.box.startsWith("!");
    const glyph = bash ? "!" : "❯";
    const body = bash ? this.box.slice(1).replace(/^ /, "") : this.box;
    const placeholder = this.box === "" && this.queue.length > (this.workerRunning ? 1 : 0)
      ? "\x1b[38;5;246mPress up to edit queued messages\x1b[39m"
      : "";
    const boxLines = wrapBox(body, cols - 2).map((l, i) =>
      i === 0 ? `${glyph}\u00a0${l}` : `  ${l}`
    );
    if (placeholder) boxLines[0] = `${glyph}\u00a0${placeholder}`;
    boxLines[boxLines.length - 1] += "\x1b[7m \x1b[0m";
    const footer = bash
      ? "  ! for shell mode"
      : this.footerNote ?? "  ⏵⏵ bypass permissions on (shift+tab to cycle)";
    const bottom = [border, ...boxLines, border, footer];
    const room = Math.max(0, rows - bottom.length);
    const top = [...header, ...convo];
    const topShown = top.slice(Math.max(0, top.length - room));
    const pad: string[] = Array(Math.max(0, room - topShown.length)).fill("");
    // The real one keeps the box right under the conversation, with blank rows below it.
    return [...topShown, "", ...bottom, ...pad].slice(0, rows);
  }

  addEntry(lines: string[]): Entry {
    const e = { lines };
    this.entries.push(e);
    this.render();
    return e;
  }
}
