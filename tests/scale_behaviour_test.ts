/**
 * What read-turn and read-events print on big files, pinned before they are rewritten to read
 * from the tail and stream (issue 15): the same output must come out before and after. The
 * fixtures are generated (bench/scale_data.ts, the bench's own generator, a few MB each) and the
 * expected output is built here from what was generated, not from csd's code. Also pinned: a
 * torn (half-written) last line, invalid lines among the last N, and a transcript still being
 * written while read-turn waits for it.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { BIN, TestEnv } from "../kit/env.ts";
import {
  appendLine,
  type TranscriptTurn,
  writeClaudeTranscript,
  writeEvents,
  writeEventsForTranscript,
  writeMeta,
} from "../bench/scale_data.ts";

const SESSION = "7d1c2a90-3b5e-4c8f-9a61-0e2f4b6d8c13";
const decoder = new TextDecoder();

interface World {
  env: TestEnv;
  transcript: string;
  events: (name: string) => string;
  /** Registers worker `name` (its meta; its events file is the caller's). */
  worker: (name: string) => void;
  run: (sub: string, name: string, args?: string[]) => Promise<{ code: number; stdout: string }>;
}

async function world(): Promise<World> {
  const env = await TestEnv.create();
  const transcript = `${env.home}/.claude/projects/-p/${SESSION}.jsonl`;
  Deno.mkdirSync(`${env.home}/.claude/projects/-p`, { recursive: true });
  return {
    env,
    transcript,
    events: (name) => `${env.workerDir}/${name}.events.jsonl`,
    worker: (name) =>
      writeMeta({
        dir: env.workerDir,
        name,
        sessionId: SESSION,
        home: env.home,
        transcriptPath: transcript,
        socket: env.socket,
        // read-turn and read-events (without --follow) never reach tmux.
        sessionIdTmux: "$0",
        paneId: "%0",
      }),
    run: async (sub, name, args = []) => {
      const run = await env.exec(`${BIN}/csd-${sub}`, ["--worker", name, ...args]);
      assertEquals(run.stderr, "", `csd-${sub} stderr`);
      return { code: run.code, stdout: run.stdout };
    },
  };
}

/** The markdown read-turn prints for a generated turn (README "read-turn"). */
function expectedTurn(turn: TranscriptTurn, full = false): string {
  const blocks = ["## Prompt", "", turn.prompt.trim(), "", "## Turn"];
  if (turn.thinking !== undefined) {
    blocks.push("", turn.thinking.trim().split("\n").map((l) => (l ? `> ${l}` : ">")).join("\n"));
  }
  for (const tool of turn.tools) {
    blocks.push("", `**Tool: ${tool.name}**`, "", "```json", JSON.stringify(tool.input, null, 2));
    blocks.push("```", "", "**Result:**", "", "```");
    const lines = tool.output.replace(/\n+$/, "").split("\n");
    if (full || lines.length <= 5) blocks.push(...lines);
    else blocks.push(...lines.slice(0, 5), `… ${lines.length - 5} more lines (--full shows all)`);
    blocks.push("```");
  }
  blocks.push("", turn.finalText.trim());
  return blocks.join("\n") + "\n";
}

/** The events a generated file holds, as lines (every line the generator writes is valid). */
function fileLines(path: string): string[] {
  return Deno.readTextFileSync(path).split("\n").filter((line) => line.length > 0);
}

/** The last turn of a generated transcript is the one read-turn must show: it has tools. */
function bigTranscript(w: World, turns = 40, bytes = 4 * 1024 * 1024): TranscriptTurn[] {
  const generated = writeClaudeTranscript(w.transcript, {
    sessionId: SESSION,
    cwd: "/p",
    turns,
    targetBytes: bytes,
  });
  assert(generated.at(-1)!.tools.length > 0, "the last turn has tool calls");
  return generated;
}

Deno.test("read-turn on a 4 MB transcript prints its last turn; --full its whole results", async () => {
  const w = await world();
  try {
    // 31 turns: the last one (index 30) has a thinking block and two tool calls.
    const turns = bigTranscript(w, 31);
    assert(Deno.statSync(w.transcript).size > 3_500_000, "the transcript is a few MB");
    w.worker("big");
    writeEventsForTranscript(w.events("big"), turns, SESSION, w.transcript);
    const last = turns.at(-1)!;
    assert(last.thinking !== undefined, "the last turn thinks");
    const shown = await w.run("read-turn", "big");
    assertEquals(shown, { code: 0, stdout: expectedTurn(last) });
    const full = await w.run("read-turn", "big", ["--full"]);
    assertEquals(full, { code: 0, stdout: expectedTurn(last, true) });
  } finally {
    await w.env.dispose();
  }
});

Deno.test("read-turn ignores a torn last transcript line (Claude mid-write)", async () => {
  const w = await world();
  try {
    const turns = bigTranscript(w);
    w.worker("torn");
    writeEventsForTranscript(w.events("torn"), turns, SESSION, w.transcript);
    const lines = fileLines(w.transcript);
    // Half of an assistant entry of a new message, no newline: what a reader meets mid-write.
    const assistant = lines.findLast((l) => l.includes('"type":"assistant"'))!;
    Deno.writeTextFileSync(w.transcript, assistant.slice(0, assistant.length / 2), {
      append: true,
    });
    const shown = await w.run("read-turn", "torn");
    assertEquals(shown, { code: 0, stdout: expectedTurn(turns.at(-1)!) });
  } finally {
    await w.env.dispose();
  }
});

