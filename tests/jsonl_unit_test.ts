/**
 * The streaming readers of lib/events/jsonl.ts (issue 15): reading backwards or forwards a chunk at a
 * time must give exactly the lines a whole-file split gives, whatever the chunk boundaries cut.
 */
import { assert, assertEquals } from "./support/assert.ts";
import {
  fromTail,
  type LineAt,
  linesBackward,
  linesForward,
  offsetAfterLines,
  readLinesFrom,
} from "../lib/events/jsonl.ts";

const encoder = new TextEncoder();

function withFile(content: string | Uint8Array, body: (path: string) => void): void {
  const path = Deno.makeTempFileSync({ suffix: ".jsonl" });
  try {
    Deno.writeFileSync(path, typeof content === "string" ? encoder.encode(content) : content);
    body(path);
  } finally {
    Deno.removeSync(path);
  }
}

/** The lines a whole-file read finds (complete lines only), with their byte ranges. */
function expected(path: string): LineAt[] {
  return readLinesFrom(path, 0);
}

const CHUNKS = [1, 2, 3, 5, 7, 64, 1 << 16];

Deno.test("linesBackward gives the whole-file lines newest first at every chunk size", () => {
  const text = ['{"a":1}', "", '{"b":"two"}', "x".repeat(300), '{"c":3}'].join("\n") + "\n";
  withFile(text, (path) => {
    for (const chunk of CHUNKS) {
      assertEquals(
        [...linesBackward(path, { chunk })],
        expected(path).toReversed(),
        `chunk ${chunk}`,
      );
    }
  });
});

Deno.test("linesBackward within N bytes gives the lines of the window a tail read keeps", () => {
  // Every window bound, every chunk size: a bound on a line's first byte, on its newline, inside
  // it; a torn last line, which the window counts in its size but no reader returns.
  const text = ['{"a":1}', "", '{"b":"two"}', "x".repeat(30), '{"c":3}', '{"d":'].join("\n");
  withFile(text, (path) => {
    for (let within = 0; within <= text.length + 1; within++) {
      // What readTailEvents keeps: the complete lines from size - within, the first one dropped.
      const start = Math.max(0, text.length - within);
      const window = readLinesFrom(path, start).slice(start > 0 ? 1 : 0);
      for (const chunk of CHUNKS) {
        assertEquals(
          [...linesBackward(path, { chunk, within })],
          window.toReversed(),
          `within ${within}, chunk ${chunk}`,
        );
      }
    }
  });
});

Deno.test("linesBackward skips a torn last line unless partial", () => {
  withFile('{"a":1}\n{"b":2}\n{"c":', (path) => {
    for (const chunk of CHUNKS) {
      assertEquals([...linesBackward(path, { chunk })].map((l) => l.text), ['{"b":2}', '{"a":1}']);
      const partial = [...linesBackward(path, { chunk, partial: true })];
      assertEquals(partial[0], { text: '{"c":', start: 16, end: 21 });
      assertEquals(partial.length, 3);
    }
  });
});

Deno.test("linesBackward decodes multi-byte characters cut by a chunk boundary", () => {
  const text = '{"t":"héllo wörld ✓ 🙂"}\n{"t":"日本語のテキスト"}\n';
  withFile(text, (path) => {
    for (const chunk of CHUNKS) {
      const lines = [...linesBackward(path, { chunk })];
      assertEquals(lines.map((l) => l.text), [
        '{"t":"日本語のテキスト"}',
        '{"t":"héllo wörld ✓ 🙂"}',
      ]);
      assertEquals(lines, expected(path).toReversed());
    }
  });
});

Deno.test("linesBackward of an empty file, a lone newline and a file without any newline", () => {
  withFile("", (path) => assertEquals([...linesBackward(path, { partial: true })], []));
  withFile(
    "\n",
    (path) => assertEquals([...linesBackward(path)], [{ text: "", start: 0, end: 1 }]),
  );
  withFile("abc", (path) => {
    assertEquals([...linesBackward(path)], []);
    assertEquals([...linesBackward(path, { partial: true })], [{ text: "abc", start: 0, end: 3 }]);
  });
});

