// Terminal and display helpers. Part of the fake claude: see ../fake_claude.ts.
import { writeOut } from "./util.ts";

export function restoreTerminal() {
  writeOut("\x1b[?2004l\x1b[?25h");
  try {
    Deno.stdin.setRaw(false);
  } catch { /* not a terminal */ }
}

// Returns the complete escape sequence at the start of s, or null if it is incomplete.
export function matchEscape(s: string): string | null {
  if (s.length < 2) return null;
  const second = s[1]!;
  if (second === "[") {
    for (let i = 2; i < s.length; i++) {
      const code = s.charCodeAt(i);
      if (code >= 0x40 && code <= 0x7e) return s.slice(0, i + 1);
    }
    return null;
  }
  if (second === "O") return s.length >= 3 ? s.slice(0, 3) : null;
  if (second === "\x1b") return "\x1b"; // ESC ESC: the first one is a lone Escape
  return s.slice(0, 2); // Alt+key
}

export function keyName(seq: string): string {
  switch (seq) {
    case "\x1b":
      return "escape";
    case "\x1b[A":
    case "\x1bOA":
      return "up";
    case "\x1b[B":
    case "\x1bOB":
      return "down";
    case "\x1b[C":
    case "\x1bOC":
      return "right";
    case "\x1b[D":
    case "\x1bOD":
      return "left";
    default:
      return seq.length === 2 ? "escape" : "unknown";
  }
}

export function center(s: string, w: number): string {
  const len = [...s].length;
  if (len >= w) return [...s].slice(0, w).join("");
  const left = Math.floor((w - len) / 2);
  return " ".repeat(left) + s + " ".repeat(w - len - left);
}

// Cuts a line with ANSI colours to the screen width (counting visible code points).
export function clip(line: string, cols: number): string {
  let visible = 0;
  let out = "";
  for (let i = 0; i < line.length;) {
    if (line[i] === "\x1b") {
      // deno-lint-ignore no-control-regex
      const m = line.slice(i).match(/^\x1b\[[0-9;?]*[A-Za-z]/);
      if (m) {
        out += m[0];
        i += m[0].length;
        continue;
      }
    }
    const cp = line.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (visible >= cols) break;
    out += ch;
    visible++;
    i += ch.length;
  }
  return out;
}

export function wordWrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

export function wrapBox(text: string, width: number): string[] {
  const out: string[] = [];
  for (const logical of text.split("\n")) {
    const cps = [...logical];
    if (cps.length === 0) out.push("");
    for (let i = 0; i < cps.length; i += width) out.push(cps.slice(i, i + width).join(""));
  }
  return out.length ? out : [""];
}

export function promptLines(text: string): string[] {
  return text.split("\n").map((l, i) => (i === 0 ? `❯ ${l}` : `  ${l}`));
}

export function bullet(text: string): string[] {
  return text.split("\n").map((l, i) => (i === 0 ? `● ${l}` : `  ${l}`));
}

export function firstLines(text: string, prefix: string): string[] {
  const lines = text.split("\n");
  const shown = lines.slice(0, 3).map((l, i) => (i === 0 ? prefix : "     ") + l);
  if (lines.length > 3) shown.push(`     … +${lines.length - 3} lines (ctrl+o to expand)`);
  return shown;
}
