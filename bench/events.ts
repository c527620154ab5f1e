// Event latency: a cluster status change made through the same function the worker uses, until
// it arrives at a Server-Sent Events client of `GET /api/cluster.events`.
import { createDb, createSql } from '@flotilla/db';
import type { ControlPlane } from '@flotilla/harness';
import { transitionCluster } from '@flotilla/lifecycle';

export interface EventsRun {
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

export async function benchEvents({
  plane,
  databaseUrl,
  token,
  samples = 200,
}: {
  plane: ControlPlane;
  databaseUrl: string;
  token: string;
  samples?: number;
}): Promise<EventsRun> {
  const sql = createSql(databaseUrl, { max: 1 });
  const db = createDb({ url: databaseUrl, max: 2 });
  const [cluster] = await sql<{ id: string }[]>`
    select id from "Cluster" where status = 'running' order by "createdAt" limit 1`;
  if (!cluster) throw new Error('no running cluster to change');
  const controller = new AbortController();
  try {
    const res = await fetch(`${plane.url}/api/cluster.events?clusterId=${cluster.id}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    if (!res.ok || !res.body)
      throw new Error(`cluster.events → ${res.status}: ${await res.text()}`);
    const waiting = new Map<string, (at: number) => void>();
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        const now = performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          const data = message
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('\n');
          if (!data) continue;
          try {
            const event = JSON.parse(data) as { kind?: string; reason?: string };
            if (event.kind === 'cluster' && event.reason) waiting.get(event.reason)?.(now);
          } catch {}
        }
      }
    })().catch(() => {});

    // Let the subscription settle, then change the status back and forth, one at a time.
    await new Promise((r) => setTimeout(r, 500));
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const reason = `bench change ${i}`;
      const arrived = new Promise<number>((resolve, reject) => {
        waiting.set(reason, resolve);
        setTimeout(() => reject(new Error(`event ${i} never arrived`)), 5_000).unref();
      });
      const startedAt = performance.now();
      await transitionCluster(db, cluster.id, i % 2 ? 'running' : 'degraded', reason);
      latencies.push((await arrived) - startedAt);
      waiting.delete(reason);
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round((latencies[Math.floor(q * (latencies.length - 1))] ?? 0) * 10) / 10;
    return { p50Ms: at(0.5), p99Ms: at(0.99), samples };
  } finally {
    controller.abort();
    await sql.end();
    await db.$disconnect();
  }
}
