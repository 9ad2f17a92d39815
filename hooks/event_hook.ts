/**
 * The hook program Claude Code (and Codex) runs for every lifecycle event of a csd worker.
 *
 * It is on the worker's hot path (every tool call), so it: imports only the event mapping and
 * schema; reads stdin with a size and time bound; acts only when launched for a csd worker
 * (CSD_EVENTS_FILE set by launch); appends exactly one line with a single write; prints nothing
 * on stdout (Codex injects SessionStart/UserPromptSubmit stdout into the model's input); and
 * always exits 0 within a few seconds, whatever happens, so it can never block or fail a turn.
 *
 * The one exception is the tool-approval gate (issue 12): a PreToolUse of a gated worker (one
 * with a policy copy) or a question (AskUserQuestion) runs lib/approval/hook.ts: it waits for
 * the decision, bounded by the approval timeout, and prints the harness's answer. An ungated
 * worker's tool call pays one stat of the absent policy copy.
 *
 * Usage (set by csd launch): `csd-hook <claude|codex>`, the hook payload on stdin; the Pi
 * extension runs `csd-hook pi` for a gated call (the gate only: Pi records its own events).
 */
import { type HarnessName, isHarnessName } from "../lib/vocabulary.ts";
import { checkEventLine } from "../lib/shapes.gen.ts";
import { type HookPayload, toEventLine } from "./to_event.ts";
import { appendEventLine } from "../lib/events/append.ts";
import { concatBytes } from "../lib/bytes.ts";
import { approvalPathsForEvents } from "../lib/paths.ts";
// Static, not `await import()`: in the bundle csd-hook runs from, a dynamic import still inlines
// the gate. The gate and the event check are zod-free (lib/shape.ts): the bundle is 45 KB where
// zod made it 104 KB and ~15 ms slower to start. The gate's code only RUNS for a gated call.
import { gatePreToolUse } from "../lib/approval/hook.ts";

const MAX_STDIN_BYTES = 8 * 1024 * 1024;
const STDIN_TIMEOUT_MS = 2000;
const HARD_LIMIT_MS = 4000;
/**
 * What a gated call's hook may run past its approval timeout before it exits on its own: below
 * the harness's hook timeout margin (lib/approval/timeout.ts HOOK_TIMEOUT_MARGIN_S), so the gate's
 * own timeout decision is what the harness reads.
 */
const GATED_LIMIT_MARGIN_MS = 10_000;

/** What the hook prints on stdout and exits with. */
interface Answer {
  stdout: string;
  exitCode: number;
}

/**
 * The hook's time limits are AbortSignal.timeout, not setTimeout: the first setTimeout of a Deno
 * process costs ~5 ms (measured: 21 vs 16 ms for an empty script), a quarter of the hook's budget
 * on every tool call; AbortSignal.timeout costs nothing measurable. Re-arming supersedes the
 * earlier limit: only the latest one may end the process.
 */
let hardLimit = 0;

/** (Re-)arms the exit that ends the hook whatever hangs: an exit with no output lets the call run. */
function armHardLimit(ms: number): void {
  const armed = ++hardLimit;
  AbortSignal.timeout(ms).addEventListener("abort", () => {
    if (armed === hardLimit) Deno.exit(0);
  }, { once: true });
}

async function main(): Promise<Answer | undefined> {
  const eventsFile = Deno.env.get("CSD_EVENTS_FILE");
  // Not a csd worker (or a stray config): do nothing, quietly.
  if (!eventsFile || !eventsFile.endsWith(".events.jsonl")) return;
  const harness = Deno.args[0] ?? Deno.env.get("CSD_HARNESS") ?? "claude";
  if (!isHarnessName(harness)) return;
  const input = await readStdin(MAX_STDIN_BYTES, STDIN_TIMEOUT_MS);
  const payload = parsePayload(input);
  if (!payload) return;
  // Pi's extension records its own events and asks the hook for the gate only.
  if (harness === "pi") return await gated("pi", payload, eventsFile);
  // A nested harness started by the worker's own tools inherits CSD_EVENTS_FILE; its events
  // must not land in this worker's stream. The worker's own harness changes its session id on
  // `/clear` (and `/resume`), so a foreign id alone does not tell them apart: the process does.
  const expected = Deno.env.get("CSD_SESSION_ID");
  if (
    expected && typeof payload.session_id === "string" && payload.session_id !== expected &&
    !runByWorkerHarness()
  ) return;
  const line = toEventLine(harness, payload, new Date());
  if (!line || !checkEventLine(line).success) return;
  const launch = Deno.env.get("CSD_LAUNCH_ID");
  appendEventLine(eventsFile, launch ? { ...line, launch } : line);
  if (line.event === "pre_tool_use") return await gated(harness, payload, eventsFile);
}

