// Decoding keys and bracketed pastes typed into the pane. Part of the fake claude: see
// ../fake_claude.ts.
import { FakeScreen } from "./screen.ts";
import { VERSION } from "./script.ts";
import type { QueueItem } from "./state.ts";
import { keyName, matchEscape } from "./terminal.ts";
import { hex, nowIso } from "./util.ts";

export abstract class FakeInput extends FakeScreen {
  onData(chunk: Uint8Array) {
    this.pending += this.decoder.decode(chunk, { stream: true });
    this.parse(false);
  }

  parse(escTimeout: boolean) {
    if (this.escTimer !== null) {
      clearTimeout(this.escTimer);
      this.escTimer = null;
    }
    const END = "\x1b[201~";
    while (this.pending.length > 0) {
      if (this.inPaste) {
        const idx = this.pending.indexOf(END);
        if (idx < 0) {
          // Keep a possibly partial end marker at the tail.
          let keep = 0;
          for (let k = Math.min(END.length - 1, this.pending.length); k > 0; k--) {
            if (END.startsWith(this.pending.slice(-k))) {
              keep = k;
              break;
            }
          }
          this.pasteBuf += this.pending.slice(0, this.pending.length - keep);
          this.pending = this.pending.slice(this.pending.length - keep);
          return;
        }
        this.pasteBuf += this.pending.slice(0, idx);
        this.pending = this.pending.slice(idx + END.length);
        this.inPaste = false;
        this.onPaste(this.pasteBuf);
        this.pasteBuf = "";
        continue;
      }
      const c = this.pending[0]!;
      if (c === "\x1b") {
        if (this.pending.startsWith("\x1b[200~")) {
          this.pending = this.pending.slice(6);
          this.inPaste = true;
          this.pasteBuf = "";
          continue;
        }
        const seq = matchEscape(this.pending);
        if (seq === null) {
          // Incomplete: a lone ESC (the Escape key) or a sequence split across reads.
          if (escTimeout) {
            this.pending = this.pending.slice(1);
            this.onKey("escape");
            continue;
          }
          this.escTimer = setTimeout(() => this.parse(true), 40);
          return;
        }
        this.pending = this.pending.slice(seq.length);
        this.onKey(keyName(seq));
        continue;
      }
      if (c === "\r") this.onKey("enter");
      else if (c === "\n") this.onText("\n");
      else if (c === "\x7f" || c === "\x08") this.onKey("backspace");
      else if (c === "\x03") this.onKey("ctrl-c");
      else if (c === "\x15") this.onKey("ctrl-u");
      else if (c === "\t") this.onKey("tab");
      else if (c < " ") { /* other control keys: ignored */ }
      else {
        let j = 0;
        while (j < this.pending.length && this.pending[j]! >= " " && this.pending[j] !== "\x7f") {
          j++;
        }
        this.onText(this.pending.slice(0, j));
        this.pending = this.pending.slice(j);
        continue;
      }
      this.pending = this.pending.slice(1);
    }
  }

  onPaste(raw: string) {
    if (this.mode !== "main") return;
    const text = raw.replace(/\r\n?/g, "\n").replace(/\t/g, "    ");
    if (text === "") return;
    const newlines = (text.match(/\n/g) ?? []).length;
    if (text.length > 800 || newlines > 2) {
      const n = this.pastes.size + 1;
      const label = newlines > 0 ? `[Pasted text #${n} +${newlines} lines]` : `[Pasted text #${n}]`;
      this.pastes.set(label, text);
      this.box += label;
    } else {
      this.box += text;
    }
    this.footerNote = "  paste again to expand";
    this.render();
  }

  onText(text: string) {
    if (this.mode === "dialog") {
      const digit = Number(text[0]);
      if (digit >= 1) this.dialogPick(digit - 1);
      return;
    }
    if (this.mode !== "main") return;
    this.box += text;
    this.footerNote = null;
    this.render();
  }