Deno.test("read-turn waits for a transcript still being written and prints the new turn", async () => {
  const w = await world();
  try {
    // The events know the last turn (prompt and stop) before the transcript holds it, as when
    // Claude's hooks fire ahead of its transcript writes.
    const turns = bigTranscript(w, 30, 3 * 1024 * 1024);
    w.worker("live");
    writeEventsForTranscript(w.events("live"), turns, SESSION, w.transcript);
    const whole = Deno.readFileSync(w.transcript);
    const text = decoder.decode(whole);
    const cut = new TextEncoder().encode(
      text.slice(0, text.lastIndexOf('{"type":"file-history-snapshot"')),
    ).length;
    Deno.writeFileSync(w.transcript, whole.subarray(0, cut));
    const reader = new Deno.Command(`${BIN}/csd-read-turn`, {
      args: ["--worker", "live"],
      env: w.env.environment(),
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const killer = setTimeout(() => reader.kill(), 30_000);
    try {
      // The rest arrives in pieces, lines torn across writes, while read-turn waits.
      const rest = whole.subarray(cut);
      const pieces = 8;
      for (let i = 0; i < pieces; i++) {
        await new Promise((resolve) => setTimeout(resolve, 80));
        const from = Math.floor((rest.length * i) / pieces);
        const to = Math.floor((rest.length * (i + 1)) / pieces);
        const file = Deno.openSync(w.transcript, { append: true });
        file.writeSync(rest.subarray(from, to));
        file.close();
      }
      const output = await reader.output();
      assertEquals(decoder.decode(output.stderr), "");
      assertEquals(output.code, 0);
      assertEquals(decoder.decode(output.stdout), expectedTurn(turns.at(-1)!));
    } finally {
      clearTimeout(killer);
    }
    // And the finished file reads the same.
    assertEquals(await w.run("read-turn", "live"), {
      code: 0,
      stdout: expectedTurn(turns.at(-1)!),
    });
  } finally {
    await w.env.dispose();
  }
});

Deno.test("read-turn falls back to the transcript's last turn when the prompt never arrives", async () => {
  const w = await world();
  try {
    const turns = bigTranscript(w, 20, 2 * 1024 * 1024);
    w.worker("lag");
    writeEventsForTranscript(w.events("lag"), turns, SESSION, w.transcript);
    appendLine(w.events("lag"), {
      ts: new Date().toISOString(),
      event: "user_prompt_submit",
      harness: "claude",
      session_id: SESSION,
      transcript_path: w.transcript,
      prompt: "A prompt Claude never wrote to its transcript",
    });
    assertEquals(await w.run("read-turn", "lag"), {
      code: 0,
      stdout: expectedTurn(turns.at(-1)!),
    });
  } finally {
    await w.env.dispose();
  }
});

Deno.test("read-events on 20,000 lines prints them as written; --last and --type from the end", async () => {
  const w = await world();
  try {
    w.worker("many");
    const bytes = writeEvents(w.events("many"), {
      sessionId: SESSION,
      transcriptPath: w.transcript,
      lines: 20_000,
    });
    assert(bytes > 5_000_000, "the events file is a few MB");
    const lines = fileLines(w.events("many"));
    assertEquals(lines.length, 20_000);
    const all = await w.run("read-events", "many");
    assertEquals(all, { code: 0, stdout: lines.join("\n") + "\n" });
    const last = await w.run("read-events", "many", ["--last", "10"]);
    assertEquals(last, { code: 0, stdout: lines.slice(-10).join("\n") + "\n" });
    const stops = lines.filter((l) => JSON.parse(l).event === "stop");
    const lastStops = await w.run("read-events", "many", ["--type", "stop", "--last", "3"]);
    assertEquals(lastStops, { code: 0, stdout: stops.slice(-3).join("\n") + "\n" });
    const tools = lines.filter((l) => JSON.parse(l).event === "pre_tool_use");
    const allTools = await w.run("read-events", "many", ["--type", "pre_tool_use"]);
    assertEquals(allTools, { code: 0, stdout: tools.join("\n") + "\n" });
    assertEquals(await w.run("read-events", "many", ["--last", "0"]), { code: 0, stdout: "" });
  } finally {
    await w.env.dispose();
  }
});

Deno.test("read-events skips torn, foreign and invalid lines, also among the last N", async () => {
  const w = await world();
  try {
    w.worker("dirty");
    const path = w.events("dirty");
    writeEvents(path, { sessionId: SESSION, transcriptPath: w.transcript, lines: 5_000 });
    const valid = fileLines(path);
    const bad = [
      '{"ts":"2026-11-01T09:00:00.000Z","event":"no_such_event"}',
      '{"ts":"2026-11-01T09:00:00.000Z","event":"stop","success":"not a boolean"}',
      "[1,2,3]",
      "not json at all",
      '{"ts":"2026-11-01T09:00:00.000Z","event":"stop","last_assistant_mess',
      "",
    ];
    // Bad lines in the middle and between the last valid ones; then a torn, unterminated line.
    const mixed: string[] = [];
    valid.forEach((line, i) => {
      mixed.push(line);
      if (i === 2_500 || i >= valid.length - 4) mixed.push(...bad);
    });
    Deno.writeTextFileSync(
      path,
      mixed.join("\n") + '\n{"ts":"2026-11-01T09:00:00.000Z","event":"stop","harness":"cl',
    );
    assertEquals(await w.run("read-events", "dirty"), {
      code: 0,
      stdout: valid.join("\n") + "\n",
    });
    assertEquals(await w.run("read-events", "dirty", ["--last", "6"]), {
      code: 0,
      stdout: valid.slice(-6).join("\n") + "\n",
    });
    const last = await w.run("read-events", "dirty", ["--last", "1"]);
    assertEquals(last, { code: 0, stdout: valid.at(-1)! + "\n" });
    assertStringIncludes(last.stdout, '"event":"stop"');
  } finally {
    await w.env.dispose();
  }
});
