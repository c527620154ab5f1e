// Process bookkeeping from /proc: liveness that survives pid reuse, namespace membership, and
// killing everything that belongs to a test host.
import { readdir, readFile, readlink } from 'node:fs/promises';

interface ProcStat {
  /** The command name (field 2). */
  name: string;
  /** As ps shows it: R runs, S sleeps, D waits on I/O, Z has exited (field 3). */
  state: string;
  /** Parent pid (field 4). */
  parent: number;
  /** Start time in clock ticks since boot (field 22): with the pid, names one process. */
  startTime: string | null;
}

/** /proc/PID/stat, or null once the process is gone. */
async function procStat(pid: number): Promise<ProcStat | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  // The command name may contain spaces and parentheses; the fields after it follow the last ')'.
  const close = stat.lastIndexOf(')');
  const rest = stat.slice(close + 2).split(' ');
  return {
    name: stat.slice(stat.indexOf('(') + 1, close),
    state: rest[0] ?? '',
    parent: Number(rest[1]),
    startTime: rest[19] ?? null,
  };
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or null. */
export async function startTimeOf(pid: number): Promise<string | null> {
  return (await procStat(pid))?.startTime ?? null;
}

/** "pid state command" for a message, or null once the process is gone. */
export async function describeProcess(pid: number): Promise<string | null> {
  const stat = await procStat(pid);
  return stat && `${pid} ${stat.state} ${stat.name}`;
}

export interface ProcessRef {
  pid: number;
  startTime: string | null;
}

export async function processRef(pid: number): Promise<ProcessRef> {
  return { pid, startTime: await startTimeOf(pid) };
}

export async function isAlive(ref: ProcessRef | null | undefined): Promise<boolean> {
  if (!ref) return false;
  const stat = await procStat(ref.pid);
  // Gone, or a zombie: exited, only its parent has not collected it yet.
  if (!stat || stat.state === 'Z') return false;
  return ref.startTime === null || stat.startTime === ref.startTime;
}

export async function namespaceOf(pid: number, kind: 'net' | 'mnt'): Promise<string | null> {
  try {
    return await readlink(`/proc/${pid}/ns/${kind}`);
  } catch {
    return null;
  }
}

async function allPids(): Promise<number[]> {
  const entries = await readdir('/proc');
  return entries.filter((name) => /^\d+$/.test(name)).map(Number);
}

async function parentOf(pid: number): Promise<number | null> {
  return (await procStat(pid))?.parent ?? null;
}

/**
 * Every process inside the given namespaces, plus their descendants (container processes
 * live in namespaces of their own but descend from the host's containerd shims).
 */
export async function processesIn(namespaces: {
  net?: string | null;
  mnt?: string | null;
}): Promise<number[]> {
  const pids = await allPids();
  const members = new Set<number>();
  const parents = new Map<number, number>();
  await Promise.all(
    pids.map(async (pid) => {
      if (pid === process.pid) return;
      const [net, mnt, parent] = await Promise.all([
        namespaceOf(pid, 'net'),
        namespaceOf(pid, 'mnt'),
        parentOf(pid),
      ]);
      if (parent !== null) parents.set(pid, parent);
      if (
        (namespaces.net && net === namespaces.net) ||
        (namespaces.mnt && mnt === namespaces.mnt)
      ) {
        members.add(pid);
      }
    }),
  );
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (!members.has(pid) && members.has(parent)) {
        members.add(pid);
        grew = true;
      }
    }
  }
  return [...members];
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export async function waitFor(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
