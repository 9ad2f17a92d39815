/**
 * An isolated world for one test: a private tmux server (`tmux -L <unique>`), a temp worker
 * dir, a temp HOME and a project folder. Nothing reaches the user's tmux server, ~/.claude or
 * /tmp/csd-workers. `dispose` kills only this test's tmux server and removes its folder and
 * socket file.
 */
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";

export const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
/**
 * Where csd's executables come from: the checkout's generated bin/ by default; `CSD_TEST_BIN`
 * points the suites at another tree (`make test-installed` sets it to an installed PREFIX/bin).
 */
export const BIN = Deno.env.get("CSD_TEST_BIN") || `${REPO}/bin`;
export const FAKE_CLAUDE = `${REPO}/tests/support/fake_claude`;

/** The result of running a command. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for TestEnv. */
export interface TestEnvOptions {
  /** The harness binary for claude workers (default: the fake agent). */
  claudeBin?: string;
  /** Pre-trust the project folder in $HOME/.claude.json (default true). */
  trusted?: boolean;
  /** Record consent (default true). */
  consent?: boolean;
}

export class TestEnv {
  readonly root: string;
  readonly home: string;
  readonly workerDir: string;
  readonly project: string;
  readonly socket: string;
  /** Extra variables for every csd call (and so for the workers). */
  readonly vars: Record<string, string> = {};

  private constructor(root: string) {
    this.root = root;
    this.home = `${root}/home`;
    this.workerDir = `${root}/workers`;
    this.project = `${root}/project`;
    this.socket = `csd-test-${crypto.randomUUID().slice(0, 12)}`;
  }

  static async create(options: TestEnvOptions = {}): Promise<TestEnv> {
    const root = await Deno.makeTempDir({ prefix: "csd-test-" });
    const env = new TestEnv(Deno.realPathSync(root));
    await Deno.mkdir(env.home, { recursive: true });
    await Deno.mkdir(env.project, { recursive: true });
    env.vars.CSD_CLAUDE_BIN = options.claudeBin ?? FAKE_CLAUDE;
    if (options.trusted !== false) env.trust(env.project);
    if (options.consent !== false) {
      await Deno.mkdir(`${env.home}/.claude`, { recursive: true });
      await Deno.writeTextFile(`${env.home}/.claude/.claude-session-driver-consent`, "yes\n");
    }
    return env;
  }

  /** Marks `dir` trusted in $HOME/.claude.json (onboarding done), as a real user's would be. */
  trust(dir: string, extra: Record<string, unknown> = {}): void {
    const path = `${this.home}/.claude.json`;
    let config: Record<string, unknown> = {};
    try {
      config = JSON.parse(Deno.readTextFileSync(path));
    } catch {
      // First write.
    }
    const projects = (config.projects ?? {}) as Record<string, unknown>;
    projects[dir] = { hasTrustDialogAccepted: true };
    config = { hasCompletedOnboarding: true, ...config, ...extra, projects };
    Deno.writeTextFileSync(path, JSON.stringify(config, null, 2));
  }

  /** Writes a fake-agent script and points FAKE_CLAUDE_SCRIPT at it. */
  script(script: Record<string, unknown>): string {
    const path = `${this.root}/fake-script-${crypto.randomUUID().slice(0, 8)}.json`;
    Deno.writeTextFileSync(path, JSON.stringify(script));
    this.vars.FAKE_CLAUDE_SCRIPT = path;
    return path;
  }

