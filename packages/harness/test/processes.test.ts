// Processes the harness starts must not outlive the test process: a run stopped from outside
// (SIGKILL, a CI timeout) would otherwise leave API and worker processes loading the machine.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { eventually } from '../src/control-plane.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('kills the processes it started when the process that started them is killed', async () => {
  const processes = join(import.meta.dirname, '../src/processes.ts');
  // A stand-in test process: starts a long sleep through the harness, says its pid, waits.
  const parent = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { start } = await import(${JSON.stringify(processes)});
       console.log(start(['sleep', '300']).child.pid);
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  const child = Number(line.toString().trim());
  expect(child).toBeGreaterThan(0);
  expect(alive(child)).toBe(true);

  parent.kill('SIGKILL');
  await eventually('the child gone', async () => (alive(child) ? undefined : true), {
    timeoutMs: 10_000,
  });
}, 20_000);
