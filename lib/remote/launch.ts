/**
 * `launch --target` and `adopt --target`: install csd on the target when needed, run the
 * target's own launch/adopt there, and keep a local record and shim. docker-run creates the
 * container first and removes it again when anything after that fails.
 */
import { err, out } from "../cli/main.ts";
import { CsdError } from "../cli/errors.ts";
import { readMeta } from "../worker/meta.ts";
import {
  commandTarget,
  readRemote,
  remoteCsdArgv,
  removeContainer,
  transportTo,
  writeRemote,
} from "./forward.ts";
import { ensureInstalled } from "./install.ts";
import { loadPolicy } from "../approval/policy_file.ts";
import type { HarnessName, RemoteWorker } from "../schema.ts";
import { formatTarget, parseTarget } from "./transport.ts";
import { validateWorkerName } from "../worker/worker.ts";

export interface RemoteStart {
  target: string;
  harness: HarnessName;
  name: string;
  cwd: string;
  args: string[];
  /** adopt: the session to resume. */
  sessionId?: string;
  /** `--approval` / `--policy <local file>`: the worker is gated on the target too. */
  approval?: { policyFile?: string | undefined } | undefined;
  /** `launch --worktree [<branch>]`: a worktree of the target's repository. */
  worktree?: { branch?: string } | undefined;
}

const decoder = new TextDecoder();

/** Creates a docker-run worker's container (host network: the target's loopback is ours). */
async function createContainer(image: string, name: string): Promise<string> {
  const container = `csd-${name}-${crypto.randomUUID().slice(0, 8)}`;
  const output = await new Deno.Command("docker", {
    args: ["run", "-d", "--network", "host", "--name", container, "--", image, "sleep", "infinity"],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output().catch((error) => {
    throw new CsdError(`Cannot reach "docker-run://${image}": ${(error as Error).message}`);
  });
  if (output.code !== 0) {
    await removeContainer(container);
    const line = decoder.decode(output.stderr).trim().split("\n").at(-1) ?? "";
    throw new CsdError(`Cannot start a container of "docker-run://${image}": ${line}`);
  }
  return container;
}

/** Launches (or adopts) a worker on a target; prints the panel and the local shim path. */
export async function startRemoteWorker(start: RemoteStart): Promise<number> {
  const target = parseTarget(start.target);
  validateWorkerName(start.name);
  const canonical = formatTarget(target);
  const existing = readRemote(start.name);
  const replacing = start.sessionId !== undefined && existing?.target === canonical;
  if (readMeta(start.name) || (existing && !replacing)) {
    throw new CsdError(`A worker named "${start.name}" already exists (see csd list)`);
  }
  let container: string | undefined;
  if (target.kind === "docker-run") container = await createContainer(target.image, start.name);
  try {
    const record: RemoteWorker = {
      version: 1,
      name: start.name,
      target: canonical,
      ...(container ? { container } : {}),
      remote_name: start.name,
      remote_csd: "/",
      remote_worker_dir: "/",
      harness: start.harness,
      cwd: start.cwd,
      created_at: new Date().toISOString(),
    };
    const transport = transportTo(commandTarget(record));
    const installed = await ensureInstalled(transport);
    record.remote_csd = installed.csd;
    record.remote_worker_dir = installed.workers;
    if (start.sessionId !== undefined) {
      // The target keeps its worker dir in the user's home (a reboot does not wipe it): the
      // files of the worker whose tmux died are still there, proven dead; prune them so the
      // name is free for adopt. Live workers are never touched by prune.
      await transport.run(remoteCsdArgv(installed.csd, installed.workers, "prune", []));
    }
    const own = start.sessionId === undefined
      ? [start.name, start.cwd]
      : [start.name, start.cwd, start.sessionId];
    const { flags, uploaded } = await passedFlags(start, transport, installed.workers);
    const argv = remoteCsdArgv(
      installed.csd,
      installed.workers,
      start.sessionId === undefined ? "launch" : "adopt",
      ["--harness", start.harness, ...flags, ...own, "--", ...start.args],
    );
    const result = await transport.run(argv, { timeoutMs: 300_000 });
    // The target's launch installed its own copy of the policy.
    if (uploaded) await transport.run(["rm", "-f", "--", uploaded]).catch(() => undefined);
    err(decoder.decode(result.stderr));
    if (result.code !== 0) {
      if (container) await removeContainer(container);
      return result.code;
    }
    out(`${writeRemote(record)}\n`);
    return 0;
  } catch (error) {
    if (container) await removeContainer(container);
    throw error;
  }
}

/**
 * The target's launch flags for gating and worktrees. A policy file is validated here first (a
 * bad one refuses the launch before anything reaches the target), then copied next to the
 * target's worker dir, where the target's launch installs its own copy.
 */
async function passedFlags(
  start: RemoteStart,
  transport: ReturnType<typeof transportTo>,
  remoteWorkers: string,
): Promise<{ flags: string[]; uploaded?: string }> {
  const flags: string[] = [];
  if (start.worktree) {
    flags.push(start.worktree.branch ? `--worktree=${start.worktree.branch}` : "--worktree");
  }
  const policyFile = start.approval?.policyFile;
  if (policyFile !== undefined) {
    loadPolicy(policyFile);
    const remotePath = `${remoteWorkers}.policy-${crypto.randomUUID()}.json`;
    await transport.copyTo(policyFile, remotePath);
    flags.push("--policy", remotePath);
    return { flags, uploaded: remotePath };
  }
  if (start.approval) flags.push("--approval");
  return { flags };
}