  /** The environment csd runs with: the test's own, isolated. */
  environment(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: this.home,
      LANG: "C.UTF-8",
      TERM: "xterm-256color",
      CSD_WORKER_DIR: this.workerDir,
      CSD_TMUX_SOCKET: this.socket,
      IS_SANDBOX: "1",
      ...this.vars,
      ...extra,
    };
  }

  /** Runs `bin/csd <args>`. */
  csd(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
    return this.exec(`${BIN}/csd`, args, options);
  }

  /** Runs a worker's shim. */
  shim(
    name: string,
    args: string[],
    options: { stdin?: string; env?: Record<string, string> } = {},
  ) {
    return this.exec(`${this.workerDir}/bin/${name}`, args, options);
  }

  /**
   * Starts a worker's shim in the background (e.g. `read-events --follow`), output piped;
   * `stdin` is written to it and closed.
   */
  spawnShim(name: string, args: string[], stdin?: string): Deno.ChildProcess {
    return this.spawn(`${this.workerDir}/bin/${name}`, args, stdin);
  }

  /** Starts any program in the background with the isolated environment (see spawnShim). */
  spawn(program: string, args: string[], stdin?: string): Deno.ChildProcess {
    const child = new Deno.Command(program, {
      args,
      env: this.environment(),
      clearEnv: true,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (stdin !== undefined) {
      const writer = child.stdin.getWriter();
      writer.write(new TextEncoder().encode(stdin)).then(() => writer.close()).catch(() => {});
    }
    return child;
  }

  /** Runs any program with the isolated environment. */
  async exec(
    program: string,
    args: string[],
    options: { stdin?: string; env?: Record<string, string> } = {},
  ): Promise<Run> {
    const child = new Deno.Command(program, {
      args,
      env: this.environment(options.env),
      clearEnv: true,
      cwd: this.root,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    }
    const output = await child.output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  }

  /** Runs tmux against this test's private server. */
  async tmux(...args: string[]): Promise<Run> {
    const output = await new Deno.Command("tmux", {
      args: ["-L", this.socket, ...args],
      env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  }

  /**
   * Makes tmux believe worker `name`'s program turned bracketed paste off (as Claude 2.1.332's
   * is until it draws its screen): the sequence written to the pane's terminal reaches tmux as
   * the program's own output, and the program itself is left as it was.
   */
  async bracketedPasteOff(name: string): Promise<void> {
    const target = `=${name}:`;
    const tty = await this.tmux("display-message", "-p", "-t", target, "#{pane_tty}");
    if (tty.code !== 0) throw new Error(`no pane for ${name}: ${tty.stderr}`);
    // tmux has no format for the mode: a title set right after it shows once tmux read both.
    // Written again until seen, since the program may set its own title in between (Claude
    // does as it draws its first screen).
    const title = `csd-test-${crypto.randomUUID()}`;
    const titleShown = async () =>
      (await this.tmux("display-message", "-p", "-t", target, "#{pane_title}")).stdout.trim() ===
        title;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      Deno.writeTextFileSync(tty.stdout.trim(), `\x1b[?2004l\x1b]2;${title}\x07`);
      if (await eventually(titleShown, 500).then(() => true, () => false)) return;
    }
    throw new Error(`tmux did not read the bracketed-paste change of ${name} within 10 s`);
  }

  /** Launches a worker and returns its shim path; fails the test with csd's stderr otherwise. */
  async launch(name: string, extraArgs: string[] = [], env: Record<string, string> = {}) {
    const run = await this.csd(["launch", name, this.project, ...extraArgs], { env });
    if (run.code !== 0) {
      throw new Error(`launch ${name} failed (${run.code}):\n${run.stderr}`);
    }
    return run.stdout.trim();
  }

  /** Reads a worker's events as parsed objects. */
  events(name: string): Record<string, unknown>[] {
    try {
      return Deno.readTextFileSync(`${this.workerDir}/${name}.events.jsonl`).split("\n")
        .filter((l) => l.trim()).map((l) => JSON.parse(l));
    } catch {
      return [];
    }
  }

  /**
   * This test's tmux socket file. tmux puts `-L` sockets in `$TMUX_TMPDIR/tmux-<uid>/`, and
   * neither `tmux()` nor csd's calls see a TMUX_TMPDIR, so it is /tmp's.
   */
  get socketPath(): string {
    return `/tmp/tmux-${Deno.uid()}/${this.socket}`;
  }

  /** Kills this test's tmux server (a crash, a restart) and waits until it is gone. */
  async killServer(): Promise<void> {
    await this.tmux("kill-server");
    // kill-server returns before the server has exited: a client could still reach the dying
    // one. A dying server still accepts a connection and then drops it ("server exited
    // unexpectedly"): wait until nothing answers on the socket at all, or the next new-session
    // meets the corpse.
    await eventually(
      async () =>
        /no server running|error connecting/i.test((await this.tmux("list-sessions")).stderr),
      10_000,
      "no server",
    );
  }

  /** Kills this test's tmux server and removes its folder and socket file. */
  async dispose(): Promise<void> {
    await this.tmux("kill-server");
    // tmux 3.3a leaves the socket file behind (after kill-server, and when the last session
    // exits), so every test used to leave one stale csd-test-* entry in /tmp/tmux-<uid>/.
    await Deno.remove(this.socketPath).catch(() => {});
    await Deno.remove(this.root, { recursive: true }).catch(() => {});
  }
}

/** True when `path` exists (a dangling symlink counts). */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it returns true or `ms` pass (for assertions on asynchronous effects). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
}

/**
 * Reads `stream` (a follower's stdout) until `done` holds for the lines read so far, the stream
 * ends, or `ms` pass; returns the complete lines read. The stream stays locked to this reader.
 */
export async function linesUntil(
  stream: ReadableStream<Uint8Array>,
  done: (lines: string[]) => boolean,
  ms = 30_000,
): Promise<string[]> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const deadline = Date.now() + ms;
  let text = "";
  const lines = () => text.split("\n").slice(0, -1);
  while (!done(lines()) && Date.now() < deadline) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), deadline - Date.now());
    });
    const chunk = await Promise.race([reader.read(), timeout]);
    clearTimeout(timer);
    if (chunk === null || chunk.done) break;
    text += chunk.value;
  }
  return lines();
}
