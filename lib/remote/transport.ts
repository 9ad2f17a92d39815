/**
 * The one way csd runs a command on a target: this machine, an ssh host, a running Docker
 * container, or a container csd creates from an image. Every remote code path goes through
 * `Transport.run`/`spawn`, so no subcommand grows an ssh or docker branch of its own.
 *
 * `ssh`, `scp` and `docker` are run as found on PATH (users and tests wrap them). ssh always
 * runs with BatchMode (a prompt would hang a worker command forever) and one shared connection
 * per target (ControlMaster with a private 0700 control folder), and checks host keys as the
 * user's own ssh does: csd never sets StrictHostKeyChecking, so an unknown key fails with ssh's
 * own message instead of being accepted silently.
 */
import { CsdError, TimeoutError, UsageError } from "../cli/errors.ts";
import { shellJoin } from "../shell.ts";
import { concatBytes } from "../bytes.ts";

/** Where a command runs. */
export type Target =
  | { kind: "local" }
  | { kind: "ssh"; host: string; user?: string; port?: number }
  | { kind: "docker"; container: string }
  | { kind: "docker-run"; image: string };

/** This machine: the target of every worker launched without `--target`. */
export const LOCAL: Target = { kind: "local" };

// An ssh-config alias or a DNS name: letters, digits, dot, dash, underscore, never a leading
// dash (ssh would read `-oProxyCommand=…` as an option: CVE-2017-1000117 class).
const HOST = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,252})$/;
const IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
// POSIX portable user names (useradd's default rule, plus a dot).
const USER = /^[A-Za-z_][A-Za-z0-9._-]{0,31}$/;
// Docker's own rule for container names (and so ids, which are hex).
const CONTAINER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
// A Docker image reference: [registry[:port]/]path[:tag][@sha256:digest], path lower-case.
const IMAGE = new RegExp(
  "^(?:[A-Za-z0-9][A-Za-z0-9.-]{0,252}(?::[0-9]{1,5})?/)?" +
    "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*" +
    "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$",
);

const TARGET_FORMS = "ssh://[user@]host[:port], docker://<container> or docker-run://<image>";

function bad(uri: string, detail: string): UsageError {
  // JSON quoting: a newline in hostile input must not split the one-line error.
  return new UsageError(`Invalid target ${JSON.stringify(uri)}: ${detail}`);
}

/**
 * Parses a `--target` value. A strict parser, not `new URL`: WHATWG URL parsing would read
 * `docker-run://node:18` as host `node` port 18, percent-decode `%2D` into a leading dash, and
 * accept credentials, paths and queries that mean nothing here.
 *
 * @throws {UsageError} on anything but the three documented forms.
 */
export function parseTarget(uri: string): Target {
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x20\x7f]/.test(uri)) throw bad(uri, "it contains a space or a control character");
  const scheme = uri.match(/^([a-z-]+):\/\/(.*)$/s);
  if (!scheme) throw bad(uri, `expected ${TARGET_FORMS}`);
  const [, kind, rest] = scheme as unknown as [string, string, string];
  if (rest === "") throw bad(uri, "nothing after the scheme");
  switch (kind) {
    case "ssh":
      return parseSsh(uri, rest);
    case "docker":
      if (!CONTAINER.test(rest)) throw bad(uri, "not a Docker container name");
      return { kind: "docker", container: rest };
    case "docker-run":
      if (!IMAGE.test(rest)) throw bad(uri, "not a Docker image reference");
      return { kind: "docker-run", image: rest };
    default:
      throw bad(uri, `unknown scheme "${kind}", expected ${TARGET_FORMS}`);
  }
}

