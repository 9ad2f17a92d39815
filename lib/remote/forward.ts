/**
 * Workers on a target (ssh host, Docker container). The worker, its hook and its events live on
 * the target, driven by a csd tree installed there; locally there is only a small record
 * (`<name>.remote.json`) and the same shim as for a local worker. Every per-worker command is
 * handed to the target's csd in one place (`forwardIfRemote`, called by runMain), so no command
 * grows a remote branch of its own, and commands added later (pending/approve/deny) are covered.
 */
import { CsdError } from "../cli/errors.ts";
import { writeFileAtomic } from "../worker/meta.ts";
import { WORKER_NAME_PATTERN, workerDir, workerPaths } from "../paths.ts";
import type { RemoteWorker } from "../schema.ts";
import { checkRemoteWorker } from "../shapes.gen.ts";
import { expectShape } from "../shape.ts";
import { shellJoin } from "../shell.ts";
import { writeShim } from "../worker/shim.ts";
import { concatBytes } from "../bytes.ts";
import {
  formatTarget,
  parseTarget,
  type RunResult,
  type Target,
  type Transport,
  transportFor,
} from "./transport.ts";
import { assertOwnFile, checkWorkerDir } from "../worker/dir.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An absolute path on a target with nothing a shell or tmux could read as syntax. */
export const REMOTE_PATH = /^\/[A-Za-z0-9._/-]{1,4000}$/;

function remoteProblem(record: RemoteWorker, name: string): string | null {
  const field = (key: string, reason: string) => `field "${key}" ${reason}`;
  if (record.name !== name || !WORKER_NAME_PATTERN.test(name)) {
    return field("name", `is "${record.name}", not the file's worker name "${name}"`);
  }
  let target: Target;
  try {
    target = parseTarget(record.target);
  } catch (error) {
    return field("target", (error as Error).message);
  }
  if (formatTarget(target) !== record.target) {
    return field("target", `is "${record.target}", not a canonical target`);
  }
  if ((target.kind === "docker-run") !== (record.container !== undefined)) {
    return field("container", "must be set for a docker-run target, and only for one");
  }
  if (record.container !== undefined) {
    try {
      parseTarget(`docker://${record.container}`);
    } catch {
      return field("container", `is "${record.container}", not a container name`);
    }
  }
  if (!WORKER_NAME_PATTERN.test(record.remote_name)) {
    return field("remote_name", `is "${record.remote_name}", not a worker name`);
  }
  for (const key of ["remote_csd", "remote_worker_dir"] as const) {
    const value = record[key];
    if (!REMOTE_PATH.test(value) || value.split("/").includes("..")) {
      return field(key, `is "${value}", not an absolute path without ".."`);
    }
  }
  return null;
}

