/**
 * Whether the harness that runs a waiting gate still lives. Claude Code 2.1.197 leaves a hook
 * running when it is killed (measured: a gated call's hook outlived `tmux kill-server` and kept
 * its call "waiting" until the timeout; 2.1.332 ends it), and the hook may sit under a `sh -c`
 * that survives too. So the gate notes its chain of ancestors when it starts and gives up as soon
 * as any of them is gone.
 */

/** The pids above this process (parent first), up to but excluding init; empty without /proc. */
export function ancestors(maxDepth = 16): number[] {
  const chain: number[] = [];
  let pid = parentOf("self");
  while (pid !== undefined && pid > 1 && chain.length < maxDepth) {
    chain.push(pid);
    pid = parentOf(String(pid));
  }
  return chain;
}

/** Whether every pid in `pids` still exists (a zombie counts as gone). */
export function allAlive(pids: readonly number[]): boolean {
  return pids.every((pid) => {
    const state = statFields(String(pid))?.[0];
    return state !== undefined && state !== "Z" && state !== "X";
  });
}

function parentOf(pid: string): number | undefined {
  const ppid = Number(statFields(pid)?.[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** The fields of /proc/<pid>/stat after the command name (state, ppid, …). */
function statFields(pid: string): string[] | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The command name is in parentheses and may hold spaces or parentheses itself.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}
