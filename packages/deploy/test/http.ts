// HTTP from this machine to the apps on the testbed's servers.
import { request } from 'node:http';

export interface Answer {
  status: number;
  body: string;
}

export function get(host: string, port: number, path = '/', timeoutMs = 3_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${host}:${port}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** What each node answers on the port ("refused" when nothing listens). */
export async function answers(hosts: string[], port: number, path = '/'): Promise<string[]> {
  return Promise.all(
    hosts.map(async (host) => {
      try {
        const answer = await get(host, port, path);
        return answer.status === 200 ? answer.body.trim() : `HTTP ${answer.status}`;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'refused' : String(error);
      }
    }),
  );
}

/**
 * Requests in a loop, as a balancer in front of host-mode ports sends them: a node that refuses
 * the connection (its task is being replaced) is skipped for the next one. An error is a request
 * no node answered, or answered with anything but 200 and one of the expected bodies.
 */
export function requestLoop(hosts: string[], port: number, expected: string[]) {
  let stopped = false;
  const stats = {
    requests: 0,
    refusedNodes: 0,
    errors: [] as string[],
    bodies: new Map<string, number>(),
  };
  const run = (async () => {
    let next = 0;
    while (!stopped) {
      let served = false;
      for (let tried = 0; tried < hosts.length && !served; tried++) {
        const host = hosts[next++ % hosts.length]!;
        try {
          // Seconds, not milliseconds: this loop runs beside whole test suites on two cores.
          const answer = await get(host, port, '/', 5_000);
          served = true;
          const body = answer.body.trim();
          stats.bodies.set(body, (stats.bodies.get(body) ?? 0) + 1);
          if (answer.status !== 200 || !expected.includes(body)) {
            stats.errors.push(`${host}: HTTP ${answer.status} ${body.slice(0, 80)}`);
          }
        } catch (error) {
          // The node whose task is being replaced refuses the connection, or resets one its
          // stopping task had accepted: like a load balancer, the client tries the next node.
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ECONNREFUSED' || code === 'ECONNRESET') stats.refusedNodes++;
          else {
            served = true;
            stats.errors.push(`${host}: ${String(error)}`);
          }
        }
      }
      if (!served) stats.errors.push('no node answered');
      stats.requests++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    stats,
    async stop() {
      stopped = true;
      await run;
      return stats;
    },
  };
}