  onKey(key: string) {
    const d = this.dialog;
    if (this.mode === "dialog" && d) {
      if (key === "up") d.choice = Math.max(0, d.choice - 1);
      else if (key === "down") d.choice = Math.min(d.options.length - 1, d.choice + 1);
      else if (key === "enter" && d.resetting) d.resetting.enterHeld = true;
      else if (key === "enter") return this.dialogPick(d.choice);
      else if (key === "escape") return this.dialogPick(d.cancel);
      this.render();
      return;
    }
    if (this.mode !== "main") return;
    const now = Date.now();
    if (key !== "ctrl-c") this.ctrlCArmedAt = 0;
    if (key !== "escape") this.escArmedAt = 0;
    switch (key) {
      case "enter":
        return this.onEnter();
      case "backspace":
        this.box = [...this.box].slice(0, -1).join("");
        break;
      case "ctrl-u": {
        const nl = this.box.lastIndexOf("\n");
        this.box = nl === this.box.length - 1 ? this.box.slice(0, -1) : this.box.slice(0, nl + 1);
        break;
      }
      case "escape":
        if (this.busy && this.turnAbort) {
          this.turnAbort.abort();
          return;
        }
        if (this.box !== "") {
          if (this.escArmedAt && now - this.escArmedAt < 1500) {
            this.clearBox();
            this.escArmedAt = 0;
            this.footerNote = null;
          } else {
            this.escArmedAt = now;
            this.footerNote = "  Esc again to clear";
          }
        }
        break;
      case "ctrl-c":
        if (this.busy && this.turnAbort) {
          this.turnAbort.abort();
          return;
        }
        if (this.ctrlCArmedAt && now - this.ctrlCArmedAt < 2000) {
          void this.exit("prompt_input_exit", 0);
          return;
        }
        this.clearBox();
        this.ctrlCArmedAt = now;
        this.footerNote = "  Press Ctrl-C again to exit";
        break;
      default:
        return; // arrows, tab…: nothing in the main screen
    }
    if (this.box === "") this.pastes.clear();
    this.render();
  }

  clearBox() {
    this.box = "";
    this.pastes.clear();
  }

  expandBox(): string {
    // Like the real one: trailing whitespace typed or pasted inline is dropped, leading kept;
    // a collapsed paste is expanded afterwards and keeps its own trailing newline.
    let text = this.box.trimEnd();
    for (const [label, content] of this.pastes) {
      const id = hex(4);
      const wrapped = VERSION === "2.1.332"
        ? `\n\n<pasted_content id="${id}">\n${content}\n</pasted_content id="${id}">\n`
        : content;
      text = text.split(label).join(wrapped);
    }
    return text;
  }

  onEnter() {
    if (this.box.trim() === "") return;
    const sinceStart = Date.now() - this.sessionStartAt;
    const window = this.script.ignoreEntersWithinMs;
    if (window > 0 && (!this.sessionStartAt || sinceStart < window)) return;
    if (this.enterIgnoresLeft > 0) {
      this.enterIgnoresLeft--;
      return;
    }
    const text = this.expandBox();
    this.clearBox();
    this.footerNote = null;
    if (text.startsWith("/")) {
      this.slashCommand(text);
      return;
    }
    const queued = this.busy || this.queue.length > 0;
    if (queued && !text.startsWith("!")) {
      this.writeLine({
        type: "queue-operation",
        operation: "enqueue",
        timestamp: nowIso(),
        sessionId: this.sessionId,
        content: text,
      });
    }
    const item: QueueItem = { text, queued };
    this.queue.push(item);
    this.render();
    if (queued && !text.startsWith("!") && !text.startsWith("/") && VERSION === "2.1.332") {
      item.announced = true;
      void this.fireHook("UserPromptSubmit", {
        ...this.withPrompt(),
        permission_mode: "bypassPermissions",
        hook_event_name: "UserPromptSubmit",
        prompt: text,
      });
    }
    void this.drain();
  }

  slashCommand(text: string) {
    const m = text.match(/^\/(\S*)\s*([\s\S]*)$/)!;
    const name = m[1] ?? "";
    const args = (m[2] ?? "").trim();
    if (name === "exit" || name === "quit") {
      if (this.script.ignoreExit) return;
      void this.exit("prompt_input_exit", 0);
      return;
    }
    if (name === "clear") {
      void this.clear();
      return;
    }
    if (name === "compact") {
      void this.compact();
      return;
    }
    const msgs = [`Unknown command: /${name}`];
    if (args) msgs.push(`Args from unknown skill: ${args}`);
    for (const content of msgs) {
      this.writeLine(
        this.systemLine("informational", { content, isMeta: false, level: "warning" }),
      );
      this.entries.push({ lines: [`● ${content}`] });
    }
    this.render();
  }
}
