// Child processes for the benchmark: each server and the load generator run in their own
// process, pinned to their own core where the machine has two, so they do not share a CPU.
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '../../..');
const pinning = availableParallelism() >= 2;

export interface Started {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts `command` (optionally pinned to `cpu`), collecting its output for error messages. The
 * child is killed when this process dies, however it dies (setpriv's parent-death signal): a
 * test run stopped from outside must not leave API and worker processes loading the machine.
 */
export function start(
  command: string[],
  { env = {}, cpu }: { env?: Record<string, string>; cpu?: number } = {},
): Started {
  const orphanProof = ['setpriv', '--pdeathsig', 'KILL', '--', ...command];
  const argv =
    pinning && cpu !== undefined ? ['taskset', '-c', String(cpu), ...orphanProof] : orphanProof;
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

export const node = (script: string) => [process.execPath, '--import', 'tsx', script];

/** Waits until `url` answers 2xx, or fails with the process's output. */
export async function waitForHttp(url: string, proc: Started, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`process exited early:\n${proc.output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {}
    if (Date.now() > until) throw new Error(`${url} never answered:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resident memory of a process, in MB, from /proc. */
export async function rssMb(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc. */
export async function cpuMs(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command), in clock ticks
  // of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