Deno.test("linesBackward stops reading when the caller stops, and a missing file throws", () => {
  const lines = Array.from({ length: 1000 }, (_, i) => `{"n":${i}}`);
  withFile(lines.join("\n") + "\n", (path) => {
    const taken: string[] = [];
    for (const line of linesBackward(path, { chunk: 16 })) {
      taken.push(line.text);
      if (taken.length === 3) break;
    }
    assertEquals(taken, ['{"n":999}', '{"n":998}', '{"n":997}']);
  });
  let thrown: unknown;
  try {
    [...linesBackward("/nonexistent/csd-jsonl-test")];
  } catch (error) {
    thrown = error;
  }
  assert(thrown instanceof Deno.errors.NotFound, "a missing file throws NotFound");
});

Deno.test("linesForward gives the whole-file lines from an offset, a torn last line unread", () => {
  const text = '{"a":1}\n{"b":"ü"}\n' + "y".repeat(200_000) + '\n{"c":';
  withFile(text, (path) => {
    assertEquals([...linesForward(path)], expected(path));
    const second = expected(path)[1]!;
    assertEquals([...linesForward(path, second.start)], readLinesFrom(path, second.start));
  });
  assertEquals([...linesForward("/nonexistent/csd-jsonl-test")], []);
});

Deno.test("fromTail computes on the shortest tail that answers, else on the whole file", () => {
  const objects = Array.from({ length: 50 }, (_, i) => ({ n: i, start: i % 10 === 0 }));
  withFile(objects.map((o) => JSON.stringify(o)).join("\n") + '\n{"n":', (path) => {
    const seen: number[] = [];
    const last = fromTail<{ n: number; start: boolean }, number[]>(
      path,
      (o) => o.start,
      (tail) => {
        seen.push(tail.length);
        return tail.map((o) => o.n);
      },
    );
    assertEquals(last, [40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
    assertEquals(seen, [10]);
    const never = fromTail<{ n: number }, number>(
      path,
      () => true,
      (tail) => tail.length === 50 ? tail[0]!.n : undefined,
    );
    assertEquals(never, 0);
  });
  assertEquals(fromTail("/nonexistent/csd-jsonl-test", () => true, () => 1), undefined);
});

Deno.test("each harness's tail reader gives the turn its whole-file parse gives", async () => {
  const claude = await import("../lib/harness/claude/transcript.ts");
  const codex = await import("../lib/harness/codex/transcript.ts");
  const pi = await import("../lib/harness/pi/transcript.ts");
  const readers = [
    {
      files: [
        "claude_transcript_tool_turn.jsonl",
        "claude_transcript_thinking_turn.jsonl",
        "claude_transcript_failed_turn.jsonl",
      ],
      whole: (text: string) => claude.lastTurn(claude.parseTranscript(text)),
      tail: claude.readLastTurn,
    },
    {
      files: ["codex/rollout_tool_turn.jsonl", "codex/rollout_failed_turn.jsonl"],
      whole: (text: string) => codex.lastRolloutTurn(codex.parseRollout(text)),
      tail: codex.readLastRolloutTurn,
    },
    {
      files: [...Deno.readDirSync(new URL("./fixtures/pi", import.meta.url))]
        .filter((f) => f.name.startsWith("session_")).map((f) => `pi/${f.name}`),
      whole: (text: string) => pi.lastPiTurn(pi.parsePiSession(text)),
      tail: pi.readLastPiTurn,
    },
  ];
  let compared = 0;
  for (const reader of readers) {
    for (const name of reader.files) {
      const text = Deno.readTextFileSync(new URL(`./fixtures/${name}`, import.meta.url));
      // Twice over (two sessions in one file) and with a torn line being written at the end.
      for (const content of [text, text + text, text + '{"type":"assistant","mess']) {
        withFile(content, (path) => {
          const want = reader.whole(content);
          assert(want !== undefined, `${name} has a turn`);
          assertEquals(reader.tail(path), want, name);
          compared++;
        });
      }
    }
  }
  assert(compared >= 15, `compared ${compared} transcripts`);
  assertEquals(claude.readLastTurn("/nonexistent/csd-jsonl-test"), undefined);
});

Deno.test("offsetAfterLines counts complete lines only, streaming", () => {
  withFile('{"a":1}\n\n{"b":2}\n{"c":', (path) => {
    const ends = expected(path).map((l) => l.end);
    assertEquals([0, 1, 2, 3, 4, 9].map((n) => offsetAfterLines(path, n)), [
      0,
      ...ends,
      ends[2]!,
      ends[2]!,
    ]);
  });
  assertEquals(offsetAfterLines("/nonexistent/csd-jsonl-test", 3), 0);
});
