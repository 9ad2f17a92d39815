/**
 * A real OpenSSH server on 127.0.0.1 for one test: Debian's /usr/sbin/sshd on a free port with
 * a temp host key, logging in as a dedicated unprivileged user created for the test (removed
 * with its home afterwards), and a client side that trusts exactly that host key.
 *
 * OpenSSH reads the passwd home's ~/.ssh/config, never $HOME's, so the fixture writes its own
 * client config and puts `ssh`/`scp` wrappers (`exec /usr/bin/ssh -F <config> "$@"`) in a bin
 * folder: a test runs csd with that folder first on PATH, exactly as a user would wrap ssh.
 * `dispose` ends the sshd it started (by pid) and the user's processes, then removes the user.
 */
import { ensureDebianPackage, logTail, runOrThrow } from "./system_packages.ts";

const SSHD = "/usr/sbin/sshd";

/** A free TCP port on 127.0.0.1 (the kernel's pick; sshd's readiness check catches a race). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function canConnect(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Reads an ssh-keygen public key file and returns "type base64". */
async function publicKey(path: string): Promise<string> {
  const [type, key] = (await Deno.readTextFile(path)).trim().split(/\s+/);
  return `${type} ${key}`;
}

export class Sshd {
  /** The test's temp folder (host key, config, client key, wrappers, control sockets). */
  readonly root: string;
  readonly user: string;
  readonly port: number;
  /** The ssh-config alias the client config defines for this server. */
  readonly alias: string;
  /** Put first on PATH: holds `ssh` and `scp` wrappers bound to the test's client config. */
  readonly binDir: string;
  /** Where the transport is told to keep ControlPath sockets (it creates the folder, 0700). */
  readonly controlDir: string;
  home = "";
  uid = -1;
  private child: Deno.ChildProcess | undefined;

  private constructor(root: string, user: string, port: number) {
    this.root = root;
    this.user = user;
    this.port = port;
    this.alias = `csd-sshd-${user}`;
    this.binDir = `${root}/bin`;
    this.controlDir = `${root}/ctl`;
  }

