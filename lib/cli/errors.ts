/**
 * Errors that carry their exit code, so every command's `main` can map a failure to the
 * documented code in one place (see README "Exit codes").
 */

/** Exit codes shared by every command. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  turnFailed: 3,
  /** A tool call or question of the worker waits for a decision (wait-for-turn, converse). */
  waiting: 4,
  timeout: 124,
} as const;

/** A runtime failure with the exit code the command should end with. */
export class CsdError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = ExitCode.failure) {
    super(message);
    this.name = "CsdError";
    this.exitCode = exitCode;
  }
}

/** Bad command-line input: help goes to stderr and the command exits 2. */
export class UsageError extends CsdError {
  constructor(message: string) {
    super(message, ExitCode.usage);
    this.name = "UsageError";
  }
}

/** A wait that ran out of time (exit 124, like timeout(1) and dax). */
export class TimeoutError extends CsdError {
  constructor(message: string) {
    super(message, ExitCode.timeout);
    this.name = "TimeoutError";
  }
}

/** The worker's turn ended badly: an API error, a crash, or the session ending mid-turn. */
export class TurnFailedError extends CsdError {
  constructor(message: string) {
    super(message, ExitCode.turnFailed);
    this.name = "TurnFailedError";
  }
}

/** Deno's names for the file operations in its error messages, as the verb of ours. */
const FS_VERBS: Record<string, string> = {
  open: "open",
  readfile: "read",
  writefile: "write",
  read: "read",
  write: "write",
  mkdir: "create",
  remove: "remove",
  rename: "rename",
  stat: "stat",
  lstat: "stat",
  readdir: "read",
  chmod: "change the mode of",
  symlink: "create the symlink",
  realpath: "resolve",
};

/**
 * A file-system error (ENOSPC, ENOTDIR, EACCES, …) as one CsdError line, or undefined for any
 * other error. Deno's message reads `No space left on device (os error 28): writefile '<path>'`
 * and the error carries a stack: a full disk made `send` and `launch` print six lines of it.
 */
export function fsErrorToCsdError(error: unknown): CsdError | undefined {
  if (!(error instanceof Error) || error instanceof CsdError) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string" && !Object.values(Deno.errors).some((k) => error instanceof k)) {
    return undefined;
  }
  const text = error.message.split("\n")[0]!;
  const match = text.match(/^(.*?) \(os error \d+\): (\w+) '([^']*)'/);
  if (!match) return new CsdError(text);
  const [, reason, op, path] = match as unknown as [string, string, string, string];
  const verb = FS_VERBS[op] ?? op;
  return new CsdError(
    `Cannot ${verb} "${path}": ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`,
  );
}
