// Process bookkeeping from /proc: liveness that survives pid reuse, namespace membership, and
// killing everything that belongs to a test host.
import { readdir, readFile, readlink } from 'node:fs/promises';

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or null. */
export async function startTimeOf(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after it are split from the ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * "pid state command" for a message (state as ps shows it: D waits on I/O, Z has exited), or
 * null once the process is gone.
 */
export async function describeProcess(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return `${pid} ${state} ${name}`;
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
  const now = await startTimeOf(ref.pid);
  if (now === null) return false;
  const stat = await readFile(`/proc/${ref.pid}/stat`, 'utf8').catch(() => '');
  // A zombie has exited; only its parent has not collected it yet.
  if (/\) Z /.test(stat)) return false;
  return ref.startTime === null || now === ref.startTime;
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
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[1]);
  } catch {
    return null;
  }
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
