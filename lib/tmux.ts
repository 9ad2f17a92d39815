/**
 * The one place that runs tmux. Every call names the server socket explicitly (`-L`), drops
 * the caller's TMUX variables (otherwise a controller inside tmux sends commands to its own
 * server), targets sessions and panes by stable id, and turns a failure into an error tagged
 * with the tmux subcommand.
 */
import { setting } from "./cli/config.ts";
import { CsdError } from "./cli/errors.ts";

/** tmux's output separator for `-F` formats: ids and validated names never contain a tab. */
const SEP = "\t";

/**
 * Everything csd reads about a pane, one format for every lookup. The server's pid and start
 * time tell a restarted server from the one a worker was launched on: ids (`$0`, `%0`) are
 * unique only for one server's life. `session_name` comes last: a foreign session's name may
 * hold anything.
 */
const PANE_FORMAT = [
  "#{session_id}",
  "#{pane_id}",
  "#{pane_dead}",
  "#{pane_pid}",
  "#{pid}",
  "#{start_time}",
  "#{session_name}",
].join(SEP);

/**
 * The argument bytes one batched tmux call carries: the client sends a command in one message
 * of at most 16 KB ("command too long" beyond).
 */
const COMMAND_BYTES = 12 * 1024;

/** A tmux command that failed. */
export class TmuxError extends CsdError {
  readonly subcommand: string;
  readonly stderr: string;
  constructor(subcommand: string, stderr: string) {
    super(`tmux ${subcommand} failed: ${stderr.trim() || "no output"}`);
    this.name = "TmuxError";
    this.subcommand = subcommand;
    this.stderr = stderr;
  }
}

/** Which tmux server process a pane lives on (its pid and start time, in seconds). */
export interface ServerIdentity {
  pid: number;
  start_time: number;
}

/** One pane as tmux reports it. */
export interface PaneInfo {
  sessionId: string;
  paneId: string;
  dead: boolean;
  pid: number;
  server: ServerIdentity;
  sessionName: string;
}

/**
 * What a worker's pane must be: csd acts on a pane only when all of it matches, so a stale or
 * planted id never sends keys to, or kills, someone else's pane.
 */
export interface PaneIdentity {
  sessionName: string;
  sessionId: string;
  paneId: string;
  /** The server the pane was created or adopted on; absent in metas from before csd recorded it. */
  server?: ServerIdentity;
  /** Without `server`: the pane's server must have started by this time (epoch ms). */
  existedAt?: number;
}

/** True when `pane` is the pane `expected` describes. */
export function paneMatches(pane: PaneInfo, expected: PaneIdentity): boolean {
  if (
    pane.paneId !== expected.paneId || pane.sessionId !== expected.sessionId ||
    pane.sessionName !== expected.sessionName
  ) return false;
  if (expected.server) {
    return pane.server.pid === expected.server.pid &&
      pane.server.start_time === expected.server.start_time;
  }
  // A server that started after the worker existed is a restarted one; start_time has whole
  // seconds, so the launch's own second still counts as "before".
  return expected.existedAt !== undefined &&
    pane.server.start_time <= Math.floor(expected.existedAt / 1000);
}

/** The result of a raw tmux call. */
export interface TmuxResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A tmux server, addressed by its `-L` socket name (null: the default server). */
export class Tmux {
  readonly socket: string | null;

  constructor(socket: string | null) {
    this.socket = socket && socket.length > 0 ? socket : null;
  }

  /** The server named by `CSD_TMUX_SOCKET`, or the default server. */
  static fromEnv(): Tmux {
    return new Tmux(setting("CSD_TMUX_SOCKET") ?? null);
  }

  /** The argv prefix that selects this server, for messages shown to humans. */
  commandPrefix(): string[] {
    return this.socket ? ["tmux", "-L", this.socket] : ["tmux"];
  }

