/**
 * The processes under a worker's pane, read from /proc (Linux; elsewhere none are known and
 * nothing is killed). A harness that ignores the hangup tmux sends on kill-session outlived
 * `stop` as an orphan nobody could see; stop snapshots the tree before the kill and SIGKILLs
 * whatever of it survives.
 */

/** One process, told apart from a later one with the same pid by its start time. */
export interface ProcessRef {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: the start time in clock ticks since boot. */
  startTicks: string;
}

interface ProcStat extends ProcessRef {
  ppid: number;
  session: number;
  state: string;
}

function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: parse after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return {
    pid,
    state: fields[0] ?? "",
    ppid: Number(fields[1]),
    session: Number(fields[3]),
    startTicks: fields[19] ?? "",
  };
}

function allProcesses(): ProcStat[] {
  const found: ProcStat[] = [];
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      const stat = readStat(Number(entry.name));
      if (stat) found.push(stat);
    }
  } catch {
    // No /proc.
  }
  return found;
}

/**
 * The pane's process and everything it started: its descendants, and the members of the
 * terminal session tmux made for it (those a dead intermediate shell left to init).
 */
export function paneProcesses(panePid: number): ProcessRef[] {
  const all = allProcesses();
  const picked = new Map<number, ProcStat>();
  const pick = (proc: ProcStat) => {
    if (picked.has(proc.pid)) return;
    picked.set(proc.pid, proc);
    for (const child of all) if (child.ppid === proc.pid) pick(child);
  };
  for (const proc of all) {
    if (proc.pid === panePid || proc.session === panePid) pick(proc);
  }
  return [...picked.values()].map(({ pid, startTicks }) => ({ pid, startTicks }));
}

/** True while this very process runs (a zombie no one reaps has ended). */
function stillRunning(ref: ProcessRef): boolean {
  const stat = readStat(ref.pid);
  return stat !== null && stat.startTicks === ref.startTicks && stat.state !== "Z" &&
    stat.state !== "X";
}

/**
 * Waits up to `graceMs` for the processes to end on their own, then SIGKILLs the rest.
 * Returns how many had to be killed.
 */
export async function killSurvivors(processes: ProcessRef[], graceMs: number): Promise<number> {
  const deadline = Date.now() + graceMs;
  let alive = processes.filter(stillRunning);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    alive = alive.filter(stillRunning);
  }
  for (const ref of alive) {
    try {
      Deno.kill(ref.pid, "SIGKILL");
    } catch {
      // Ended just now.
    }
  }
  return alive.length;
}

/**
 * Whether any process (of those this user may inspect) runs with its working directory in
 * `folder`: a worktree whose meta is gone may still hold a worker of another worker dir, or a
 * human's shell, and removing it would pull the folder from under them.
 */
export function processRunsIn(folder: string): boolean {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync("/proc")];
  } catch {
    return true; // Cannot tell: assume it is in use.
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry.name)) continue;
    let cwd: string;
    try {
      cwd = Deno.readLinkSync(`/proc/${entry.name}/cwd`);
    } catch {
      continue; // Gone, or another user's.
    }
    if (cwd === folder || cwd.startsWith(`${folder}/`)) return true;
  }
  return false;
}
