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
  /** The event line that proved the failure, when there was one. */
  readonly eventLine: string | undefined;
  constructor(message: string, eventLine?: string) {
    super(message, ExitCode.turnFailed);
    this.name = "TurnFailedError";
    this.eventLine = eventLine;
  }
}
