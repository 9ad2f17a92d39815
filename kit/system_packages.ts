/**
 * Debian packages the remote-target suites need (openssh-server, docker.io), installed on first
 * use so a fresh machine or CI needs no manual step. Idempotent: a present binary skips apt.
 */

/** Runs a command, throwing with its output's tail when it fails. */
export async function runOrThrow(
  program: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<string> {
  const output = await new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: options.env ?? {},
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (output.code !== 0) {
    const err = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-5).join("\n");
    throw new Error(`${program} ${args.join(" ")} exited ${output.code}: ${err}`);
  }
  return text;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

let updated = false;

/**
 * Makes sure `binary` exists, installing `pkg` with apt-get when it does not. The dpkg lock
 * timeout lets parallel suites (or other sessions) install at the same time without failing.
 */
export async function ensureDebianPackage(binary: string, pkg: string): Promise<void> {
  if (await exists(binary)) return;
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const lock = ["-o", "DPkg::Lock::Timeout=600"];
  if (!updated) {
    await runOrThrow("apt-get", [...lock, "update", "-qq"], { env, timeoutMs: 600_000 });
    updated = true;
  }
  await runOrThrow("apt-get", [...lock, "install", "-y", "-qq", "--no-install-recommends", pkg], {
    env,
    timeoutMs: 600_000,
  });
  if (!(await exists(binary))) throw new Error(`Installing ${pkg} did not provide ${binary}`);
}

/** The last 10 lines of a daemon's log, for failure messages ("(no log)" when there is none). */
export async function logTail(path: string): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).trim().split("\n").slice(-10).join("\n");
  } catch {
    return "(no log)";
  }
}
