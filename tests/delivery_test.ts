/**
 * Delivery and event-stream primitives without a worker: prompt text normalisation (a property
 * test over paste-marker fragments), the events cursor meeting a replaced, truncated or torn
 * file, and the hook's append after a partial line.
 */
import { assert, assertEquals } from "./support/assert.ts";
import { promptAsText } from "../lib/submit.ts";

/** A small seeded PRNG (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
    const next = random(seed);
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
