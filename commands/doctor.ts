/** `csd doctor`: what csd needs on this machine, checked in one go. */
import { out, parse, printHelpIfAsked, runMain } from "../lib/cli/main.ts";
import { UsageError } from "../lib/cli/errors.ts";
import { binaryVersion, resolveExecutable } from "../lib/harness/binary.ts";
import { harnessFor } from "../lib/harness/mod.ts";
import { piNode } from "../lib/harness/pi/node.ts";
import { TESTED, testedStatus } from "../lib/harness/tested.ts";
import { consentFile, workerDir } from "../lib/paths.ts";
import type { HarnessName } from "../lib/schema.ts";
import { Tmux } from "../lib/tmux.ts";

export const HELP = `csd doctor — check what csd needs on this machine

USAGE:
  csd doctor [--json]

Checks tmux and its version; each harness (claude, codex, pi): its binary, its version and
whether csd was tested with it (a newer one is a warning naming the newest tested); the node pi
would run on (CSD_PI_NODE); the consent; the worker dir (owner, mode, symlink). Prints one line
per check: ok, warn or error, what was checked, and the finding.

Exits 1 when something the default harness (claude) needs is missing or unusable, else 0
(warnings included).

OPTIONS:
  --json      one JSON object: {"ok":bool,"checks":[{"check","status","detail",...}]}
  -h, --help  show this help`;

/** The harness launch uses without --harness: the one doctor's exit code is about. */
const DEFAULT_HARNESS: HarnessName = "claude";

export type CheckStatus = "ok" | "warn" | "error";

/** One finding. */
export interface Check {
  check: string;
  status: CheckStatus;
  detail: string;
  path?: string;
  version?: string | null;
}

/** Runs every check; the slow parts (version probes) run in parallel. */
export async function runChecks(env: Record<string, string>): Promise<Check[]> {
  const harnesses = (Object.keys(TESTED) as HarnessName[]).map((name) => checkHarness(name, env));
  return [
    await checkTmux(env),
    ...await Promise.all(harnesses),
    await checkPiNode(env),
    checkConsent(),
    checkWorkerDir(),
  ];
}

async function checkTmux(env: Record<string, string>): Promise<Check> {
  let path: string;
  try {
    path = resolveExecutable("tmux", env.PATH, "PATH");
  } catch {
    return { check: "tmux", status: "error", detail: "tmux is not on PATH; install tmux" };
  }
  const result = await Tmux.fromEnv().raw(["-V"]).catch(() => null);
  const version = result?.code === 0 ? result.stdout.trim().replace(/^tmux\s+/, "") : null;
  return version
    ? { check: "tmux", status: "ok", detail: `tmux ${version} (${path})`, path, version }
    : { check: "tmux", status: "error", detail: `${path} -V does not answer`, path };
}

async function checkHarness(name: HarnessName, env: Record<string, string>): Promise<Check> {
  const needed = name === DEFAULT_HARNESS ? "error" : "warn";
  let path: string;
  try {
    path = harnessFor(name).binary(env);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { check: name, status: needed, detail };
  }
  const version = await binaryVersion(path, TESTED[name].packages, env);
  const range = TESTED[name];
  const tested = `tested ${range.oldest} to ${range.newest}`;
  const base = { check: name, path, version };
  switch (testedStatus(name, version)) {
    case "tested":
      return { ...base, status: "ok", detail: `${version} (${path}; ${tested})` };
    case "newer":
      return {
        ...base,
        status: "warn",
        detail: `${version} (${path}) is newer than the newest tested, ${range.newest}`,
      };
    case "older":
      return {
        ...base,
        status: "warn",
        detail: `${version} (${path}) is older than the oldest tested, ${range.oldest}`,
      };
    case "unknown":
      return { ...base, status: "warn", detail: `${path}: its version is unknown (${tested})` };
  }
}

async function checkPiNode(env: Record<string, string>): Promise<Check> {
  let pi: string;
  try {
    pi = harnessFor("pi").binary(env);
  } catch {
    return { check: "pi node", status: "ok", detail: "no pi installed" };
  }
  const node = await piNode(env, pi);
  if (node.problem) {
    return { check: "pi node", status: "warn", detail: node.problem, version: node.version };
  }
  if (!node.path) return { check: "pi node", status: "ok", detail: "pi needs no node" };
  const from = node.source === "CSD_PI_NODE" ? "CSD_PI_NODE" : "first on PATH";
  return {
    check: "pi node",
    status: "ok",
    detail: `Node ${node.version} (${node.path}, ${from})` +
      (node.needs ? `; pi needs ${node.needs} or newer` : ""),
    path: node.path,
    version: node.version,
  };
}

function checkConsent(): Check {
  const path = consentFile();
  try {
    Deno.statSync(path);
    return { check: "consent", status: "ok", detail: `recorded (${path})`, path };
  } catch {
    return {
      check: "consent",
      status: "error",
      detail: "not given; run `csd grant-consent` once (workers bypass permission prompts)",
      path,
    };
  }
}

function checkWorkerDir(): Check {
  const path = workerDir();
  const base = { check: "worker dir", path };
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch {
    return { ...base, status: "ok", detail: `${path} (absent; the first launch creates it 0700)` };
  }
  if (info.isSymlink) {
    return { ...base, status: "error", detail: `${path} is a symlink; launch refuses it` };
  }
  if (!info.isDirectory) {
    return { ...base, status: "error", detail: `${path} is not a directory` };
  }
  const uid = Deno.uid();
  if (uid !== null && info.uid !== null && info.uid !== uid) {
    return {
      ...base,
      status: "error",
      detail: `${path} is owned by uid ${info.uid}, not you (uid ${uid}); launch refuses it`,
    };
  }
  const mode = (info.mode ?? 0) & 0o777;
  const octal = mode.toString(8).padStart(4, "0");
  if ((mode & 0o077) !== 0) {
    return {
      ...base,
      status: "warn",
      detail: `${path} has mode ${octal}: others can read it (the next launch makes it 0700)`,
    };
  }
  return { ...base, status: "ok", detail: `${path} (yours, mode ${octal})` };
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parse(argv, { json: { type: "boolean" } });
  if (printHelpIfAsked(parsed, HELP)) return 0;
  if (parsed.positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[0]}"`);
  }
  const checks = await runChecks(Deno.env.toObject());
  const ok = !checks.some((c) => c.status === "error");
  if (parsed.values.json === true) {
    out(JSON.stringify({ ok, checks }) + "\n");
  } else {
    const width = Math.max(...checks.map((c) => c.check.length));
    out(
      checks.map((c) => `${c.status.padEnd(5)}  ${c.check.padEnd(width)}  ${c.detail}\n`).join(""),
    );
  }
  return ok ? 0 : 1;
}

if (import.meta.main) await runMain(main, HELP);
