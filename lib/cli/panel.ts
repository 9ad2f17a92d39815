/** The "Worker launched." panel launch and adopt print on stderr for humans. */
import type { Started } from "../worker/launch.ts";
import { Tmux } from "../tmux.ts";

/** The human-readable panel launch and adopt print on stderr. */
export function panel(title: string, started: Started): string {
  const { meta } = started;
  const tmux = new Tmux(meta.tmux_socket);
  const socket = tmux.socket ? ` (tmux -L ${tmux.socket})` : "";
  return [
    title,
    `  harness:    ${meta.harness}`,
    `  tmux:       ${meta.name}${socket}, session ${meta.tmux_session_id}, pane ${meta.tmux_pane_id}`,
    `  session_id: ${meta.session_id ?? "(registers at the first prompt)"}`,
    `  cwd:        ${meta.cwd}`,
    `  events:     ${meta.events_file}`,
    `  shim:       ${started.shim}`,
    `  reproduce:  ${meta.reproduce}`,
    "",
  ].join("\n");
}