  /** Runs `tmux <args>`; never throws on a non-zero exit (see `run`). */
  async raw(args: string[], stdin?: Uint8Array): Promise<TmuxResult> {
    const env = { ...Deno.env.toObject() };
    delete env.TMUX;
    delete env.TMUX_PANE;
    // -u: in a non-UTF-8 locale (LANG unset, a cron job, a minimal container) the client
    // otherwise rewrites every tab and non-ASCII byte of -F output to "_", and csd could not
    // parse its own formats ("unexpected output: $0_%0").
    const server = this.socket ? ["-u", "-L", this.socket] : ["-u"];
    const command = new Deno.Command("tmux", {
      args: [...server, ...args],
      env,
      clearEnv: true,
      stdin: stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    });
    let child: Deno.ChildProcess;
    try {
      child = command.spawn();
    } catch (error) {
      throw new CsdError(`Cannot run tmux: ${error instanceof Error ? error.message : error}`);
    }
    if (stdin) {
      const writer = child.stdin.getWriter();
      await writer.write(stdin);
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

  /** Runs `tmux <args>` and returns stdout; a non-zero exit throws a TmuxError. */
  async run(args: string[], stdin?: Uint8Array): Promise<string> {
    const result = await this.raw(args, stdin);
    if (result.code !== 0) throw new TmuxError(args[0] ?? "", result.stderr);
    return result.stdout;
  }

  /**
   * Creates a detached session running `command` and returns its stable ids. The pane keeps
   * its last screen after the command exits (remain-on-exit) so a failed launch can show why.
   */
  async newSession(
    options: { name: string; cwd: string; command: string; width?: number; height?: number },
  ): Promise<PaneInfo> {
    const stdout = await this.run([
      "new-session",
      "-d",
      "-P",
      "-F",
      PANE_FORMAT,
      "-s",
      literal(options.name),
      "-x",
      String(options.width ?? 200),
      "-y",
      String(options.height ?? 50),
      "-c",
      literal(options.cwd),
      options.command,
      // Chained in the same tmux command so no exit can slip in before the option is set.
      ";",
      "set-option",
      "-p",
      "remain-on-exit",
      "on",
    ]);
    const pane = parsePaneLine(stdout.trim());
    if (!pane) throw new TmuxError("new-session", `unexpected output: ${stdout}`);
    return pane;
  }

  /** Restarts the command of an existing pane in place (keeps a restored layout). */
  async respawnPane(paneId: string, cwd: string, command: string): Promise<void> {
    await this.run(["respawn-pane", "-k", "-t", paneId, "-c", literal(cwd), command]);
    await this.run(["set-option", "-p", "-t", paneId, "remain-on-exit", "on"]);
  }

  /** True if a session with exactly this name exists (`=name`: no prefix matching). */
  async hasSession(name: string): Promise<boolean> {
    const result = await this.raw(["has-session", "-t", `=${name}`]);
    return result.code === 0;
  }

  /** The first pane of the session with exactly this name, or null. */
  async sessionPane(name: string): Promise<PaneInfo | null> {
    const result = await this.raw([
      "list-panes",
      "-s",
      "-t",
      // "=name:" — without the colon, list-panes still matches "take" to session "taken".
      `=${name}:`,
      "-F",
      PANE_FORMAT,
    ]);
    if (result.code !== 0) return null;
    return parsePaneLine(result.stdout.split("\n")[0] ?? "");
  }

  /**
   * Every pane on this server in one call (list stays one tmux call however many workers).
   * A server that is not running has no panes.
   */
  async listPanes(): Promise<PaneInfo[]> {
    const result = await this.raw(["list-panes", "-a", "-F", PANE_FORMAT]);
    if (result.code !== 0) return [];
    return result.stdout.split("\n").map(parsePaneLine).filter((pane) => pane !== null);
  }

  /**
   * Every pane's session and start command, in one call: list and prune recognise csd's own
   * sessions that lost their meta by the start script they run.
   */
  async listStartCommands(): Promise<
    { sessionId: string; paneId: string; sessionName: string; startCommand: string }[]
  > {
    const fields = ["#{session_id}", "#{pane_id}", "#{session_name}", "#{pane_start_command}"];
    const result = await this.raw(["list-panes", "-a", "-F", fields.join(SEP)]);
    if (result.code !== 0) return [];
    return result.stdout.split("\n").filter((line) => line.length > 0).map((line) => {
      const [sessionId = "", paneId = "", sessionName = "", ...command] = line.split(SEP);
      return { sessionId, paneId, sessionName, startCommand: command.join(SEP) };
    });
  }

  /**
   * The pane `expected` describes, or null when it no longer exists — or when its id now
   * belongs to another session or a restarted server (a stale meta's `%0` may be a user's
   * shell). Every command that acts on a worker's pane looks it up through here first.
   */
  async pane(expected: PaneIdentity): Promise<PaneInfo | null> {
    const result = await this.raw(["display-message", "-p", "-t", expected.paneId, PANE_FORMAT]);
    if (result.code !== 0) return null;
    return verifiedPane(result.stdout.trim(), expected);
  }

  /**
   * `pane` and, when it is the expected one, its visible screen (as `capture`), in one tmux
   * call: each call is a process start, and those made up most of what converse adds to a turn.
   * The screen of a pane that turns out not to be the worker's is read but never used.
   */
  async paneWithScreen(expected: PaneIdentity): Promise<{ pane: PaneInfo; screen: string } | null> {
    const result = await this.raw([
      "display-message",
      "-p",
      "-t",
      expected.paneId,
      PANE_FORMAT,
      ";",
      "capture-pane",
      "-p",
      "-J",
      "-t",
      expected.paneId,
    ]);
    // A missing pane: display-message prints an empty line (tmux 3.3a exits 0), capture fails.
    if (result.code !== 0) return null;
    // The format's line ends at the first newline: tmux escapes one in a session name as `\n`.
    const cut = result.stdout.indexOf("\n");
    const pane = cut < 0 ? null : verifiedPane(result.stdout.slice(0, cut), expected);
    return pane ? { pane, screen: result.stdout.slice(cut + 1) } : null;
  }

  /**
   * For each item, what `pane(expected)` gives and, when `screen` is asked and the pane is the
   * expected one, what `capture(paneId)` gives (undefined when it could not be taken) — in one
   * tmux call for as many items as tmux takes in one command: status spent two tmux processes on
   * one worker, and list one capture-pane per worker mid-turn. Each item prints a random marker
   * and its pane's line, then its screen; no screen can hold a marker it never saw.
   */
  async panesAndScreens(
    items: { expected: PaneIdentity; screen: boolean }[],
  ): Promise<{ pane: PaneInfo | null; screen?: string }[]> {
    const results: { pane: PaneInfo | null; screen?: string }[] = [];
    while (results.length < items.length) {
      const marker = crypto.randomUUID().replaceAll("-", "");
      const args: string[] = [];
      let bytes = 0;
      let count = 0;
      for (const { expected, screen } of items.slice(results.length)) {
        const item = [
          ...(count > 0 ? [";"] : []),
          "display-message",
          "-p",
          "-t",
          expected.paneId,
          `${marker}${SEP}${PANE_FORMAT}`,
          ...(screen ? [";", "capture-pane", "-p", "-J", "-t", expected.paneId] : []),
        ];
        const size = item.reduce((n, arg) => n + arg.length + 1, 0);
        if (count > 0 && bytes + size > COMMAND_BYTES) break;
        args.push(...item);
        bytes += size;
        count++;
      }
      const batch = items.slice(results.length, results.length + count);
      const result = await this.raw(args);
      // "<marker>\t<pane line>\n<screen>" per item run; tmux stops at a failed command (a
      // capture of a pane that just went away), after which the rest is tried again.
      const pieces = result.stdout.split(marker).slice(1);
      const ran = result.code === 0 ? batch.length : pieces.length;
      for (const [at, { expected, screen }] of batch.slice(0, Math.max(ran, 1)).entries()) {
        const piece = pieces[at];
        if (piece === undefined) {
          results.push({ pane: null });
          continue;
        }
        const newline = piece.indexOf("\n");
        const info = parsePaneLine(piece.slice(1, newline < 0 ? undefined : newline));
        const pane = info && paneMatches(info, expected) ? info : null;
        const failed = result.code !== 0 && at === ran - 1;
        results.push(
          pane && screen && !failed && newline >= 0
            ? { pane, screen: piece.slice(newline + 1) }
            : { pane },
        );
      }
      // Nothing ran (no server): every item left has no pane.
      if (result.code !== 0 && pieces.length === 0) {
        while (results.length < items.length) results.push({ pane: null });
      }
    }
    return results;
  }

  /** The visible screen of a pane as plain text (plus `history` lines above it). */
  async capture(paneId: string, history = 0): Promise<string> {
    const args = ["capture-pane", "-p", "-J", "-t", paneId];
    if (history > 0) args.push("-S", String(-history));
    return await this.run(args);
  }

  /**
   * Pastes text into a pane as one bracketed paste. Goes through a named buffer loaded from
   * stdin because tmux refuses a single send-keys argument over ~16 KB ("command too long").
   * The paste markers are csd's own, not `paste-buffer -p`'s: tmux adds those only once the
   * program has turned bracketed paste on, and Claude 2.1.332 does that 20–50 ms after the
   * session_start csd launches on, so a prompt sent at once arrived as typed keys and each line
   * was submitted as a prompt of its own. The programs read the markers whatever their mode.
   * `text` must hold no ESC (promptAsText), or it could close the paste early.
   */
  async pasteBracketed(paneId: string, text: string): Promise<void> {
    if (text.includes("\x1b")) throw new Error("A pasted text must hold no ESC");
    const buffer = `${BUFFER_PREFIX}${crypto.randomUUID()}`;
    // One tmux command: a controller killed between a separate load and paste left the prompt
    // in a named buffer for the server's whole life. The listing of buffers such a kill left
    // behind rides along (only load-buffer and paste-buffer follow it, and they print nothing):
    // a separate call was another tmux process on converse's path.
    const listing = await this.run(
      [
        "list-buffers",
        "-F",
        `#{buffer_name}${SEP}#{buffer_created}`,
        ";",
        "load-buffer",
        "-b",
        buffer,
        "-",
        ";",
        "paste-buffer",
        "-d",
        "-b",
        buffer,
        "-t",
        paneId,
      ],
      new TextEncoder().encode(`${PASTE_START}${text}${PASTE_END}`),
    );
    // Deleted after the paste: they are over a minute old, never the one in flight.
    for (const name of staleBufferNames(listing, Math.floor(Date.now() / 1000))) {
      await this.raw(["delete-buffer", "-b", name]);
    }
  }

  /**
   * Types text literally (no key-name lookup). `--` ends tmux's flags: without it a text such
   * as "-t" was read as a flag and nothing was typed.
   */
  async sendLiteral(paneId: string, text: string): Promise<void> {
    await this.run(["send-keys", "-t", paneId, "-l", "--", text]);
  }

  /** Presses named keys (Enter, Escape, Up, C-u, …); `--` keeps a key from reading as a flag. */
  async sendKeys(paneId: string, ...keys: string[]): Promise<void> {
    await this.run(["send-keys", "-t", paneId, "--", ...keys]);
  }

  /**
   * Kills a session by id; a session that is already gone is not an error. Callers verify the
   * id first (`pane`): after a server restart it may name someone else's session.
   */
  async killSession(sessionId: string): Promise<void> {
    const result = await this.raw(["kill-session", "-t", sessionId]);
    if (
      result.code !== 0 && !/can't find|no server|not found|error connecting/i.test(result.stderr)
    ) {
      throw new TmuxError("kill-session", result.stderr);
    }
  }
}

/** The pane a PANE_FORMAT line describes, when it is the one `expected` describes. */
function verifiedPane(line: string, expected: PaneIdentity): PaneInfo | null {
  const info = parsePaneLine(line);
  return info && paneMatches(info, expected) ? info : null;
}

function parsePaneLine(line: string): PaneInfo | null {
  const [sessionId = "", paneId = "", dead, pid, serverPid, startTime, ...name] = line.split(SEP);
  if (!sessionId.startsWith("$") || !paneId.startsWith("%") || name.length === 0) return null;
  return {
    sessionId,
    paneId,
    dead: dead === "1",
    pid: Number(pid),
    server: { pid: Number(serverPid), start_time: Number(startTime) },
    sessionName: name.join(SEP),
  };
}

const BUFFER_PREFIX = "csd-";
/** Bracketed paste's start and end markers (xterm's mode 2004). */
const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";
/** A buffer lives milliseconds between load and paste; one this old was left by a killed client. */
const STALE_BUFFER_SECONDS = 60;

/** The csd buffers in a `name<TAB>created` listing older than a minute at `now` (seconds). */
export function staleBufferNames(listing: string, now: number): string[] {
  return listing.split("\n").flatMap((line) => {
    const [name = "", created = ""] = line.split(SEP);
    const age = now - Number(created);
    return name.startsWith(BUFFER_PREFIX) && created !== "" && age > STALE_BUFFER_SECONDS
      ? [name]
      : [];
  });
}

/**
 * tmux format-expands some arguments (`new-session -s` and `-c`, `respawn-pane -c`), where
 * `#(cmd)` runs cmd in the server: a cwd named `proj#(touch x)` did. `##` is a literal `#`.
 * (tmux 3.3a leaves targets, send-keys text, set-environment values, buffer names and the pane
 * command alone; csd's own -F formats are the only other text it expands.)
 */
function literal(text: string): string {
  return text.replaceAll("#", "##");
}