/** The tool Claude Code asks the user with: it waits for an answer on every worker. */
const QUESTION_TOOL = "AskUserQuestion";

/**
 * The gate's answer to a PreToolUse, or undefined when the call passes untouched (an ungated
 * worker's call that is no question: one stat of the policy copy).
 */
async function gated(
  harness: HarnessName,
  payload: HookPayload,
  eventsFile: string,
): Promise<Answer | undefined> {
  const question = harness === "claude" && payload.tool_name === QUESTION_TOOL;
  if (!question && !policyInstalled(eventsFile)) return undefined;
  return await gatePreToolUse(harness, payload, eventsFile, {
    onWait: (timeoutS) => armHardLimit(timeoutS * 1000 + GATED_LIMIT_MARGIN_MS),
  });
}

function policyInstalled(eventsFile: string): boolean {
  const paths = approvalPathsForEvents(eventsFile);
  if (!paths) return false;
  try {
    Deno.statSync(paths.policy);
    return true;
  } catch {
    return false;
  }
}

/** Shells a harness puts between itself and a hook command (`sh -c`, csd-hook's wrapper). */
const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ash", "ksh", "busybox"]);

/**
 * True when the harness process that runs this hook is the worker's own: the direct child of the
 * worker's start script (CSD_LAUNCHER_PID). A nested harness run by one of its tools is a deeper
 * descendant. The runner is the nearest ancestor that is not a shell. False when unknown.
 */
function runByWorkerHarness(): boolean {
  const launcher = Number(Deno.env.get("CSD_LAUNCHER_PID"));
  if (!Number.isInteger(launcher) || launcher <= 1) return false;
  let pid = Deno.ppid;
  for (let depth = 0; depth < 8 && pid > 1; depth++) {
    const info = processInfo(pid);
    if (!info) return false;
    if (!SHELLS.has(info.comm)) return info.ppid === launcher;
    pid = info.ppid;
  }
  return false;
}

/** A process's parent and command name (Linux /proc; `ps` elsewhere), or undefined. */
function processInfo(pid: number): { ppid: number; comm: string } | undefined {
  try {
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split at the last ")".
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const ppid = Number(stat.slice(close + 2).split(" ")[1]);
    return Number.isInteger(ppid) ? { ppid, comm } : undefined;
  } catch {
    // No /proc (macOS): ask ps.
  }
  try {
    const out = new Deno.Command("ps", {
      args: ["-o", "ppid=", "-o", "comm=", "-p", String(pid)],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    const match = new TextDecoder().decode(out.stdout).trim().match(/^(\d+)\s+(.*)$/);
    if (!match) return undefined;
    return { ppid: Number(match[1]), comm: match[2]!.split("/").pop()! };
  } catch {
    return undefined;
  }
}

function parsePayload(input: Uint8Array): HookPayload | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(input));
    return value && typeof value === "object" && !Array.isArray(value)
      ? value as HookPayload
      : undefined;
  } catch {
    return undefined;
  }
}

async function writeAll(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
}

/**
 * Reads stdin up to `maxBytes` or until `timeoutMs`, whichever comes first. Deno.stdin.read, not
 * Deno.stdin.readable: setting up the stream reader cost ~3 ms per run.
 */
async function readStdin(maxBytes: number, timeoutMs: number): Promise<Uint8Array> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const timedOut = new Promise<null>((resolve) => {
    deadline.addEventListener("abort", () => resolve(null), { once: true });
  });
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < maxBytes) {
    const buffer = new Uint8Array(Math.min(64 * 1024, maxBytes - total));
    const read = await Promise.race([Deno.stdin.read(buffer), timedOut]);
    if (read === null) break;
    chunks.push(buffer.subarray(0, read));
    total += read;
  }
  return concatBytes(chunks);
}

if (import.meta.main) {
  // Whatever hangs (a stdin that never closes, a stuck filesystem), the worker goes on.
  armHardLimit(HARD_LIMIT_MS);
  let answer: Answer | undefined;
  try {
    answer = await main();
  } catch {
    // Never fail the worker's turn because of csd.
  }
  if (answer?.stdout) {
    try {
      await writeAll(answer.stdout);
    } catch {
      // The harness stopped reading: nothing to tell it.
    }
  }
  Deno.exit(answer?.exitCode ?? 0);
}
