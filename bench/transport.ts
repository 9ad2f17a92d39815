/**
 * `make bench-remote`: what a remote target costs. The real-sshd fixture's setup, a command over
 * ssh cold (handshake, starting the shared connection) and warm (ControlMaster) against the same
 * command run locally, and for Docker: the private daemon's start, the test image's build (cold,
 * from the cached tarball, already in the daemon) and a command through `docker exec` and
 * `docker run --rm`. Prints medians (min–max).
 *
 * Usage: deno run -A bench/transport.ts  (BENCH_RUNS=<n>, default 20)
 */
import { Sshd } from "../kit/sshd.ts";
import { Dockerd } from "../kit/dockerd.ts";
import { lastImageTimings, testImage } from "../kit/docker_image.ts";
import { LOCAL, parseTarget, type Transport, transportFor } from "../lib/remote/transport.ts";

const RUNS = Math.max(5, Number(Deno.env.get("BENCH_RUNS") ?? 20));
const encoder = new TextEncoder();

export function print(text = ""): void {
  Deno.stdout.writeSync(encoder.encode(`${text}\n`));
}

export function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `${median.toFixed(0)} ms (${sorted[0]!.toFixed(0)}–${
    sorted.at(-1)!.toFixed(0)
  }, n=${sorted.length})`;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function perCommand(transport: Transport, argv: string[], runs = RUNS): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    times.push(
      await timed(async () => {
        const result = await transport.run(argv);
        if (result.code !== 0) throw new Error(`${argv.join(" ")} exited ${result.code}`);
      }),
    );
  }
  return times;
}

async function benchSsh(): Promise<void> {
  const setups: number[] = [];
  const colds: number[] = [];
  let warm: number[] = [];
  for (let i = 0; i < 3; i++) {
    let sshd: Sshd | undefined;
    setups.push(await timed(async () => sshd = await Sshd.start()));
    const server = sshd!;
    const transport = transportFor(parseTarget(server.uri()), {
      env: { PATH: server.path() },
      controlDir: server.controlDir,
    });
    try {
      colds.push(await timed(() => transport.run(["true"])));
      if (i === 0) warm = await perCommand(transport, ["true"]);
    } finally {
      await transport.close();
      await server.dispose();
    }
  }
  const local = await perCommand(transportFor(LOCAL), ["true"]);
  print(`sshd fixture setup (user, keys, sshd up)    ${summary(setups)}`);
  print(`ssh: first command (handshake + master)     ${summary(colds)}`);
  print(`ssh: warm command (ControlMaster reused)    ${summary(warm)}`);
  print(`local: same command                         ${summary(local)}`);
}

async function benchDocker(): Promise<void> {
  const cache = await Deno.makeTempDir({ prefix: "csd-bench-cache-" });
  const previousCache = Deno.env.get("CSD_TEST_CACHE");
  const starts: number[] = [];
  const images: Record<string, number[]> = { none: [], tarball: [], daemon: [] };
  try {
    Deno.env.set("CSD_TEST_CACHE", cache);
    for (let i = 0; i < 2; i++) {
      const daemon = await Dockerd.start();
      starts.push(daemon.startMs);
      try {
        // First daemon: cold build, then already there; second: from the cached tarball.
        for (let j = 0; j < (i === 0 ? 2 : 1); j++) {
          const ms = await timed(() => testImage(daemon));
          images[lastImageTimings.cached]!.push(ms);
        }
        if (i === 1) {
          const image = await testImage(daemon);
          const container = await daemon.startContainer(image);
          try {
            const exec = transportFor(parseTarget(`docker://${container}`), { env: daemon.env() });
            const run = transportFor(parseTarget(`docker-run://${image}`), { env: daemon.env() });
            print(
              `docker exec: command                        ${
                summary(await perCommand(exec, ["true"]))
              }`,
            );
            print(
              `docker run --rm: command                    ${
                summary(await perCommand(run, ["true"], 5))
              }`,
            );
          } finally {
            await daemon.docker(["rm", "-f", container]).catch(() => {});
          }
        }
      } finally {
        await daemon.dispose();
      }
    }
  } finally {
    if (previousCache === undefined) Deno.env.delete("CSD_TEST_CACHE");
    else Deno.env.set("CSD_TEST_CACHE", previousCache);
    await Deno.remove(cache, { recursive: true }).catch(() => {});
  }
  print(`dockerd start (private socket)              ${summary(starts)}`);
  print(`image: cold (assemble rootfs, tar, import)  ${summary(images.none!)}`);
  print(`image: from cached tarball (import only)    ${summary(images.tarball!)}`);
  print(`image: already in the daemon (hash check)   ${summary(images.daemon!)}`);
}

if (import.meta.main) {
  await benchSsh();
  await benchDocker();
}
