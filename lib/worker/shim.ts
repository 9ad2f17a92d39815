/**
 * The per-worker shim at `<worker dir>/bin/<name>`: a three-line sh script that bakes in the
 * worker's name and worker dir and execs the right per-command executable, so a controller
 * with no shell state between calls only needs one deterministic path. It execs, never spawns:
 * a child would show a prompt argument on a second command line in `ps` for the whole turn.
 */
import { binDir } from "../paths.ts";
import { shellQuote } from "../shell.ts";
import { subcommandNames } from "../../commands/registry.ts";

/** The per-worker subcommands a shim dispatches directly (from the registry). */
export const WORKER_SUBCOMMANDS: readonly string[] = subcommandNames("worker");

/** The shim's text. */
export function renderShim(name: string, workerDir: string, bin: string = binDir()): string {
  const dispatch = `${shellQuote(bin)}/csd-"$sub"`;
  return [
    "#!/bin/sh",
    `# csd worker shim for "${name}": written by launch, removed by stop.`,
    `CSD_WORKER_DIR=${shellQuote(workerDir)}; export CSD_WORKER_DIR`,
    'sub="${1-help}"',
    'case "$sub" in',
    `  ${WORKER_SUBCOMMANDS.join("|")}) shift; exec ${dispatch} --worker ${
      shellQuote(name)
    } "$@" ;;`,
    `  *) exec ${shellQuote(bin)}/csd --worker ${shellQuote(name)} "$@" ;;`,
    "esac",
    "",
  ].join("\n");
}

/** Writes the shim (0700) atomically. */
export function writeShim(path: string, name: string, workerDir: string): void {
  const temp = `${path}.tmp-${Deno.pid}`;
  Deno.writeTextFileSync(temp, renderShim(name, workerDir), { mode: 0o700 });
  Deno.chmodSync(temp, 0o700);
  Deno.renameSync(temp, path);
}
