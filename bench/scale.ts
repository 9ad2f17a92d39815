/**
 * `make bench-scale`: csd on big data (issue 15's table). Generates, deterministically in a temp
 * dir, a 50 MB Claude transcript of 594 turns, a 100,000-line events file, 100 workers mid-turn
 * (short histories, and 1,000-event histories) on a private tmux server running a placeholder
 * command, and the case of a last prompt not yet in the transcript; then times every row as the
 * median of N runs interleaved round-robin (so machine noise hits every row alike), measures peak
 * memory (GNU time's %M, or — when absent — none), and prints the figures next to the targets.
 * Also prints the module graph of `status`, `session-id`, `events-file` and the hook.
 *
 * The reference column (bash csd v3.0.2) is filled only when that csd can be installed from the
 * npm registry at bench time; it is not published there today, so the column is skipped with a
 * message. The bench never fails for it.
 *
 * Usage: deno run -A bench/scale.ts
 *   BENCH_RUNS=<n>       timed runs per row (default 7, at least 3)
 *   BENCH_MEM_RUNS=<n>   extra runs under GNU time per row for peak memory (default 2)
 *   BENCH_GNU_TIME=0     poll /proc/<pid>/status VmHWM instead of GNU time
 *   BENCH_ONLY=<regex>   only the rows whose label matches
 *   BENCH_REFERENCE=0    do not look the reference up on the npm registry
 *   BENCH_CONVERSE=0     skip the converse rows (they need the real claude: `make harnesses`)
 *   BENCH_KEEP=1         keep the generated data, the install and the tmux server (to profile)
 */
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import {
  appendLine,
  at,
  uuid,
  writeClaudeTranscript,
  writeEvents,
  writeEventsForTranscript,
  writeMeta,
} from "./scale_data.ts";

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const DENO = `${REPO}/.tools/bin/deno`;
const RUNS = Math.max(3, Number(Deno.env.get("BENCH_RUNS") ?? 7));
const MEM_RUNS = Math.max(0, Number(Deno.env.get("BENCH_MEM_RUNS") ?? 2));
const ONLY = new RegExp(Deno.env.get("BENCH_ONLY") ?? "");
const GNU_TIME = "/usr/bin/time";
const SESSION = "0b4c7e2e-5f0e-4b43-9d0e-6f1f6c3a2b11";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function print(line = ""): void {
  Deno.stdout.writeSync(encoder.encode(`${line}\n`));
}

function note(line: string): void {
  Deno.stderr.writeSync(encoder.encode(`bench-scale: ${line}\n`));
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${
      cells.map((c, i) => i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)).join(" | ")
    } |`;
  print(line(header));
  print(`|${widths.map((w, i) => `${"-".repeat(w + 1)}${i === 0 ? "-" : ":"}`).join("|")}|`);
  for (const row of rows) print(line(row));
}

function run(program: string, args: string[], env?: Record<string, string>) {
  const output = new Deno.Command(program, {
    args,
    ...(env ? { env } : {}),
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

function works(program: string, args: string[]): boolean {
  try {
    return new Deno.Command(program, { args, stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
}

/** One timed command. `check` validates a run's output once, before timing. */
interface Row {
  label: string;
  target: string;
  program: string;
  args: string[];
  env: Record<string, string>;
  stdin?: string;
  check?: (stdout: string, code: number) => string | null;
  /** Rows that measure something other than wall time (converse) supply their own run. */
  measure?: () => Promise<{ value: number; detail?: number }>;
  memory?: () => Promise<number | null>;
  times: number[];
  details: number[];
  rss: number[];
  skipped?: string;
}

/** Runs `program` once; returns its wall time in ms (and its stdout when `capture`). */
async function timeOnce(
  program: string,
  args: string[],
  env: Record<string, string>,
  stdin: string | undefined,
  capture = false,
): Promise<{ ms: number; code: number; stdout: string }> {
  const started = performance.now();
  const child = new Deno.Command(program, {
    args,
    env,
    clearEnv: true,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: capture ? "piped" : "null",
    stderr: capture ? "piped" : "null",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(encoder.encode(stdin));
    await writer.close();
  }
  if (capture) {
    const output = await child.output();
    return {
      ms: performance.now() - started,
      code: output.code,
      stdout: decoder.decode(output.stdout),
    };
  }
  const status = await child.status;
  return { ms: performance.now() - started, code: status.code, stdout: "" };
}

/**
 * Peak resident memory (KiB) of one run: GNU time's %M, or without it the VmHWM of
 * /proc/<pid>/status polled until the process exits (csd's wrappers exec Deno, so the pid stays
 * the one that allocates; a poll may miss only a rise in the last milliseconds).
 */
async function peakKiB(
  program: string,
  args: string[],
  env: Record<string, string>,
  stdin: string | undefined,
  out: string,
  gnuTime: boolean,
): Promise<number | null> {
  if (gnuTime) {
    await timeOnce(GNU_TIME, ["-f", "%M", "-o", out, program, ...args], env, stdin);
    const value = Number(Deno.readTextFileSync(out).trim().split("\n").at(-1));
    return Number.isFinite(value) ? value : null;
  }
  const child = new Deno.Command(program, {
    args,
    env,
    clearEnv: true,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let done = false;
  const status = child.status.then(() => (done = true));
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(encoder.encode(stdin));
    await writer.close();
  }
  let peak: number | null = null;
  while (!done) {
    try {
      const match = /VmHWM:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${child.pid}/status`));
      if (match) peak = Math.max(peak ?? 0, Number(match[1]));
    } catch {
      // Exited between the check and the read.
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await status;
  return peak;
}

