/**
 * Delivery and event-stream primitives without a worker: prompt text normalisation (a property
 * test over paste-marker fragments), the events cursor meeting a replaced, truncated or torn
 * file, and the hook's append after a partial line.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { promptAsText, promptMatches } from "../lib/turn/submit.ts";
import { harnessFor } from "../lib/harness/mod.ts";
import type { EventLine } from "../lib/schema.ts";
import { LineCursor } from "../lib/events/jsonl.ts";
import { appendEventLine } from "../lib/events/append.ts";
import { parseEventLine } from "../lib/schema.ts";
import { NODE22 } from "../kit/harness_set.ts";
import { seededRandom } from "./support/random.ts";

const START = "\x1b[200~";
const END = "\x1b[201~";
/** Fragments an attacker can combine into a marker, plus ordinary and control text. */
const FRAGMENTS = [
  START,
  END,
  "\x1b",
  "\x1b[",
  "\x1b[20",
  "\x1b[201",
  "[",
  "[20",
  "0~",
  "1~",
  "~",
  "2",
  "0",
  "1",
  "200~",
  "201~",
  "\r",
  "\r\n",
  "\n",
  "\t",
  "\x03",
  "\x15",
  "\x00",
  "\x7f",
  "/exit",
  "!touch x",
  "text ",
  "ünï 🚀",
];

Deno.test("promptAsText(): no concatenation of marker fragments leaves an ESC or a marker", () => {
  for (let seed = 1; seed <= 20_000; seed++) {
    const next = seededRandom(seed);
    const count = 1 + Math.floor(next() * 12);
    let input = "";
    for (let i = 0; i < count; i++) input += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)];
    const text = promptAsText(input);
    const where = `seed ${seed}: ${JSON.stringify(input)} -> ${JSON.stringify(text)}`;
    assert(!text.includes(START) && !text.includes(END), `a marker survived, ${where}`);
    assert(!text.includes("\x1b"), `an ESC survived, ${where}`);
    // deno-lint-ignore no-control-regex
    assert(!/[\x00-\x08\x0b-\x1f\x7f]/.test(text), `a control character survived, ${where}`);
    assertEquals(promptAsText(text), text, `not a fixed point, ${where}`);
    assertEquals(
      text.split("\n").length,
      input.replaceAll("\r\n", "\n").split(/[\r\n]/).length,
      `line count changed, ${where}`,
    );
  }
});

Deno.test("promptAsText(): keeps text, \\n and \\t; names every other control character", () => {
  const plain = 'He said "it\'s $HOME" & left;\n\tünïcödé ✓ 日本語 🚀 ␛ kept as is';
  assertEquals(promptAsText(plain), plain);
  assertEquals(promptAsText("a\r\nb\rc\nd"), "a\nb\nc\nd");
  assertEquals(promptAsText("\x1b[201~"), "\u241b[201~");
  assertEquals(promptAsText("x\x1bdy"), "x\u241bdy");
  assertEquals(promptAsText("\x00\x03\x07\x08\x0b\x0c\x15\x1f\x7f"), "␀␃␇␈␋␌␕␟␡");
  // C1 controls and other code points are text to every harness: left alone.
  assertEquals(promptAsText("\u0085\u009b201~"), "\u0085\u009b201~");
});

Deno.test("promptMatches(): a prompt's first line is not its confirmation; a truncated record is", () => {
  const submitted = (prompt?: string) =>
    ({ event: "user_prompt_submit", ts: "2026-12-01T00:00:00.000Z", prompt }) as EventLine;
  const sent = "first line\nsecond line\n\nfourth line";
  for (const name of ["claude", "codex", "pi"] as const) {
    const harness = harnessFor(name);
    assert(promptMatches(submitted(sent), sent, harness), name);
    assert(promptMatches(submitted(` ${sent.replaceAll("\n", "\n  ")}\n`), sent, harness), name);
    assert(promptMatches(submitted(undefined), sent, harness), `${name}: no prompt recorded`);
    // Claude 2.1.332 took each line of a paste that reached it as keys for a prompt of its own.
    assertEquals(promptMatches(submitted("first line"), sent, harness), false, name);
    assertEquals(promptMatches(submitted(""), sent, harness), false, name);
  }
  const long = "x".repeat(70_000);
  const claude = harnessFor("claude");
  // As the hook and the Pi extension shorten a long prompt.
  assert(promptMatches(submitted(`${long.slice(0, 65_536)}…[truncated 4464 chars]`), long, claude));
  assert(promptMatches(submitted(`${long.slice(0, 65_536)}…[truncated]`), long, harnessFor("pi")));
  assertEquals(
    promptMatches(submitted(`${"y".repeat(65_536)}…[truncated 4464 chars]`), long, claude),
    false,
  );
});

