/**
 * The script a worker's tmux pane runs. It carries the worker's environment (so no secret is on a
 * command line), starts from an empty environment (so nothing of the tmux server's leaks in),
 * records the harness's exit status itself (tmux 3.3a sometimes leaves an exited child as a
 * zombie with an empty pane_dead_status), and deletes itself once read.
 */
import { shellJoin, shellQuote } from "../shell.ts";

/** What the start script runs. */
export interface StartScript {
  workerName: string;
  cwd: string;
  env: Record<string, string>;
  argv: string[];
  exitStatusFile: string;
}

const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The script text. */
export function renderStartScript(script: StartScript): string {
  const exports = Object.entries(script.env)
    .filter(([name]) => VALID_NAME.test(name) && name !== "TERM")
    .map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  return [
    "#!/bin/sh",
    `# csd start script for worker ${script.workerName}; removes itself once read.`,
    'if [ "${1-}" != --clean ]; then',
    // TERM is the pane's own (set by tmux), not the controller's, which may be "dumb" in CI.
    '  exec env -i TERM="${TERM:-xterm-256color}" /bin/sh "$0" --clean',
    "fi",
    'rm -f -- "$0"',
    ...exports,
    // The hook tells the worker's own harness (this shell's child) from a nested one started by
    // a tool (a deeper descendant), whose session ids differ alike after a `/clear`.
    'export CSD_LAUNCHER_PID="$$"',
    `cd ${shellQuote(script.cwd)} || exit 97`,
    shellJoin(script.argv),
    "status=$?",
    `printf '%s\\n' "$status" > ${shellQuote(script.exitStatusFile)}`,
    `printf '\\n[csd] worker %s exited with status %s\\n' ${
      shellQuote(script.workerName)
    } "$status"`,
    'exit "$status"',
    "",
  ].join("\n");
}

/** Writes the start script (0600: it holds the environment) and returns the pane command. */
export function writeStartScript(path: string, script: StartScript): string {
  Deno.writeTextFileSync(path, renderStartScript(script), { mode: 0o600 });
  Deno.chmodSync(path, 0o600);
  return startCommand(path);
}

/** The pane command that runs the start script at `path` (prune recognises csd's panes by it). */
export function startCommand(path: string): string {
  return `/bin/sh ${shellQuote(path)}`;
}