function parseSsh(uri: string, rest: string): Target {
  if (/[/?#]/.test(rest)) throw bad(uri, "an ssh target has no path, query or fragment");
  let hostPort = rest;
  let user: string | undefined;
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    user = rest.slice(0, at);
    hostPort = rest.slice(at + 1);
    if (user.includes(":")) throw bad(uri, "a password does not belong in a target");
    if (!USER.test(user)) throw bad(uri, `not a user name: "${user}"`);
  }
  let host = hostPort;
  let port: number | undefined;
  const portMatch = hostPort.match(/^(.*):([^:\]]*)$/);
  if (portMatch && !(hostPort.startsWith("[") && !hostPort.includes("]:"))) {
    host = portMatch[1]!;
    const text = portMatch[2]!;
    if (!/^[0-9]{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
      throw bad(uri, `not a port: "${text}"`);
    }
    port = Number(text);
  }
  if (!HOST.test(host) && !IPV6.test(host)) throw bad(uri, `not a host name: "${host}"`);
  const target: Target = { kind: "ssh", host };
  if (user !== undefined) target.user = user;
  if (port !== undefined) target.port = port;
  return target;
}

/** The canonical text of a target, as `list` shows it and errors name it. */
export function formatTarget(target: Target): string {
  switch (target.kind) {
    case "local":
      return "local";
    case "ssh":
      return `ssh://${target.user ? `${target.user}@` : ""}${target.host}${
        target.port ? `:${target.port}` : ""
      }`;
    case "docker":
      return `docker://${target.container}`;
    case "docker-run":
      return `docker-run://${target.image}`;
  }
}

/** Options for one command. */
export interface RunOptions {
  /** Bytes (or text) written to the command's stdin, which is then closed; none: empty stdin. */
  stdin?: Uint8Array | string;
  /** Ends the command after this long (TimeoutError, exit 124). Default 60 s. */
  timeoutMs?: number;
}

/** What a command did. */
export interface RunResult {
  code: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

/** Options for a transport. */
export interface TransportOptions {
  /** Variables added to the environment of ssh/scp/docker (PATH picks which ones run). */
  env?: Record<string, string>;
  /**
   * The private folder for ssh control sockets (created 0700 if missing; refused if it is not
   * ours or open to others). Default: `$XDG_RUNTIME_DIR/csd-ssh` or `/tmp/csd-ssh-<uid>`.
   */
  controlDir?: string;
  /** How long an idle shared ssh connection stays up, in seconds (default 60). */
  controlPersistSeconds?: number;
  /** ssh ConnectTimeout in seconds (default 10). */
  connectTimeoutSeconds?: number;
}

/** Runs commands on one target. */
export interface Transport {
  readonly target: Target;
  /**
   * The local argv that runs `argv` on the target (`ssh … host 'quoted words'`, `docker exec …`):
   * what `command` spawns, and what a caller shows or logs.
   */
  localArgv(argv: string[]): string[];
  /** The argv, run on the target with no shell in between (ssh: every word quoted). */
  command(argv: string[], stdin: "piped" | "null" | "inherit"): Deno.Command;
  /** The transport's own failure behind a non-zero exit (not the command's), or undefined. */
  transportFailure(result: RunResult): string | undefined;
  /** The local argv a human runs to use `argv` interactively on the target (a terminal). */
  interactiveArgv(argv: string[]): string[];
  /** Runs argv to completion. A transport failure (not the command's) is a one-line CsdError. */
  run(argv: string[], options?: RunOptions): Promise<RunResult>;
  /** Copies a local file to a path on the target. */
  copyTo(localPath: string, remotePath: string, options?: RunOptions): Promise<void>;
  /** Ends what the transport keeps open (the shared ssh connection). */
  close(): Promise<void>;
  /** Work before the first `command` (the ssh control folder); `run` does it itself. */
  prepare(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const decoder = new TextDecoder();

/** The last non-empty line of a stream, for one-line errors. */
function lastLine(bytes: Uint8Array, otherwise = "no message"): string {
  const lines = decoder.decode(bytes).split(/\r?\n/).map((l) => l.trim()).filter((l) => l);
  return lines.at(-1) ?? otherwise;
}

/** Reads a stream to its end, or to `cancel()`. */
function collect(stream: ReadableStream<Uint8Array>): {
  bytes: Promise<Uint8Array>;
  cancel: () => void;
} {
  const reader = stream.getReader();
  const bytes = (async () => {
    const chunks: Uint8Array[] = [];
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
    } catch {
      // Cancelled after a timeout: what arrived is enough for the error.
    }
    return concatBytes(chunks);
  })();
  return { bytes, cancel: () => void reader.cancel().catch(() => {}) };
}

/** A transport for `target`. */
export function transportFor(target: Target, options: TransportOptions = {}): Transport {
  switch (target.kind) {
    case "local":
      return new BaseTransport(target, options, (argv) => argv);
    case "ssh":
      return new SshTransport(target, options);
    case "docker":
      return new DockerTransport(target, options);
    case "docker-run":
      return new BaseTransport(target, options, (argv) => [
        "docker",
        "run",
        "--rm",
        "-i",
        "--network",
        "host",
        "--",
        target.image,
        ...argv,
      ]);
  }
}

class BaseTransport implements Transport {
  constructor(
    readonly target: Target,
    protected readonly options: TransportOptions,
    private readonly wrap: (argv: string[]) => string[],
  ) {}

  protected name(): string {
    return formatTarget(this.target);
  }

  localArgv(argv: string[]): string[] {
    return this.wrap(argv);
  }

  command(argv: string[], stdin: "piped" | "null" | "inherit"): Deno.Command {
    if (argv.length === 0) throw new CsdError("Cannot run an empty command");
    const [program, ...args] = this.localArgv(argv) as [string, ...string[]];
    return new Deno.Command(program, {
      args,
      stdin,
      stdout: "piped",
      stderr: "piped",
      env: this.options.env ?? {},
    });
  }

  /** Whether a failed run was the transport's failure, not the command's (then: its message). */
  transportFailure(_result: RunResult): string | undefined {
    return undefined;
  }

  interactiveArgv(argv: string[]): string[] {
    return argv;
  }

  async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    await this.prepare();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let child: Deno.ChildProcess;
    const cmd = this.command(argv, options.stdin === undefined ? "null" : "piped");
    try {
      child = cmd.spawn();
    } catch (error) {
      clearTimeout(timer);
      if (error instanceof Deno.errors.NotFound) {
        throw new CsdError(
          `Cannot reach "${this.name()}": "${this.localArgv(argv)[0]}" is not on PATH`,
        );
      }
      throw error;
    }
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    const onAbort = () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      // Killing ssh does not close our pipes when a ControlPersist master holds them for the
      // session (it does for the call that started it): stop reading once ssh is gone.
      child.status.then(() => {
        stdout.cancel();
        stderr.cancel();
      });
    };
    controller.signal.addEventListener("abort", onAbort);
    try {
      if (options.stdin !== undefined) {
        const bytes = typeof options.stdin === "string"
          ? new TextEncoder().encode(options.stdin)
          : options.stdin;
        const writer = child.stdin.getWriter();
        // A command that exits without reading its stdin closes the pipe: not our error.
        await writer.write(bytes).catch(() => {});
        await writer.close().catch(() => {});
      }
      const status = await child.status;
      const result = { code: status.code, stdout: await stdout.bytes, stderr: await stderr.bytes };
      if (controller.signal.aborted) {
        throw new TimeoutError(
          `Command on "${this.name()}" timed out after ${timeoutMs} ms: ${argv[0]}`,
        );
      }
      const failure = result.code === 0 ? undefined : this.transportFailure(result);
      if (failure !== undefined) throw new CsdError(`Cannot reach "${this.name()}": ${failure}`);
      return result;
    } finally {
      clearTimeout(timer);
      controller.signal.removeEventListener("abort", onAbort);
    }
  }

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  async copyTo(localPath: string, remotePath: string, options: RunOptions = {}): Promise<void> {
    const data = await Deno.readFile(localPath);
    const result = await this.run(["sh", "-c", 'cat > "$1"', "sh", remotePath], {
      ...options,
      stdin: data,
    });
    if (result.code !== 0) {
      throw new CsdError(
        `Cannot copy "${localPath}" to "${this.name()}:${remotePath}": ${lastLine(result.stderr)}`,
      );
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

// ssh's own exit code for its failures (connection, authentication, host key); a remote
// command's status comes back as is, so 255 from the far side reads as a transport failure.
const SSH_FAILED = 255;

class SshTransport extends BaseTransport {
  private readonly target_: Extract<Target, { kind: "ssh" }>;

  constructor(target: Extract<Target, { kind: "ssh" }>, options: TransportOptions) {
    super(target, options, (argv) => this.sshArgv(argv));
    this.target_ = target;
  }

  /** The control folder, checked: another user's socket there would own our sessions. */
  controlDir(): string {
    if (this.options.controlDir) return this.options.controlDir;
    const runtime = Deno.env.get("XDG_RUNTIME_DIR");
    return runtime ? `${runtime}/csd-ssh` : `/tmp/csd-ssh-${Deno.uid()}`;
  }

  /** ssh options every call shares; `-o` so a user's config cannot turn BatchMode off. */
  sshOptions(portFlag: "-p" | "-P" = "-p"): string[] {
    const persist = this.options.controlPersistSeconds ?? 60;
    const connect = this.options.connectTimeoutSeconds ?? 10;
    const opts = [
      "-o",
      "BatchMode=yes",
      "-o",
      "ControlMaster=auto",
      "-o",
      // %C: a hash of local host, remote host, port and user, short enough for the 108-byte
      // socket path limit whatever the host name's length.
      `ControlPath=${this.controlDir()}/%C`,
      "-o",
      `ControlPersist=${persist}`,
      "-o",
      `ConnectTimeout=${connect}`,
      // A dead link (suspended laptop, dropped VPN) ends the call in ~15 s instead of hanging.
      "-o",
      "ServerAliveInterval=5",
      "-o",
      "ServerAliveCountMax=3",
      // No secret of the controller crosses to a target, whatever the user's config says for
      // other uses of the host: no agent (a worker's tools could sign with it), no X11, no
      // forwarded ports. `-o` forms: scp takes no -a/-x.
      "-o",
      "ForwardAgent=no",
      "-o",
      "ForwardX11=no",
      "-o",
      "ClearAllForwardings=yes",
    ];
    if (this.target_.port !== undefined) opts.push(portFlag, String(this.target_.port));
    // `-o User=`, not `-l`: scp reads `-l` as a bandwidth limit.
    if (this.target_.user !== undefined) opts.push("-o", `User=${this.target_.user}`);
    return opts;
  }

  private sshArgv(argv: string[]): string[] {
    // ssh joins its trailing words with spaces into one line for the remote login shell: one
    // pre-quoted word keeps every byte of every argument (F-class injection otherwise).
    return ["ssh", ...this.sshOptions(), "-T", "--", this.bareHost(), shellJoin(argv)];
  }

  /** ssh takes an IPv6 address without the URI's brackets; scp wants them. */
  private bareHost(): string {
    return this.target_.host.replace(/^\[(.*)\]$/, "$1");
  }

  override async prepare(): Promise<void> {
    const dir = this.controlDir();
    try {
      await Deno.mkdir(dir, { mode: 0o700 });
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    const info = await Deno.lstat(dir);
    if (!info.isDirectory || info.uid !== Deno.uid() || ((info.mode ?? 0) & 0o077) !== 0) {
      throw new CsdError(
        `Cannot use "${dir}" for ssh control sockets: it must be a folder of ours with mode 0700`,
      );
    }
  }

  override interactiveArgv(argv: string[]): string[] {
    // What a human types: their own ssh config applies, with a terminal for tmux.
    const port = this.target_.port !== undefined ? ["-p", String(this.target_.port)] : [];
    const user = this.target_.user !== undefined ? ["-l", this.target_.user] : [];
    return ["ssh", "-t", ...port, ...user, "--", this.bareHost(), shellJoin(argv)];
  }

  override transportFailure(result: RunResult): string | undefined {
    if (result.code !== SSH_FAILED) return undefined;
    // With `LogLevel ERROR` (common in scripts' configs) a dropped connection says nothing.
    return lastLine(result.stderr, "ssh exited 255 without a message: the connection was lost");
  }

  override async copyTo(
    localPath: string,
    remotePath: string,
    options: RunOptions = {},
  ): Promise<void> {
    await this.prepare();
    // scp takes -P for the port. No `-O`: OpenSSH 9's scp speaks SFTP, where the remote path
    // is not shell-expanded.
    const cmd = new Deno.Command("scp", {
      args: ["-q", ...this.sshOptions("-P"), "--", localPath, `${this.target_.host}:${remotePath}`],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: this.options.env ?? {},
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    const output = await cmd.output();
    if (output.code !== 0) {
      throw new CsdError(
        `Cannot copy "${localPath}" to "${this.name()}:${remotePath}": ${lastLine(output.stderr)}`,
      );
    }
  }

  /** Ends the shared connection (ssh -O exit), if one is up. */
  override async close(): Promise<void> {
    const cmd = new Deno.Command("ssh", {
      args: [...this.sshOptions(), "-O", "exit", "--", this.bareHost()],
      stdin: "null",
      stdout: "null",
      stderr: "null",
      env: this.options.env ?? {},
      signal: AbortSignal.timeout(10_000),
    });
    await cmd.output().catch(() => {});
  }
}

// docker's messages when the daemon or the container is the problem, not the command.
const DOCKER_FAILED =
  /^(Error response from daemon|Cannot connect to the Docker daemon|error during connect|Error: No such container)/;

class DockerTransport extends BaseTransport {
  private readonly container: string;

  constructor(target: Extract<Target, { kind: "docker" }>, options: TransportOptions) {
    // docker exec hands argv to the container as is: no shell, no quoting.
    super(target, options, (argv) => ["docker", "exec", "-i", "--", target.container, ...argv]);
    this.container = target.container;
  }

  override interactiveArgv(argv: string[]): string[] {
    return ["docker", "exec", "-it", "--", this.container, ...argv];
  }

  override transportFailure(result: RunResult): string | undefined {
    const line = decoder.decode(result.stderr).split("\n")[0] ?? "";
    return DOCKER_FAILED.test(line) ? line.trim() : undefined;
  }
}
