/**
 * `make bench`: sizes of csd's executables in each form, and the startup time of `csd-status`
 * and of the hook program (the hook runs on the worker's hot path: every tool call), as the
 * median of many runs, against a bash+jq hook doing the same work (bench/hook.sh) in the same
 * run. Runs are interleaved round-robin across forms so machine noise hits them alike.
 *
 * Forms: the source tree's wrappers (bin/: deno run on the TypeScript, npm packages from the
 * Deno cache), the installed bundled form (a temp `make install`: sh wrapper + Deno + one
 * bundled script), and the compiled executables when `make compile` built them.
 *
 * Usage: deno run -A bench/startup.ts  (BENCH_RUNS=<n>, default 40, at least 30)
 */
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const DENO = `${REPO}/.tools/bin/deno`;
const RUNS = Math.max(30, Number(Deno.env.get("BENCH_RUNS") ?? 40));
const WARMUP = 3;
const encoder = new TextEncoder();

function print(text = ""): void {
  Deno.stdout.writeSync(encoder.encode(`${text}\n`));
}

function size(path: string): number | null {
  try {
    return Deno.statSync(path).size;
  } catch {
    return null;
  }
}

function human(bytes: number | null): string {
  if (bytes === null) return "—";
  if (bytes < 10_000) return `${bytes} B`;
  if (bytes < 10_000_000) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${
      cells.map((c, i) => i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)).join(" | ")
    } |`;
  print(line(header));
  print(
    `|${
      widths.map((w, i) => i === 0 ? `${"-".repeat(w + 1)}-` : `${"-".repeat(w + 1)}:`).join("|")
    }|`,
  );
  for (const row of rows) print(line(row));
}

function exists(path: string): boolean {
  return size(path) !== null;
}

function commandWorks(program: string, args: string[]): boolean {
  try {
    return new Deno.Command(program, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** One timed run of `program args` with `stdin`; returns milliseconds. */
async function timeRun(
  program: string,
  args: string[],
  env: Record<string, string>,
  stdin: string | null,
): Promise<number> {
  const started = performance.now();
  const child = new Deno.Command(program, {
    args,
    env,
    clearEnv: true,
    stdin: stdin === null ? "null" : "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  if (stdin !== null) {
    const writer = child.stdin.getWriter();
    await writer.write(encoder.encode(stdin));
    await writer.close();
  }
  const status = await child.status;
  const elapsed = performance.now() - started;
  if (!status.success) throw new Error(`${program} ${args.join(" ")} exited ${status.code}`);
  return elapsed;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

interface Subject {
  label: string;
  program: string;
  args: string[];
  env: Record<string, string>;
  stdin: string | null;
  times: number[];
}

async function bench(subjects: Subject[]): Promise<void> {
  for (let i = 0; i < WARMUP; i++) {
    for (const s of subjects) await timeRun(s.program, s.args, s.env, s.stdin);
  }
  for (let i = 0; i < RUNS; i++) {
    for (const s of subjects) s.times.push(await timeRun(s.program, s.args, s.env, s.stdin));
  }
}

function report(subjects: Subject[]): void {
  table(
    ["form", "median ms", "p10 ms", "p90 ms", "runs"],
    subjects.map((s) => {
      const sorted = [...s.times].sort((a, b) => a - b);
      return [
        s.label,
        percentile(sorted, 0.5).toFixed(1),
        percentile(sorted, 0.1).toFixed(1),
        percentile(sorted, 0.9).toFixed(1),
        String(sorted.length),
      ];
    }),
  );
}

const work = await Deno.makeTempDir({ prefix: "csd-bench-" });
const prefix = `${work}/prefix`;
try {
  const install = new Deno.Command("bash", {
    args: [
      `${REPO}/tools/install.sh`,
      "install",
      prefix,
      REPO,
      DENO,
      `${REPO}/build/bundle`,
      "/nonexistent",
    ],
    stdout: "null",
  }).outputSync();
  if (!install.success) throw new Error("the bundled install failed: run `make bundle` first");
  const compiledDir = `${REPO}/build/compile`;
  const compiled = exists(`${compiledDir}/.stamp`) &&
    Deno.statSync(`${compiledDir}/.stamp`).mtime! >=
      Deno.statSync(`${REPO}/build/bundle/.stamp`).mtime!;
  const jq = commandWorks("jq", ["--version"]);
  const home = `${work}/home`;
  await Deno.mkdir(home);
  const baseEnv = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: home };

  print(`# csd startup bench (${new Date().toISOString()})`);
  print();
  print(
    `${Deno.build.target}, ${navigator.hardwareConcurrency} cores, ` +
      `${
        new TextDecoder().decode(
          new Deno.Command(DENO, { args: ["--version"] }).outputSync().stdout,
        ).split("\n")[0]
      }`,
  );
  print();

  // --- sizes ---
  const names = [...Deno.readDirSync(`${REPO}/build/bundle`)]
    .filter((e) => e.name.endsWith(".js")).map((e) => e.name.slice(0, -3)).sort();
  print("## Executable sizes");
  print();
  print(
    "source = bin/ wrapper (runs the TypeScript in the checkout); bundle = the self-contained " +
      "script; installed = PREFIX/bin entry of the bundled install; compiled = deno compile output",
  );
  print();
  table(
    ["executable", "source", "bundle", "installed", "compiled"],
    ["csd", ...names].map((name) => [
      name,
      human(size(`${REPO}/bin/${name}`)),
      human(size(`${REPO}/build/bundle/${name}.js`)),
      human(size(`${prefix}/bin/${name}`)),
      compiled ? human(size(`${compiledDir}/${name}`)) : "—",
    ]),
  );
  let installed = 0;
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isDirectory) walk(`${dir}/${e.name}`);
      else if (e.isFile) installed += Deno.statSync(`${dir}/${e.name}`).size;
    }
  };
  walk(prefix);
  print();
  print(
    `Shared by the bundled install: the Deno runtime ${human(size(`${prefix}/lib/csd/deno`))}; ` +
      `whole bundled install ${human(installed)}.` +
      (compiled ? "" : " Compiled: not built (`make compile` needs DENORT_BIN)."),
  );
  print();

  // --- csd-status startup ---
  print(`## Startup: \`csd-status --help\` (${RUNS} runs each, interleaved)`);
  print();
  const statusSubjects: Subject[] = [
    { label: "source (bin/csd-status)", program: `${REPO}/bin/csd-status` },
    { label: "bundled (installed)", program: `${prefix}/bin/csd-status` },
    ...(compiled ? [{ label: "compiled", program: `${compiledDir}/csd-status` }] : []),
  ].map((s) => ({ ...s, args: ["--help"], env: baseEnv, stdin: null, times: [] }));
  await bench(statusSubjects);
  report(statusSubjects);
  print();

  // --- hook ---
  print(`## Hook program: one PreToolUse event appended (${RUNS} runs each, interleaved)`);
  print();
  const sessionId = "0b4c7e2e-5f0e-4b43-9d0e-6f1f6c3a2b11";
  const payload = JSON.stringify({
    session_id: sessionId,
    transcript_path: `${home}/.claude/projects/-p/${sessionId}.jsonl`,
    cwd: "/p",
    permission_mode: "bypassPermissions",
    hook_event_name: "PreToolUse",
    tool_name: "Bash",
    tool_input: { command: "ls -la && git status", description: "Look around" },
    tool_use_id: "toolu_01ABCDEFGHIJKLMNOPQRSTUV",
  });
  const hookEnv = (label: string) => ({
    ...baseEnv,
    CSD_EVENTS_FILE: `${work}/${label}.events.jsonl`,
    CSD_SESSION_ID: sessionId,
  });
  const hookSubjects: Subject[] = [
    { label: "source", program: `${REPO}/bin/csd-hook` },
    { label: "bundled", program: `${prefix}/bin/csd-hook` },
    ...(compiled ? [{ label: "compiled", program: `${compiledDir}/csd-hook` }] : []),
    ...(jq ? [{ label: "bash+jq", program: `${REPO}/bench/hook.sh` }] : []),
  ].map((s) => ({
    ...s,
    args: ["claude"],
    env: hookEnv(s.label.replace(/\W/g, "_")),
    stdin: payload,
    times: [],
  }));
  await bench(hookSubjects);
  report(hookSubjects);
  print();
  // Same work: every form appended one line per run, and the same line (but for its time).
  const lines = (label: string) =>
    Deno.readTextFileSync(`${work}/${label.replace(/\W/g, "_")}.events.jsonl`).trim().split("\n");
  const reference = { ...JSON.parse(lines("source")[0]!), ts: "" };
  for (const s of hookSubjects) {
    const own = lines(s.label);
    const same = JSON.stringify({ ...JSON.parse(own[0]!), ts: "" }) === JSON.stringify(reference);
    print(
      `- ${s.label}: ${own.length} lines appended, ${
        same ? "same line as csd-hook" : "DIFFERENT line"
      }`,
    );
  }
  if (!jq) print("- bash+jq: skipped (jq is not installed and could not be installed)");
} finally {
  new Deno.Command("bash", {
    args: [`${REPO}/tools/install.sh`, "uninstall", prefix],
    stdout: "null",
  })
    .outputSync();
  await Deno.remove(work, { recursive: true }).catch(() => {});
}