const work = Deno.realPathSync(await Deno.makeTempDir({ prefix: "csd-bench-scale-" }));
const socket = `csd-bench-${crypto.randomUUID().slice(0, 12)}`;
const prefix = `${work}/prefix`;
const cleanups: (() => Promise<void> | void)[] = [];
const tmux = (...args: string[]) =>
  run("tmux", ["-L", socket, ...args], { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" });

try {
  const hasGnuTime = Deno.env.get("BENCH_GNU_TIME") !== "0" &&
    works(GNU_TIME, ["-f", "%M", "true"]);
  print(`# csd scale bench (${new Date().toISOString()})`);
  print();
  print(
    `${Deno.build.target}, ${navigator.hardwareConcurrency} cores, ` +
      `${run(DENO, ["--version"]).stdout.split("\n")[0]}, load average at start ${loadAverage()}`,
  );
  print(
    `${RUNS} timed runs per row, interleaved round-robin; peak memory ` +
      (MEM_RUNS === 0
        ? "not measured (BENCH_MEM_RUNS=0)"
        : `= max RSS over ${MEM_RUNS} further runs ` +
          (hasGnuTime ? "under GNU time" : "(VmHWM polled from /proc: GNU time is missing)")),
  );
  print();

  // --- the installed (bundled) form, as bench/startup.ts makes it ---
  const install = run("bash", [
    `${REPO}/tools/install.sh`,
    "install",
    prefix,
    REPO,
    DENO,
    `${REPO}/build/bundle`,
    "/nonexistent",
  ]);
  if (install.code !== 0) throw new Error("the bundled install failed: run `make bundle` first");
  cleanups.push(() => void run("bash", [`${REPO}/tools/install.sh`, "uninstall", prefix]));

  // --- data ---
  const started = performance.now();
  const home = `${work}/home`;
  const transcript = `${home}/.claude/projects/-p/${SESSION}.jsonl`;
  Deno.mkdirSync(dirname(transcript), { recursive: true });
  const turns = writeClaudeTranscript(transcript, {
    sessionId: SESSION,
    cwd: "/p",
    turns: 594,
    targetBytes: 50 * 1024 * 1024,
  });
  const last = turns.at(-1)!;

  // Placeholder panes: the workers' screens are blank, so no screen check derives an event.
  cleanups.push(() => {
    tmux("kill-server");
    try {
      Deno.removeSync(`/tmp/tmux-${Deno.uid()}/${socket}`);
    } catch {
      // tmux removed it.
    }
  });
  const pane = (name: string) => {
    const made = tmux(
      "new-session",
      "-d",
      "-s",
      name,
      "-x",
      "120",
      "-y",
      "40",
      "-P",
      "-F",
      "#{session_id} #{pane_id}",
      "exec sleep 86400",
    );
    if (made.code !== 0) throw new Error(`tmux new-session ${name}: ${made.stderr.trim()}`);
    const [sessionIdTmux, paneId] = made.stdout.trim().split(" ");
    return { sessionIdTmux: sessionIdTmux!, paneId: paneId! };
  };
  const big = `${work}/big`;
  const bigPane = pane("big");
  for (const name of ["turn", "lag", "events"]) {
    writeMeta({
      dir: big,
      name,
      sessionId: SESSION,
      home,
      transcriptPath: transcript,
      socket,
      ...bigPane,
    });
  }
  writeEventsForTranscript(`${big}/turn.events.jsonl`, turns, SESSION, transcript);
  writeEventsForTranscript(`${big}/lag.events.jsonl`, turns, SESSION, transcript);
  appendLine(`${big}/lag.events.jsonl`, {
    ts: at(last.endMs + 5000),
    event: "user_prompt_submit",
    harness: "claude",
    session_id: SESSION,
    turn_id: uuid(0x9e0, turns.length),
    transcript_path: transcript,
    prompt: "A prompt Claude has not written to its transcript yet",
  });
  const eventsBytes = writeEvents(`${big}/events.events.jsonl`, {
    sessionId: SESSION,
    transcriptPath: transcript,
    lines: 100_000,
  });

  const midTurn = `${work}/midturn`;
  const history = `${work}/history`;
  const idle = `${work}/idle`;
  for (let i = 0; i < 100; i++) {
    const name = `w${String(i).padStart(3, "0")}`;
    const panes = pane(name);
    const sessionId = uuid(0x5e55, i);
    const path = `${home}/.claude/projects/-p/${sessionId}.jsonl`;
    for (
      const [dir, lines, busy] of [[midTurn, 2, true], [history, 1000, true], [
        idle,
        1000,
        false,
      ]] as const
    ) {
      writeMeta({ dir, name, sessionId, home, transcriptPath: path, socket, ...panes });
      writeEvents(`${dir}/${name}.events.jsonl`, {
        sessionId,
        transcriptPath: path,
        lines,
        midTurn: busy,
        seed: i + 10,
      });
    }
  }
  const hookEvents = `${work}/hook/hook.events.jsonl`;
  Deno.mkdirSync(dirname(hookEvents), { recursive: true });
  print(
    `Data (${ms(performance.now() - started)} to generate): transcript ` +
      `${(Deno.statSync(transcript).size / 1e6).toFixed(1)} MB, ${turns.length} turns; events ` +
      `file 100,000 lines, ${(eventsBytes / 1e6).toFixed(1)} MB; 2 × 100 workers mid-turn ` +
      `(2 and 1,000 events each) on a private tmux server running \`sleep\`.`,
  );
  print();

  // --- rows ---
  const baseEnv = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    CSD_TMUX_SOCKET: socket,
  };
  const inDir = (dir: string) => ({ ...baseEnv, CSD_WORKER_DIR: dir });
  const lines = (stdout: string) => stdout.split("\n").filter((l) => l.length > 0).length;
  const hookPayload = JSON.stringify({
    session_id: SESSION,
    transcript_path: transcript,
    cwd: "/p",
    permission_mode: "bypassPermissions",
    hook_event_name: "PreToolUse",
    tool_name: "Bash",
    tool_input: { command: "ls -la && git status", description: "Look around" },
    tool_use_id: "toolu_01ABCDEFGHIJKLMNOPQRSTUV",
  });
  const specs: Omit<Row, "times" | "details" | "rss">[] = [
    {
      label: "read-turn, 50 MB Claude transcript (594 turns)",
      target: "≤ 120 ms, ≤ 40 MiB, flat in length",
      program: `${REPO}/bin/csd-read-turn`,
      args: ["--worker", "turn"],
      env: inDir(big),
      check: (out, code) =>
        code === 0 && out.includes(last.finalText.slice(0, 40)) ? null : `exit ${code}`,
    },
    {
      label: "read-turn, last prompt not yet in the transcript",
      target: "≤ 0.5 s, bounded memory",
      program: `${REPO}/bin/csd-read-turn`,
      args: ["--worker", "lag"],
      env: inDir(big),
      check: (out, code) =>
        code === 0 && out.includes(last.finalText.slice(0, 40)) ? null : `exit ${code}`,
    },
    {
      label: "read-events, 100,000 lines",
      target: "≤ 400 ms, memory independent of size",
      program: `${REPO}/bin/csd-read-events`,
      args: ["--worker", "events"],
      env: inDir(big),
      check: (out, code) => code === 0 && lines(out) === 100_000 ? null : `${lines(out)} lines`,
    },
    {
      label: "read-events --last 10, same file",
      target: "≤ 60 ms",
      program: `${REPO}/bin/csd-read-events`,
      args: ["--worker", "events", "--last", "10"],
      env: inDir(big),
      check: (out, code) => code === 0 && lines(out) === 10 ? null : `${lines(out)} lines`,
    },
    {
      label: "list --all, 100 workers all mid-turn",
      target: "≤ 150 ms",
      program: `${REPO}/bin/csd`,
      args: ["list", "--all"],
      env: inDir(midTurn),
      check: (out, code) =>
        code === 0 && out.split("\n").filter((l) => l.startsWith("working\t")).length === 100
          ? null
          : `exit ${code}, not 100 working: ${out.slice(0, 200)}`,
    },
    {
      label: "list --all, 100 workers, 1,000-event histories",
      target: "≤ 200 ms",
      program: `${REPO}/bin/csd`,
      args: ["list", "--all"],
      env: inDir(history),
      check: (out, code) =>
        code === 0 && out.split("\n").filter((l) => l.startsWith("working\t")).length === 100
          ? null
          : `exit ${code}, not 100 working`,
    },
    {
      // Not in issue 15's table: an idle Claude worker is the common case, and its status is the
      // hardest to settle from the end (Claude queues prompts: the whole window is read).
      label: "list --all, 100 idle workers, 1,000-event histories",
      target: "(no target)",
      program: `${REPO}/bin/csd`,
      args: ["list", "--all"],
      env: inDir(idle),
      check: (out, code) =>
        code === 0 && out.split("\n").filter((l) => l.startsWith("idle\t")).length === 100
          ? null
          : `exit ${code}, not 100 idle: ${out.slice(0, 200)}`,
    },
    {
      label: "status, one worker of 100 (installed form)",
      target: "≤ 30 ms",
      program: `${prefix}/bin/csd-status`,
      args: ["--worker", "w042"],
      env: inDir(history),
      check: (out, code) => code === 0 && out === "working\n" ? null : `exit ${code}: ${out}`,
    },
    {
      label: "hook, one PreToolUse appended (installed form)",
      target: "≤ 22 ms",
      program: `${prefix}/bin/csd-hook`,
      args: ["claude"],
      env: { ...baseEnv, CSD_EVENTS_FILE: hookEvents, CSD_SESSION_ID: SESSION },
      stdin: hookPayload,
      check: (_out, code) => {
        const size = Deno.statSync(hookEvents).size;
        return code === 0 && size > 0 ? null : `exit ${code}, events file ${size} bytes`;
      },
    },
  ];
  const rows: Row[] = specs.map((row) => ({ ...row, times: [], details: [], rss: [] }))
    .filter((row) => ONLY.test(row.label));

  const converseLabels = [
    "converse overhead beyond the harness's turn (real claude)",
    "converse overhead beyond the harness's turn (real claude, installed form)",
  ];
  if (converseLabels.some((label) => ONLY.test(label))) {
    rows.push(...await converseRows(converseLabels, prefix, cleanups));
  }

  // Checks first: figures of a command that did the wrong work would mean nothing.
  for (const row of rows) {
    if (row.skipped || row.measure) continue;
    const once = await timeOnce(row.program, row.args, row.env, row.stdin, true);
    const problem = row.check?.(once.stdout, once.code) ?? null;
    if (problem) row.skipped = `check failed (${problem})`;
  }

  // Interleaved rounds.
  for (let round = 0; round < RUNS; round++) {
    for (const row of rows) {
      if (row.skipped) continue;
      if (row.measure) {
        const { value, detail } = await row.measure();
        row.times.push(value);
        if (detail !== undefined) row.details.push(detail);
      } else {
        row.times.push((await timeOnce(row.program, row.args, row.env, row.stdin)).ms);
      }
    }
  }
  {
    for (let round = 0; round < MEM_RUNS; round++) {
      for (const row of rows) {
        if (row.skipped) continue;
        const kib = row.memory ? await row.memory() : await peakKiB(
          row.program,
          row.args,
          row.env,
          row.stdin,
          `${work}/time.out`,
          hasGnuTime,
        );
        if (kib !== null) row.rss.push(kib);
      }
    }
  }

  const reference = await referenceNote();
  print(`## Figures (median of ${RUNS}; p10–p90 and min show the spread under load)`);
  print();
  table(
    ["figure", "csd now", "p10–p90", "min", "peak RSS", "reference", "target"],
    rows.map((row) => {
      if (row.skipped) return [row.label, "skipped", row.skipped, "—", "—", "—", row.target];
      const sorted = [...row.times].sort((a, b) => a - b);
      const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
      const rss = row.rss.length > 0 ? `${(Math.max(...row.rss) / 1024).toFixed(0)} MiB` : "—";
      const value = row.details.length > 0
        ? `${ms(median(row.times))} (turn ${ms(median(row.details))})`
        : ms(median(row.times));
      return [
        row.label,
        value,
        `${ms(at(0.1))}–${ms(at(0.9))}`,
        ms(sorted[0]!),
        rss,
        "—",
        row.target,
      ];
    }),
  );
  print();
  print(`Reference column: ${reference}`);
  print(`Load average at the end: ${loadAverage()} (other work on the machine skews the figures).`);
  print();

  if (ONLY.test("module graph")) await moduleGraphs(prefix);
} finally {
  if (Deno.env.get("BENCH_KEEP") === "1") {
    note(`kept the data in ${work} (tmux -L ${socket}); remove both by hand`);
  } else {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/**
 * The reference csd v3.0.2 is a bash tool from obra/claude-session-driver. The bench may use it
 * only when it installs from the npm registry; the name it would be published under is looked
 * up once (it is not published today).
 */
async function referenceNote(): Promise<string> {
  const skip = "skipped: the bash reference csd v3.0.2 (obra/claude-session-driver)";
  if (Deno.env.get("BENCH_REFERENCE") === "0") {
    return `${skip}: lookup disabled (BENCH_REFERENCE=0)`;
  }
  if (!works("npm", ["--version"])) return `${skip}: npm is not available to look it up`;
  const child = new Deno.Command("npm", {
    args: ["view", "claude-session-driver@3.0.2", "version"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const timer = setTimeout(() => child.kill(), 30_000);
  const output = await child.output();
  clearTimeout(timer);
  const version = decoder.decode(output.stdout).trim();
  if (!output.success || version === "") {
    return `${skip} is not published on the npm registry (looked up "claude-session-driver"), ` +
      "so it cannot be installed at bench time";
  }
  return `${skip}: published as claude-session-driver@${version}, but this bench does not ` +
    "drive it yet";
}

/**
 * The converse rows: a real claude against the mock model, driven by the checkout's bin/ and by
 * the installed (bundled) tree, one worker each on one tmux server. The figure is converse's
 * wall time minus the harness's own turn — from the user_prompt_submit event's `ts` to the stop
 * event's (both stamped by the hook) — i.e. what csd adds: its start, the paste and Enter,
 * noticing the events, the final read.
 */
async function converseRows(
  [sourceLabel, installedLabel]: string[],
  prefix: string,
  cleanups: (() => Promise<void> | void)[],
): Promise<Row[]> {
  const blank = (label: string): Row => ({
    label,
    target: "≤ 100 ms",
    program: "",
    args: [],
    env: {},
    times: [],
    details: [],
    rss: [],
  });
  const rows = [blank(sourceLabel!), blank(installedLabel!)];
  if (Deno.env.get("BENCH_CONVERSE") === "0") {
    return rows.map((row) => ({ ...row, skipped: "BENCH_CONVERSE=0" }));
  }
  let world;
  try {
    const { realWorld } = await import("../kit/real_claude.ts");
    world = await realWorld();
  } catch (error) {
    const skipped = error instanceof Error ? error.message : String(error);
    return rows.map((row) => ({ ...row, skipped }));
  }
  cleanups.push(() => world.dispose());
  const { env } = world;
  const forms = [
    { row: rows[0]!, name: "conv", launch: () => env.csd(["launch", "conv", env.project]) },
    {
      row: rows[1]!,
      name: "conv-inst",
      launch: () => env.exec(`${prefix}/bin/csd`, ["launch", "conv-inst", env.project]),
    },
  ];
  let count = 0;
  for (const { row, name, launch } of forms) {
    if (!ONLY.test(row.label)) continue;
    const launched = await launch();
    if (launched.code !== 0) {
      row.skipped = `launch failed: ${launched.stderr.trim()}`;
      continue;
    }
    cleanups.push(async () => void await env.shim(name, ["stop"]));
    const harnessTurn = (prompt: string): number => {
      const events = env.events(name);
      const submitted = events.findLastIndex((e) =>
        e.event === "user_prompt_submit" && e.prompt === prompt
      );
      const stop = events.slice(submitted + 1).find((e) => e.event === "stop");
      if (submitted < 0 || !stop) throw new Error(`no prompt/stop events for "${prompt}"`);
      return Date.parse(String(stop.ts)) - Date.parse(String(events[submitted]!.ts));
    };
    row.measure = async () => {
      const prompt = `bench turn ${count++}`;
      const started = performance.now();
      const result = await env.shim(name, ["converse", prompt, "60"]);
      const wall = performance.now() - started;
      if (result.code !== 0) throw new Error(`converse failed: ${result.stderr.trim()}`);
      const turn = harnessTurn(prompt);
      return { value: wall - turn, detail: turn };
    };
    row.memory = async () => {
      const out = `${env.root}/time.out`;
      const result = await env.exec(GNU_TIME, [
        "-f",
        "%M",
        "-o",
        out,
        `${env.workerDir}/bin/${name}`,
        "converse",
        `bench memory ${count++}`,
        "60",
      ]);
      if (result.code !== 0) return null;
      return Number(Deno.readTextFileSync(out).trim().split("\n").at(-1));
    };
    // One turn before timing: the first has Claude's own warm-up in it.
    await row.measure();
  }
  return rows.filter((row) => ONLY.test(row.label));
}

/**
 * What each of the light entry points loads: local modules and npm packages in its static
 * graph (deno info), and its start-up with `--help` (which loads the whole static graph and
 * does no work) against a bare `deno run` of an empty script.
 */
async function moduleGraphs(prefix: string): Promise<void> {
  const entries = [
    ["status", "commands/status.ts", "csd-status"],
    ["session-id", "commands/session-id.ts", "csd-session-id"],
    ["events-file", "commands/events-file.ts", "csd-events-file"],
    ["hook", "hooks/event_hook.ts", "csd-hook"],
  ] as const;
  const empty = `${dirname(prefix)}/empty.js`;
  Deno.writeTextFileSync(empty, "");
  const zodOnly = `${dirname(prefix)}/zod_only.ts`;
  Deno.writeTextFileSync(zodOnly, 'import "zod/mini";\n');
  const env = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: dirname(prefix),
    DENO_DIR: `${REPO}/.tools/deno-dir`,
    DENO_NO_UPDATE_CHECK: "1",
  };
  const subjects: { label: string; program: string; args: string[]; times: number[] }[] = [
    {
      label: "bare deno (empty script)",
      program: DENO,
      args: ["run", "--quiet", "--no-config", "--no-lock", "-A", empty],
      times: [],
    },
    {
      // What the shared schema's one npm dependency costs on its own, run like bin/ runs csd.
      label: "zod/mini alone (as bin/ runs it)",
      program: DENO,
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        "--cached-only",
        "--no-check",
        "-A",
        "--config",
        `${REPO}/deno.json`,
        zodOnly,
      ],
      times: [],
    },
  ];
  const graphRows: string[][] = [];
  const loaded: string[] = [];
  for (const [name, entry, exe] of entries) {
    const info = run(DENO, ["info", "--json", "--config", `${REPO}/deno.json`, entry], env);
    let local = 0;
    let localBytes = 0;
    let npm: string[] = [];
    const modules: string[] = [];
    try {
      // npmPackages lists the whole lock's snapshot: the graph's own are its npm modules.
      const graph = JSON.parse(info.stdout) as {
        roots: string[];
        redirects: Record<string, string>;
        modules: {
          specifier: string;
          size?: number;
          kind?: string;
          npmPackage?: string;
          dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
        }[];
      };
      // What start-up loads: the static imports only (a lazy `import()` loads when it runs).
      const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
      const resolve = (s: string) => graph.redirects[s] ?? s;
      const reached = new Set<string>();
      const pending = graph.roots.map(resolve);
      while (pending.length > 0) {
        const specifier = pending.pop()!;
        if (reached.has(specifier)) continue;
        reached.add(specifier);
        for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
          if (dep.code && !dep.isDynamic) pending.push(resolve(dep.code.specifier));
        }
      }
      for (const module of graph.modules.filter((m) => reached.has(m.specifier))) {
        if (module.kind === "npm" && module.npmPackage) npm.push(module.npmPackage);
        if (!module.specifier.startsWith("file:")) continue;
        local++;
        localBytes += module.size ?? 0;
        modules.push(fileURLToPath(module.specifier).slice(REPO.length + 1));
      }
      npm = [...new Set(npm)].sort();
    } catch {
      note(`deno info failed for ${entry}: ${info.stderr.trim().split("\n")[0]}`);
    }
    const bundle = `${REPO}/build/bundle/${exe}.js`;
    let bundleBytes = 0;
    try {
      bundleBytes = Deno.statSync(bundle).size;
    } catch {
      // Not bundled.
    }
    loaded.push(`- ${name}: ${modules.sort().join(" ")}`);
    graphRows.push([
      name,
      String(local),
      `${(localBytes / 1024).toFixed(0)} KiB`,
      npm.join(", ") || "none",
      bundleBytes ? `${(bundleBytes / 1024).toFixed(0)} KiB` : "—",
    ]);
    // The hook with no CSD_EVENTS_FILE loads everything and returns at once.
    const args = name === "hook" ? ["claude"] : ["--help"];
    subjects.push(
      { label: `${name} (source bin/)`, program: `${REPO}/bin/${exe}`, args, times: [] },
      { label: `${name} (installed)`, program: `${prefix}/bin/${exe}`, args, times: [] },
    );
  }
  print("## Module graphs");
  print();
  table(["entry point", "local modules", "local source", "npm packages", "bundle"], graphRows);
  print();
  print("Local modules each loads (a harness or transcript module here is one it may not need):");
  print();
  for (const line of loaded) print(line);
  print();
  const runs = Math.max(10, RUNS * 2);
  for (let i = 0; i < runs + 2; i++) {
    for (const s of subjects) {
      const once = await timeOnce(s.program, s.args, env, undefined);
      if (i >= 2) s.times.push(once.ms); // two warm-up rounds
    }
  }
  const bare = median(subjects[0]!.times);
  print(`Start-up with nothing to do (--help; the hook without CSD_EVENTS_FILE), ${runs} runs:`);
  print();
  table(
    ["form", "median", "spread", "beyond bare deno"],
    subjects.map((s) => [
      s.label,
      ms(median(s.times)),
      `${ms(Math.min(...s.times))}–${ms(Math.max(...s.times))}`,
      s === subjects[0] ? "—" : ms(median(s.times) - bare),
    ]),
  );
  print();
}
