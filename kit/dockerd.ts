/**
 * A real Docker daemon for the remote-target suites. With DOCKER_HOST set (and answering), the
 * environment's daemon is reused and left alone. Otherwise Debian's dockerd (docker.io,
 * installed on first use) is started as root on a private socket with its own data, exec and
 * pid paths, no iptables and no bridge — nothing on the machine's networking changes — and
 * `dispose` stops it by pid.
 *
 * With `--bridge=none` the default network does not exist: a container runs with
 * `--network none` (no network at all) or `--network host` (the host's loopback, which is how a
 * worker in a container reaches the mock model on 127.0.0.1).
 */
import { ensureDebianPackage, logTail, runOrThrow } from "./system_packages.ts";

const DOCKERD = "/usr/sbin/dockerd";

export class Dockerd {
  /** `unix:///…/docker.sock`: pass as DOCKER_HOST to every docker command of the test. */
  readonly host: string;
  /** The private folder of a started daemon (data, exec root, pid file, log); "" if reused. */
  readonly root: string;
  /** Milliseconds from spawn to the API answering (0 when reused). */
  startMs = 0;
  private child: Deno.ChildProcess | undefined;

  private constructor(host: string, root: string) {
    this.host = host;
    this.root = root;
  }

  /** The environment a docker client needs to reach this daemon. */
  env(): Record<string, string> {
    return { DOCKER_HOST: this.host };
  }

  /** Reuses $DOCKER_HOST if it answers, else starts a private daemon. */
  static async start(): Promise<Dockerd> {
    const given = Deno.env.get("DOCKER_HOST");
    if (given && (await answers(given))) return new Dockerd(given, "");
    await ensureDebianPackage(DOCKERD, "docker.io");
    const root = await Deno.makeTempDir({ prefix: "csd-dockerd-" });
    const daemon = new Dockerd(`unix://${root}/docker.sock`, root);
    try {
      await daemon.spawn();
      return daemon;
    } catch (error) {
      await daemon.dispose();
      throw error;
    }
  }

  private async spawn(): Promise<void> {
    const root = this.root;
    const started = performance.now();
    // Through sh only to send the daemon's log to a file; `exec` keeps the pid dockerd's.
    this.child = new Deno.Command("/bin/sh", {
      args: [
        "-c",
        'exec "$0" "$@" >"$CSD_DOCKERD_LOG" 2>&1',
        DOCKERD,
        "-H",
        this.host,
        "--data-root",
        `${root}/data`,
        "--exec-root",
        `${root}/exec`,
        "--pidfile",
        `${root}/dockerd.pid`,
        "--iptables=false",
        "--ip6tables=false",
        "--bridge=none",
        // Containers a failed test left get 1 s at shutdown, not docker's default 15.
        "--shutdown-timeout=1",
      ],
      env: { CSD_DOCKERD_LOG: `${root}/dockerd.log` },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    let exited = false;
    this.child.status.then(() => exited = true);
    const deadline = Date.now() + 60_000;
    while (!(await answers(this.host))) {
      if (exited || Date.now() > deadline) {
        throw new Error(`dockerd did not start: ${await this.log()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    this.startMs = performance.now() - started;
  }

  /** Runs the docker client against this daemon; throws on a non-zero exit. */
  docker(args: string[], timeoutMs = 120_000): Promise<string> {
    return runOrThrow("docker", args, { env: this.env(), timeoutMs });
  }

  /**
   * Starts a long-running container of `image` named `csd-test-<random>` and returns its name.
   * `--network host`: a worker inside reaches the mock model on the host's 127.0.0.1.
   */
  async startContainer(image: string): Promise<string> {
    const name = `csd-test-${crypto.randomUUID().slice(0, 8)}`;
    await this.docker([
      "run",
      "-d",
      "--name",
      name,
      "--network",
      "host",
      image,
      "sleep",
      "infinity",
    ]);
    return name;
  }

  /** The daemon's log tail, for failure messages. */
  async log(): Promise<string> {
    return await logTail(`${this.root}/dockerd.log`);
  }

  /** Stops a daemon this fixture started (SIGTERM by pid, SIGKILL after 30 s), removes its files. */
  async dispose(): Promise<void> {
    if (!this.root) return;
    const child = this.child;
    this.child = undefined;
    if (child) {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // Gone.
        }
      }, 30_000);
      await child.status;
      clearTimeout(timer);
    }
    // dockerd bind-mounts its data root (and overlay mounts below it); a killed daemon leaves
    // them, and removing the folder through a mount would fail or reach into the mount.
    const mounts = (await Deno.readTextFile("/proc/self/mountinfo")).split("\n")
      .map((line) => line.split(" ")[4] ?? "")
      .filter((point) => point.startsWith(`${this.root}/`))
      .sort((a, b) => b.length - a.length);
    for (const point of mounts) await runOrThrow("umount", ["-l", point]).catch(() => {});
    await Deno.remove(this.root, { recursive: true }).catch(() => {});
  }
}

/** Whether a docker daemon answers at `host` (bounded). */
async function answers(host: string): Promise<boolean> {
  if (host.startsWith("unix://")) {
    try {
      await Deno.stat(host.slice("unix://".length));
    } catch {
      return false;
    }
  }
  try {
    await runOrThrow("docker", ["version", "--format", "{{.Server.Version}}"], {
      env: { DOCKER_HOST: host },
      timeoutMs: 10_000,
    });
    return true;
  } catch {
    return false;
  }
}