  /** Installs openssh-server if missing, then sets up and starts the server. */
  static async start(): Promise<Sshd> {
    await ensureDebianPackage(SSHD, "openssh-server");
    // Short root: ControlPath sockets live below it and unix socket paths stop at 108 bytes.
    const root = await Deno.makeTempDir({ prefix: "csd-sshd-" });
    const user = `csdt${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
    const sshd = new Sshd(root, user, freePort());
    try {
      await sshd.setUp();
      return sshd;
    } catch (error) {
      await sshd.dispose();
      throw error;
    }
  }

  private async setUp(): Promise<void> {
    const root = this.root;
    await Deno.chmod(root, 0o755);
    // sshd refuses to start without its privilege separation folder (absent until a first boot).
    await Deno.mkdir("/run/sshd", { recursive: true, mode: 0o755 });
    // '*' (not useradd's default '!'): a locked account is refused by sshd even for keys.
    await runOrThrow("useradd", ["--create-home", "--shell", "/bin/bash", "-p", "*", this.user]);
    const passwd = (await runOrThrow("getent", ["passwd", this.user])).trim().split(":");
    this.uid = Number(passwd[2]);
    this.home = passwd[5]!;

    await runOrThrow("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", `${root}/host_key`]);
    await runOrThrow("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", `${root}/client_key`]);

    const sshDir = `${this.home}/.ssh`;
    await Deno.mkdir(sshDir, { mode: 0o700 });
    await Deno.writeTextFile(
      `${sshDir}/authorized_keys`,
      `${await publicKey(`${root}/client_key.pub`)}\n`,
    );
    await Deno.chmod(`${sshDir}/authorized_keys`, 0o600);
    await runOrThrow("chown", ["-R", `${this.user}:`, sshDir]);

    await Deno.writeTextFile(
      `${root}/sshd_config`,
      [
        "ListenAddress 127.0.0.1",
        `HostKey ${root}/host_key`,
        `PidFile ${root}/sshd.pid`,
        "AuthorizedKeysFile .ssh/authorized_keys",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        // PAM in a container without a login stack only adds failure modes; keys suffice.
        "UsePAM no",
        "PermitRootLogin no",
        `AllowUsers ${this.user}`,
        "StrictModes yes",
        "X11Forwarding no",
        // The test user's ~/.ssh/environment puts the harness set on PATH, as a user's
        // profile would: csd passes no variable of the controller to a target.
        "PermitUserEnvironment PATH,MOCK_API_KEY,HTTPS_PROXY,NO_PROXY,PI_*",
        "PrintMotd no",
        "LogLevel VERBOSE",
        // OpenSSH 9's scp speaks SFTP.
        "Subsystem sftp internal-sftp",
        "",
      ].join("\n"),
    );

    const hostKey = await publicKey(`${root}/host_key.pub`);
    await Deno.writeTextFile(`${root}/known_hosts`, `[127.0.0.1]:${this.port} ${hostKey}\n`);
    await Deno.writeTextFile(`${root}/empty_known_hosts`, "");
    await this.writeClientConfig("ssh_config", `${root}/known_hosts`);
    await this.writeClientConfig("ssh_config_unknown_key", `${root}/empty_known_hosts`);
    await Deno.mkdir(this.binDir);
    await this.writeWrappers(this.binDir, "ssh_config");

    this.child = new Deno.Command(SSHD, {
      // -D: stay in the foreground so the pid we hold is the server; -E: log to a file.
      args: ["-D", "-f", `${root}/sshd_config`, "-p", String(this.port), "-E", `${root}/sshd.log`],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const status = this.child.status;
    let exited = false;
    status.then(() => exited = true);
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(this.port))) {
      if (exited || Date.now() > deadline) {
        throw new Error(`sshd did not start on port ${this.port}: ${await this.log()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * A client config for this server, reachable as `127.0.0.1` (with the port) or the alias.
   * No StrictHostKeyChecking line: ssh's default with BatchMode refuses an unknown key, as it
   * would for a user.
   */
  private async writeClientConfig(name: string, knownHosts: string): Promise<void> {
    await Deno.writeTextFile(
      `${this.root}/${name}`,
      [
        `Host ${this.alias}`,
        "  HostName 127.0.0.1",
        `  Port ${this.port}`,
        `  User ${this.user}`,
        "Host *",
        `  IdentityFile ${this.root}/client_key`,
        "  IdentitiesOnly yes",
        `  UserKnownHostsFile ${knownHosts}`,
        "  GlobalKnownHostsFile /dev/null",
        "  UpdateHostKeys no",
        // As a user who forwards the agent everywhere: csd must not hand it to a target.
        "  ForwardAgent yes",
        "  BatchMode yes",
        "  LogLevel ERROR",
        "",
      ].join("\n"),
    );
  }

  private async writeWrappers(dir: string, config: string): Promise<void> {
    for (const tool of ["ssh", "scp"]) {
      await Deno.writeTextFile(
        `${dir}/${tool}`,
        `#!/bin/sh\nexec /usr/bin/${tool} -F '${this.root}/${config}' "$@"\n`,
        { mode: 0o755 },
      );
    }
  }

  /** A bin folder whose ssh knows no host key: for the "unknown host key" tests. */
  async unknownKeyBinDir(): Promise<string> {
    const dir = `${this.root}/bin-unknown-key`;
    await Deno.mkdir(dir, { recursive: true });
    await this.writeWrappers(dir, "ssh_config_unknown_key");
    return dir;
  }

  /** PATH with `dir` (default: the wrappers) first. */
  path(dir: string = this.binDir): string {
    return `${dir}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`;
  }

  /** `ssh://user@127.0.0.1:port`. */
  uri(): string {
    return `ssh://${this.user}@127.0.0.1:${this.port}`;
  }

  /** sshd's own log, for failure messages. */
  async log(): Promise<string> {
    return await logTail(`${this.root}/sshd.log`);
  }

  /** Stops the server (kill by pid, bounded), drops the user's sessions, removes the user. */
  async stopServer(): Promise<void> {
    if (!this.child) return;
    const child = this.child;
    this.child = undefined;
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
    }, 5_000);
    await child.status;
    clearTimeout(timer);
  }

  /**
   * Ends every process of the test user: per-connection sshd children and whatever a test ran
   * there. They are ours by construction (the user exists only for this test), found by uid
   * in /proc rather than by name.
   */
  async killUserProcesses(): Promise<void> {
    if (this.uid < 0) return;
    for (let round = 0; round < 50; round++) {
      const pids: number[] = [];
      for await (const entry of Deno.readDir("/proc")) {
        if (!/^\d+$/.test(entry.name)) continue;
        try {
          const status = await Deno.readTextFile(`/proc/${entry.name}/status`);
          const uid = status.match(/^Uid:\s+(\d+)/m)?.[1];
          if (Number(uid) === this.uid) pids.push(Number(entry.name));
        } catch {
          // Exited meanwhile.
        }
      }
      if (pids.length === 0) return;
      for (const pid of pids) {
        try {
          Deno.kill(pid, round < 25 ? "SIGTERM" : "SIGKILL");
        } catch {
          // Exited meanwhile.
        }
      }
      await new Promise((r) => setTimeout(r, 40));
    }
  }

  async dispose(): Promise<void> {
    await this.stopServer();
    await this.killUserProcesses();
    try {
      await runOrThrow("userdel", ["--remove", this.user]);
    } catch (error) {
      // A user that was never created is fine; any other failure is a leak worth seeing.
      if (!String(error).includes("does not exist")) throw error;
    }
    await Deno.remove(this.root, { recursive: true }).catch(() => {});
  }
}
