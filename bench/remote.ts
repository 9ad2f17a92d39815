/**
 * `make bench` (remote part): what a per-worker command costs over ssh (ControlMaster warm)
 * against the same command on a local worker, both real claude workers on the mock model, and
 * what `launch --target` costs with csd not yet on the target (install) and already there.
 * Needs root (the sshd fixture creates a user); prints medians (min–max).
 *
 * Usage: deno run -A bench/remote.ts  (BENCH_RUNS=<n>, default 20)
 */
import { Sshd } from "../kit/sshd.ts";
import { MOCK_KEY, realWorld } from "../kit/real_claude.ts";
import { HARNESS_DIR } from "../kit/harness_set.ts";
import { prepareClaudeHome } from "../kit/remote.ts";
import { runOrThrow } from "../kit/system_packages.ts";
import { print, summary } from "./transport.ts";

const RUNS = Math.max(5, Number(Deno.env.get("BENCH_RUNS") ?? 20));

async function timed(fn: () => Promise<{ code: number; stderr: string }>): Promise<number> {
  const started = performance.now();
  const run = await fn();
  const ms = performance.now() - started;
  if (run.code !== 0) throw new Error(`bench command failed: ${run.stderr}`);
  return ms;
}

if (import.meta.main) {
  if (Deno.uid() !== 0) {
    print("remote bench: skipped (needs root to create the sshd fixture's user)");
    Deno.exit(0);
  }
  const world = await realWorld();
  const sshd = await Sshd.start();
  const { env } = world;
  try {
    const project = await prepareClaudeHome(sshd.home, world.mock.url, MOCK_KEY);
    await Deno.writeTextFile(
      `${sshd.home}/.ssh/environment`,
      `PATH=${HARNESS_DIR}/node_modules/.bin:/usr/local/bin:/usr/bin:/bin\n`,
    );
    await runOrThrow("chown", ["-R", `${sshd.user}:`, sshd.home]);
    env.vars.PATH = sshd.path();
    env.vars.XDG_RUNTIME_DIR = sshd.root;
    const cold = await timed(() => env.csd(["launch", "--target", sshd.uri(), "rb1", project]));
    const warmLaunch = await timed(() =>
      env.csd(["launch", "--target", sshd.uri(), "rb2", project])
    );
    const localLaunch = await timed(() => env.csd(["launch", "lb1", env.project]));
    const remote: number[] = [];
    const local: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      remote.push(await timed(() => env.shim("rb1", ["status"])));
      local.push(await timed(() => env.shim("lb1", ["status"])));
    }
    const out = (label: string, text: string) => print(`${label.padEnd(44)}${text}`);
    out("launch --target ssh (csd installed first)", `${cold.toFixed(0)} ms`);
    out("launch --target ssh (csd already there)", `${warmLaunch.toFixed(0)} ms`);
    out("launch (local worker)", `${localLaunch.toFixed(0)} ms`);
    out("<shim> status: remote worker over ssh", summary(remote));
    out("<shim> status: local worker", summary(local));
    for (const name of ["rb1", "rb2", "lb1"]) await env.shim(name, ["stop"]);
  } finally {
    await world.dispose();
    await sshd.dispose();
  }
}
