// Load from a separate process: autocannon's CLI with JSON output.
import { join } from 'node:path';
import { repoRoot, start } from '@flotilla/harness';

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

export async function load(
  url: string,
  {
    token,
    connections,
    seconds,
    cpu,
  }: { token: string; connections: number; seconds: number; cpu?: number },
): Promise<LoadResult> {
  const bin = join(repoRoot, 'bench/node_modules/.bin/autocannon');
  const proc = start(
    [
      bin,
      '-c',
      String(connections),
      '-d',
      String(seconds),
      '-j',
      '-H',
      `Authorization=Bearer ${token}`,
      url,
    ],
    cpu === undefined ? {} : { cpu },
  );
  let stdout = '';
  proc.child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
  if (code !== 0) throw new Error(`autocannon failed (${code}):\n${proc.output()}`);
  const report = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  return {
    rps: Math.round(report.requests.average),
    p50Ms: report.latency.p50,
    p99Ms: report.latency.p99,
    requests: report.requests.total,
    non2xx: report.non2xx,
    errors: report.errors,
  };
}