/** The record of remote worker `name`, or null when `name` is not a remote worker. */
export function readRemote(name: string, dir: string = workerDir()): RemoteWorker | null {
  if (!WORKER_NAME_PATTERN.test(name) || !checkWorkerDir(dir)) return null;
  const path = workerPaths(name, dir).remote;
  let text: string;
  try {
    assertOwnFile(path, Deno.lstatSync(path), "remote worker record");
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    if (error instanceof CsdError) throw error;
    throw new CsdError(`Cannot read remote worker record ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CsdError(`Cannot read remote worker record ${path}: ${(error as Error).message}`);
  }
  const parsed = checkRemoteWorker(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CsdError(
      `Invalid remote worker record ${path}: field "${issue?.path.join(".")}" ${
        issue?.message.toLowerCase() ?? "is wrong"
      }`,
    );
  }
  const problem = remoteProblem(parsed.data, name);
  if (problem) throw new CsdError(`Invalid remote worker record ${path}: ${problem}`);
  return parsed.data;
}

/** Every remote worker record in the worker dir (unreadable ones reported in `bad`). */
export function scanRemotes(
  dir: string = workerDir(),
): { remotes: RemoteWorker[]; bad: { name: string; reason: string }[] } {
  const remotes: RemoteWorker[] = [];
  const bad: { name: string; reason: string }[] = [];
  if (!checkWorkerDir(dir)) return { remotes, bad };
  for (const entry of Deno.readDirSync(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".remote.json")) continue;
    const name = entry.name.slice(0, -".remote.json".length);
    try {
      const record = readRemote(name, dir);
      if (record) remotes.push(record);
    } catch (error) {
      if (!(error instanceof CsdError)) throw error;
      bad.push({ name, reason: error.message });
    }
  }
  return { remotes: remotes.sort((a, b) => a.name.localeCompare(b.name)), bad };
}

/** Where commands for the worker run: the container for docker-run, else the target. */
export function commandTarget(record: RemoteWorker): Target {
  const target = parseTarget(record.target);
  return target.kind === "docker-run" ? { kind: "docker", container: record.container! } : target;
}

/** A transport to `target`, with ssh/scp/docker taken from PATH as the user has it. */
export function transportTo(target: Target): Transport {
  return transportFor(target, { connectTimeoutSeconds: 10 });
}

/** The argv that runs csd's `sub` on the target for the worker's remote dir. */
export function remoteCsdArgv(
  csd: string,
  workerDirOnTarget: string,
  sub: string,
  args: string[],
): string[] {
  // No variable of the controller crosses: the target's csd sees the target's own environment
  // plus where its workers live.
  return ["env", `CSD_WORKER_DIR=${workerDirOnTarget}`, `${csd}/bin/csd-${sub}`, ...args];
}

// --- records ------------------------------------------------------------------------------

/** Writes the local record and the worker's shim (the same shim a local worker gets). */
export function writeRemote(record: RemoteWorker, dir: string = workerDir()): string {
  const problem = remoteProblem(record, record.name);
  if (problem) throw new CsdError(`Cannot write remote worker record: ${problem}`);
  const paths = workerPaths(record.name, dir);
  Deno.mkdirSync(`${dir}/bin`, { recursive: true, mode: 0o700 });
  writeFileAtomic(
    paths.remote,
    JSON.stringify(expectShape(checkRemoteWorker(record), "remote worker record"), null, 2) + "\n",
    0o600,
  );
  writeShim(paths.shim, record.name, dir);
  return paths.shim;
}

/** Removes the local record and shim. */
export function removeRemote(name: string, dir: string = workerDir()): void {
  const paths = workerPaths(name, dir);
  for (const path of [paths.remote, paths.shim]) {
    try {
      Deno.removeSync(path);
    } catch {
      // Already gone.
    }
  }
}

/** Removes a docker-run worker's container (bounded; a gone container is fine). */
export async function removeContainer(container: string): Promise<void> {
  await new Deno.Command("docker", {
    args: ["rm", "-f", "--", container],
    stdin: "null",
    stdout: "null",
    stderr: "null",
    signal: AbortSignal.timeout(30_000),
  }).output().catch(() => {});
}

// --- forwarding ---------------------------------------------------------------------------

/** The subcommand a per-command executable implements: commands/<sub>.ts, csd-<sub>.js, … */
function subcommandOf(mainModule: string): string | null {
  const match = /\/(?:csd-)?([a-z][a-z-]*)\.(?:ts|js)$/.exec(mainModule);
  return match ? match[1]! : null;
}

/** How many times a dropped connection is retried, and the pause before each. */
const RECONNECTS = 5;
const RECONNECT_PAUSE_MS = 1000;

/**
 * Runs `argv` on the target with stdout streamed through. Stderr is held until the end, so a
 * transport failure replaces ssh's chatter by one line; `seen` drops lines a reconnected
 * `--follow` prints again.
 */
async function streamed(
  transport: Transport,
  argv: string[],
  stdin: "inherit" | "null",
  seen?: Set<string>,
): Promise<Streamed> {
  await transport.prepare();
  // The marker tells a dropped connection (the command had reached the target: run it again)
  // from a target that never answered (report it at once).
  const child = transport.command(["sh", "-c", REACHED, "sh", ...argv], stdin).spawn();
  const stderrChunks: Uint8Array[] = [];
  const errDone = (async () => {
    for await (const chunk of child.stderr) stderrChunks.push(chunk);
  })();
  let pending = "";
  for await (const chunk of child.stdout) {
    if (!seen) {
      await writeAll(Deno.stdout, chunk);
      continue;
    }
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop()!;
    const fresh = lines.filter((line) => !seen.has(line));
    for (const line of fresh) seen.add(line);
    if (fresh.length > 0) await writeAll(Deno.stdout, encoder.encode(fresh.join("\n") + "\n"));
  }
  if (pending && seen && !seen.has(pending)) await writeAll(Deno.stdout, encoder.encode(pending));
  await errDone;
  const status = await child.status;
  // ssh may warn before the marker (a host key added, say): look for it anywhere.
  const text = decoder.decode(concatBytes(stderrChunks));
  const reached = text.includes(REACHED_LINE);
  const stderr = encoder.encode(reached ? text.replace(REACHED_LINE, "") : text);
  const result: RunResult = { code: status.code, stdout: new Uint8Array(), stderr };
  const failure = status.code === 0 ? undefined : transport.transportFailure(result);
  return failure === undefined
    ? { code: status.code, stderr, reached }
    : { code: status.code, stderr, reached, failure };
}

async function writeAll(file: { write(p: Uint8Array): Promise<number> }, bytes: Uint8Array) {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}

/**
 * When `argv` addresses a remote worker (`--worker <name>` first, as the shim and `csd --worker`
 * pass it), runs the command on the worker's target and returns its exit code; else null.
 */
export async function forwardIfRemote(argv: string[]): Promise<number | null> {
  if (argv[0] !== "--worker" || argv[1] === undefined) return null;
  const sub = subcommandOf(Deno.mainModule);
  if (!sub) return null;
  const record = readRemote(argv[1]);
  if (!record) return null;
  return await forward(record, sub, argv.slice(2));
}

async function forward(record: RemoteWorker, sub: string, args: string[]): Promise<number> {
  const target = commandTarget(record);
  const transport = transportTo(target);
  const argv = remoteCsdArgv(record.remote_csd, record.remote_worker_dir, sub, [
    "--worker",
    record.remote_name,
    ...args,
  ]);
  const where = formatTarget(target);
  const fail = (failure: string) => new CsdError(`Cannot reach "${where}": ${failure}`);

  if (sub === "events-file" || sub === "handoff") {
    const result = await transport.run(argv);
    await writeAll(Deno.stderr, result.stderr);
    if (result.code !== 0) return result.code;
    const text = decoder.decode(result.stdout);
    await writeAll(
      Deno.stdout,
      encoder.encode(
        isHelp(args)
          ? text
          : sub === "events-file"
          ? `${where}:${text}`
          : handoffText(transport, text),
      ),
    );
    return 0;
  }

  // A prompt read from stdin (`-`) must reach the target; otherwise ssh must not eat stdin.
  const stdin = args.includes("-") ? "inherit" : "null";
  // After a dropped connection only reading is run again: `--follow` (no line printed twice)
  // and the collection of a detached call's result.
  const reconnecting = (run: () => Promise<Streamed>) => retried(run, where);
  let result: Streamed;
  // converse and wait-for-turn run detached on the target: a drop interrupts only the
  // collection of their result, so the one wait that started keeps its baseline (the sent
  // marker it consumes) and a prompt is delivered once.
  if ((sub === "converse" || sub === "wait-for-turn") && !isHelp(args)) {
    const call = await startDetached(transport, record, argv, args.includes("-"));
    result = await reconnecting(() =>
      streamed(transport, ["sh", "-c", COLLECT, "sh", call], "null")
    );
    if (result.failure === undefined) {
      await transport.run(["rm", "-rf", "--", call]).catch(() => {});
    }
  } else if (sub === "read-events" && args.includes("--follow")) {
    result = await reconnecting(() => streamed(transport, argv, stdin, new Set<string>()));
  } else {
    result = await streamed(transport, argv, stdin);
  }
  if (result.failure !== undefined) throw fail(result.failure);
  await writeAll(Deno.stderr, result.stderr);
  if (sub === "stop" && result.code === 0 && !isHelp(args)) {
    if (record.container) await removeContainer(record.container);
    removeRemote(record.name);
  }
  return result.code;
}

function lastLine(bytes: Uint8Array): string {
  return decoder.decode(bytes).trim().split("\n").at(-1) ?? "";
}

function isHelp(args: string[]): boolean {
  return args.includes("-h") || args.includes("--help");
}

interface Streamed {
  code: number;
  stderr: Uint8Array;
  /** The command started on the target (its marker line arrived). */
  reached: boolean;
  failure?: string;
}

const REACHED_LINE = "csd-reached-target\n";
const REACHED = 'printf "csd-reached-target\\n" >&2; exec "$@"';

/** Runs `run` again while the connection is what failed, a bounded number of times. */
async function retried(run: () => Promise<Streamed>, where: string): Promise<Streamed> {
  let result = await run();
  // A target that never answered is reported at once; one that did is reconnected to.
  let reached = result.reached;
  for (
    let attempt = 1;
    result.failure !== undefined && reached && attempt <= RECONNECTS;
    attempt++
  ) {
    await writeAll(
      Deno.stderr,
      encoder.encode(`csd: connection to "${where}" lost (${result.failure}); reconnecting\n`),
    );
    await new Promise((r) => setTimeout(r, RECONNECT_PAUSE_MS * attempt));
    result = await run();
    reached ||= result.reached;
  }
  return result;
}

// Runs on the target with sh: starts argv detached from the connection (its stdio in files of
// a private call folder, its exit code written when it ends) and prints the folder.
const START = `set -eu
calls=$1
shift
mkdir -p -m 700 "$calls"
d=$(mktemp -d "$calls/call.XXXXXXXX")
cat >"$d/in"
( "$@" <"$d/in" >"$d/out" 2>"$d/err"; echo $? >"$d/code.tmp"; mv "$d/code.tmp" "$d/code" ) \
  </dev/null >/dev/null 2>&1 &
echo $! >"$d/pid"
printf '%s\n' "$d"
`;

// Runs on the target with sh: waits for a detached call to end, then replays its output and
// exit code. Safe to run again after a dropped connection.
const COLLECT = `d=$1
pid=$(cat "$d/pid")
while [ ! -f "$d/code" ]; do
  if ! kill -0 "$pid" 2>/dev/null && [ ! -f "$d/code" ]; then
    echo "error: the command on the target ended without a result" >&2
    exit 1
  fi
  sleep 0.1
done
cat "$d/out"
cat "$d/err" >&2
exit "$(cat "$d/code")"
`;

/** Starts a command detached on the target; returns its call folder there. */
async function startDetached(
  transport: Transport,
  record: RemoteWorker,
  argv: string[],
  promptOnStdin: boolean,
): Promise<string> {
  const stdin = promptOnStdin
    ? new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer())
    : "";
  const result = await transport.run(
    ["sh", "-c", START, "sh", `${record.remote_worker_dir}/calls`, ...argv],
    { stdin },
  );
  const call = decoder.decode(result.stdout).trim();
  if (result.code !== 0 || !REMOTE_PATH.test(call)) {
    throw new CsdError(
      `Cannot start the command on "${formatTarget(transport.target)}": ${lastLine(result.stderr)}`,
    );
  }
  return call;
}

/** The target's handoff text with each tmux command wrapped in what reaches the target. */
function handoffText(transport: Transport, text: string): string {
  return text.replace(
    /^( {2}(?:Watch or take over|Read-only watch): +)(.+)$/gm,
    (_line, label: string, command: string) =>
      label + shellJoin(transport.interactiveArgv(["sh", "-c", command])),
  );
}