const line = (event: string, extra: Record<string, string> = {}) =>
  JSON.stringify({ ts: "2026-12-01T00:00:00Z", event, ...extra }) + "\n";

function eventsOf(cursor: LineCursor): string[] {
  return cursor.next().map((l) => parseEventLine(l.text)?.event ?? "junk");
}

Deno.test("LineCursor: a deleted, truncated or rewritten file is read again from its start", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/w.events.jsonl`;
    Deno.writeTextFileSync(path, line("session_start") + line("user_prompt_submit"));
    const cursor = new LineCursor(path, 0);
    assertEquals(eventsOf(cursor), ["session_start", "user_prompt_submit"]);

    // Deleted, then recreated by the next append (possibly with the same inode number).
    Deno.removeSync(path);
    assertEquals(eventsOf(cursor), []);
    Deno.writeTextFileSync(path, line("stop"));
    assertEquals(eventsOf(cursor), ["stop"]);

    // Truncated to 0, then appended to.
    Deno.truncateSync(path, 0);
    assertEquals(eventsOf(cursor), []);
    Deno.writeTextFileSync(path, line("notification"), { append: true });
    assertEquals(eventsOf(cursor), ["notification"]);

    // Replaced by a longer file between two reads: the cursor's offset is no line start there.
    const before = cursor.offset;
    const long = line("stop", { last_assistant_message: "x".repeat(before + 10) });
    Deno.writeTextFileSync(`${path}.new`, long);
    Deno.renameSync(`${path}.new`, path);
    assertEquals(eventsOf(cursor), ["stop"]);

    // Truncated and refilled past the offset in place (same inode), unnoticed in between.
    const offset = cursor.offset;
    Deno.truncateSync(path, 0);
    Deno.writeTextFileSync(
      path,
      line("user_prompt_submit", { prompt: "y".repeat(offset) }) + line("stop"),
      { append: true },
    );
    assertEquals(eventsOf(cursor), ["user_prompt_submit", "stop"]);
    // Plain appends keep working after all that.
    Deno.writeTextFileSync(path, line("session_end"), { append: true });
    assertEquals(eventsOf(cursor), ["session_end"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("appendEventLine(): after a partial last line, the event starts a line of its own", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/w.events.jsonl`;
    const event = { ts: "2026-12-01T00:00:00Z", event: "stop" as const };
    appendEventLine(path, event);
    Deno.writeTextFileSync(path, 'x\n{"ts":"…","event":"sto', { append: true });
    appendEventLine(path, event);
    appendEventLine(path, event);
    const cursor = new LineCursor(path, 0);
    assertEquals(eventsOf(cursor), ["stop", "junk", "junk", "stop", "stop"]);
    assertEquals(Deno.statSync(path).mode! & 0o777, 0o600);

    // The same under Node, as the Pi extension runs it.
    Deno.writeTextFileSync(path, '{"ts":"…","event":"sto', { append: true });
    const module = new URL("../lib/events/append.ts", import.meta.url).href;
    const node = new Deno.Command(NODE22, {
      args: [
        "--experimental-strip-types",
        "--no-warnings",
        "--input-type=module",
        "-e",
        `const { appendEventLine } = await import(${JSON.stringify(module)});
         appendEventLine(${JSON.stringify(path)}, ${JSON.stringify(event)});`,
      ],
    }).outputSync();
    assertEquals(node.code, 0, new TextDecoder().decode(node.stderr));
    assertEquals(eventsOf(cursor), ["junk", "stop"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("LineCursor: a baseline just past a torn line does not replay the file", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/w.events.jsonl`;
    Deno.writeTextFileSync(path, line("stop") + '{"ts":"…","event":"sto');
    const cursor = new LineCursor(path, Deno.statSync(path).size);
    assertEquals(eventsOf(cursor), []);
    appendEventLine(path, { ts: "2026-12-01T00:00:01Z", event: "user_prompt_submit" });
    assertEquals(eventsOf(cursor).filter((e) => e !== "junk"), ["user_prompt_submit"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
