/**
 * The one place that runs tmux. Every call names the server socket explicitly (`-L`), drops
 * the caller's TMUX variables (otherwise a controller inside tmux sends commands to its own
 * server), targets sessions and panes by stable id, and turns a failure into an error tagged
 * with the tmux subcommand.
 */
import { CsdError } from "./errors.ts";

/** tmux's output separator for `-F` formats: ids and validated names never contain a tab. */
const SEP = "\t";

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

/** One pane as `list-panes -a` reports it. */
export interface PaneInfo {
  sessionId: string;
  paneId: string;
  dead: boolean;
  pid: number;
  sessionName: string;
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
    return new Tmux(Deno.env.get("CSD_TMUX_SOCKET") ?? null);
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
    const command = new Deno.Command("tmux", {
      args: this.socket ? ["-L", this.socket, ...args] : args,
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
  ): Promise<{ sessionId: string; paneId: string }> {
    const stdout = await this.run([
      "new-session",
      "-d",
      "-P",
      "-F",
      `#{session_id}${SEP}#{pane_id}`,
      "-s",
      options.name,
      "-x",
      String(options.width ?? 200),
      "-y",
      String(options.height ?? 50),
      "-c",
      options.cwd,
      options.command,
      // Chained in the same tmux command so no exit can slip in before the option is set.
      ";",
      "set-option",
      "-p",
      "remain-on-exit",
      "on",
    ]);
    const [sessionId, paneId] = stdout.trim().split(SEP);
    if (!sessionId?.startsWith("$") || !paneId?.startsWith("%")) {
      throw new TmuxError("new-session", `unexpected output: ${stdout}`);
    }
    return { sessionId, paneId };
  }

  /** Restarts the command of an existing pane in place (keeps a restored layout). */
  async respawnPane(paneId: string, cwd: string, command: string): Promise<void> {
    await this.run(["respawn-pane", "-k", "-t", paneId, "-c", cwd, command]);
    await this.run(["set-option", "-p", "-t", paneId, "remain-on-exit", "on"]);
  }

  /** True if a session with exactly this name exists (`=name`: no prefix matching). */
  async hasSession(name: string): Promise<boolean> {
    const result = await this.raw(["has-session", "-t", `=${name}`]);
    return result.code === 0;
  }

  /** The first pane of the session with exactly this name, or null. */
  async sessionPane(name: string): Promise<{ sessionId: string; paneId: string } | null> {
    const result = await this.raw([
      "list-panes",
      "-s",
      "-t",
      // "=name:" — without the colon, list-panes still matches "take" to session "taken".
      `=${name}:`,
      "-F",
      `#{session_id}${SEP}#{pane_id}`,
    ]);
    if (result.code !== 0) return null;
    const [sessionId, paneId] = (result.stdout.split("\n")[0] ?? "").split(SEP);
    return sessionId && paneId ? { sessionId, paneId } : null;
  }

  /**
   * Every pane on this server in one call (list stays one tmux call however many workers).
   * A server that is not running has no panes.
   */
  async listPanes(): Promise<PaneInfo[]> {
    const result = await this.raw([
      "list-panes",
      "-a",
      "-F",
      ["#{session_id}", "#{pane_id}", "#{pane_dead}", "#{pane_pid}", "#{session_name}"].join(SEP),
    ]);
    if (result.code !== 0) return [];
    return result.stdout.split("\n").filter((line) => line.length > 0).map(parsePaneLine);
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

  /** One pane's state, or null when it no longer exists. */
  async pane(paneId: string): Promise<PaneInfo | null> {
    const result = await this.raw([
      "display-message",
      "-p",
      "-t",
      paneId,
      ["#{session_id}", "#{pane_id}", "#{pane_dead}", "#{pane_pid}", "#{session_name}"].join(SEP),
    ]);
    if (result.code !== 0) return null;
    const info = parsePaneLine(result.stdout.trim());
    // display-message falls back to another pane when the target is gone on some versions.
    return info.paneId === paneId ? info : null;
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
   */
  async pasteBracketed(paneId: string, text: string): Promise<void> {
    const buffer = `csd-${crypto.randomUUID()}`;
    await this.run(["load-buffer", "-b", buffer, "-"], new TextEncoder().encode(text));
    await this.run(["paste-buffer", "-p", "-d", "-b", buffer, "-t", paneId]);
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

  /** Kills a session by id; a session that is already gone is not an error. */
  async killSession(sessionId: string): Promise<void> {
    const result = await this.raw(["kill-session", "-t", sessionId]);
    if (
      result.code !== 0 && !/can't find|no server|not found|error connecting/i.test(result.stderr)
    ) {
      throw new TmuxError("kill-session", result.stderr);
    }
  }

  /** Sets a variable in the server's global environment (tests use it to plant stale ones). */
  async setGlobalEnv(name: string, value: string): Promise<void> {
    await this.run(["set-environment", "-g", name, value]);
  }

  /** Kills the whole server. Only tests call this, on their private socket. */
  async killServer(): Promise<void> {
    await this.raw(["kill-server"]);
  }
}

function parsePaneLine(line: string): PaneInfo {
  const [sessionId = "", paneId = "", dead = "0", pid = "0", ...name] = line.split(SEP);
  return { sessionId, paneId, dead: dead === "1", pid: Number(pid), sessionName: name.join(SEP) };
}
