// Request budgets kept in the real Redis, against stand-ins that enforce the provider's budget
// the way the provider does: a request beyond it is refused and counted in `requests()`.
import { randomUUID } from 'node:crypto';
import {
  awsTestCredentials,
  digitalOceanTestToken,
  hetznerTestToken,
  startAwsStandin,
  startDigitalOceanStandin,
  startHetznerStandin,
} from '@flotilla/cloud-standins';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CloudClientOptions,
  createCloudClient,
  createRedisRateBudgets,
  obtainServer,
  type RateLimits,
} from '../src/index.ts';
import { openSshPublicKey } from './keys.ts';

const prefix = `test-rate-${randomUUID().slice(0, 8)}`;
const connections: Redis[] = [];

/** A Redis connection of its own, as each worker process has. */
function redis(): Redis {
  const connection = new Redis('redis://127.0.0.1:6379', { lazyConnect: false });
  connections.push(connection);
  return connection;
}

async function budgetKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await connections[0]!.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

beforeAll(() => {
  redis();
});

afterAll(async () => {
  const keys = await budgetKeys();
  if (keys.length) await connections[0]!.del(...keys);
  for (const connection of connections) connection.disconnect();
});

const fast: CloudClientOptions = {
  retry: { attempts: 6, baseDelayMs: 50, maxDelayMs: 5_000, requestTimeoutMs: 5_000 },
  pollIntervalMs: 100,
};

const budgets = (limits: Partial<RateLimits>) =>
  createRedisRateBudgets({ redis: redis(), prefix, limits });

const limitedRequests = (standin: { requests(): { status: number | 'hung' }[] }, status = 429) =>
  standin.requests().filter((request) => request.status === status).length;

/** Twenty machines as twenty provisioning jobs obtain them: key, create, wait. */
function obtainMany(
  client: ReturnType<typeof createCloudClient>,
  count: number,
  cluster: string,
  publicKey: string,
  region: string,
) {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      obtainServer(
        client,
        {
          nodeId: `node_${cluster}_${i}`,
          clusterId: cluster,
          region,
          plan: 'nano',
          sshKey: { name: `flotilla-${cluster}`, publicKey },
        },
        { timeoutMs: 90_000 },
      ),
    ),
  );
}

describe('Hetzner within a small project budget', () => {
  // 10 requests, refilled at 10 per second: 20 machines need far more than that at once.
  const rateLimit = { limit: 10, windowSeconds: 1 };
  const limits = { hetzner: { api: [{ limit: 10, windowMs: 1_000 }] } };

  it('creates 20 servers with no request beyond the budget', async () => {
    const standin = await startHetznerStandin({ rateLimit });
    try {
      const client = createCloudClient(
        'hetzner',
        { token: hetznerTestToken },
        { ...fast, baseUrl: standin.url, rateBudgets: budgets(limits) },
      );
      const started = Date.now();
      const servers = await obtainMany(client, 20, 'budget', openSshPublicKey(), 'nbg1');
      const seconds = (Date.now() - started) / 1000;

      expect(new Set(servers.map((server) => server.id)).size).toBe(20);
      expect(servers.every((server) => server.status === 'running')).toBe(true);
      expect(standin.servers()).toHaveLength(20);
      const sent = standin.requests().length;
      expect(limitedRequests(standin)).toBe(0);
      // Paced, not lucky: what was sent beyond the first 10 could not have gone faster.
      expect(seconds).toBeGreaterThanOrEqual((sent - 10) / 10 - 1);
      console.info(`hetzner budget 10/1s: 20 servers, ${sent} requests, 0 refused, ${seconds} s`);
    } finally {
      await standin.close();
    }
  });

  it('is exceeded by the same load without a budget (the stand-in refuses and counts)', async () => {
    const standin = await startHetznerStandin({ rateLimit });
    try {
      const client = createCloudClient(
        'hetzner',
        { token: hetznerTestToken },
        { ...fast, baseUrl: standin.url },
      );
      await obtainMany(client, 20, 'nobudget', openSshPublicKey(), 'nbg1').catch(() => []);
      expect(limitedRequests(standin)).toBeGreaterThan(0);
      console.info(`hetzner without budget: ${limitedRequests(standin)} requests refused`);
    } finally {
      await standin.close();
    }
  });

  it('is shared by workers: two processes creating 10 servers each stay within it', async () => {
    const standin = await startHetznerStandin({ rateLimit });
    try {
      const publicKey = openSshPublicKey();
      // Separate budget objects and Redis connections, as two worker processes have.
      const worker = () =>
        createCloudClient(
          'hetzner',
          { token: hetznerTestToken },
          { ...fast, baseUrl: standin.url, rateBudgets: budgets(limits) },
        );
      const [a, b] = await Promise.all([
        obtainMany(worker(), 10, 'shared-a', publicKey, 'nbg1'),
        obtainMany(worker(), 10, 'shared-b', publicKey, 'nbg1'),
      ]);
      expect(a.length + b.length).toBe(20);
      expect(standin.servers()).toHaveLength(20);
      expect(limitedRequests(standin)).toBe(0);
    } finally {
      await standin.close();
    }
  });

  it('follows RateLimit-Remaining when someone else spent most of the budget', async () => {
    const standin = await startHetznerStandin({ rateLimit: { limit: 10, windowSeconds: 5 } });
    try {
      // Another tool on the same project spends 7 of the 10 requests.
      for (let i = 0; i < 7; i++) {
        const answer = await fetch(`${standin.url}/v1/servers`, {
          headers: { authorization: `Bearer ${hetznerTestToken}` },
        });
        expect(answer.status).toBe(200);
      }
      const client = createCloudClient(
        'hetzner',
        { token: hetznerTestToken },
        {
          ...fast,
          baseUrl: standin.url,
          rateBudgets: budgets({ hetzner: { api: [{ limit: 10, windowMs: 5_000 }] } }),
        },
      );
      for (let i = 0; i < 8; i++) await client.findServers();
      expect(limitedRequests(standin)).toBe(0);
    } finally {
      await standin.close();
    }
  });
});

describe('a 429 with Retry-After', () => {
  it('makes every worker of the account wait as long as DigitalOcean asked', async () => {
    const standin = await startDigitalOceanStandin({ retryAfterSeconds: 2 });
    try {
      const limits = {
        digitalocean: { api: [{ limit: 100, windowMs: 1_000 }] },
      };
      const worker = () =>
        createCloudClient(
          'digitalocean',
          { token: digitalOceanTestToken },
          { ...fast, baseUrl: standin.url, rateBudgets: budgets(limits) },
        );
      const [a, b] = [worker(), worker()];
      standin.faults.rateLimit(1);
      const first = a.findServers();
      // Once worker a has learned of the refusal, worker b asks.
      await expect
        .poll(async () => (await budgetKeys()).filter((key) => key.endsWith(':blocked')), {
          timeout: 5_000,
          interval: 10,
        })
        .toHaveLength(1);
      await Promise.all([first, b.findServers()]);
      const refused = standin.requests().find((request) => request.status === 429)!;
      const after = standin.requests().filter((request) => request.at > refused.at);
      // a's retry and b's request, both no earlier than Retry-After allows.
      expect(after).toHaveLength(2);
      for (const request of after) expect(request.at - refused.at).toBeGreaterThanOrEqual(1_900);
    } finally {
      await standin.close();
    }
  });
});

describe('EC2 action buckets', () => {
  it('launches 8 instances within a RunInstances bucket of 3 per second, none throttled', async () => {
    const standin = await startAwsStandin({
      throttling: { 'run-instances': [{ limit: 3, windowSeconds: 1 }] },
    });
    try {
      const client = createCloudClient(
        'aws',
        { ...awsTestCredentials, region: 'us-east-1' },
        {
          ...fast,
          baseUrl: standin.url,
          rateBudgets: budgets({
            aws: {
              describe: [{ limit: 100, windowMs: 5_000 }],
              'describe-unfiltered': [{ limit: 50, windowMs: 5_000 }],
              mutating: [{ limit: 50, windowMs: 10_000 }],
              'resource-intensive': [{ limit: 50, windowMs: 10_000 }],
              'run-instances': [{ limit: 3, windowMs: 1_000 }],
              'terminate-instances': [{ limit: 100, windowMs: 20_000 }],
            },
          }),
        },
      );
      const servers = await obtainMany(client, 8, 'ec2', openSshPublicKey(), 'us-east-1');
      expect(new Set(servers.map((server) => server.id)).size).toBe(8);
      expect(limitedRequests(standin, 503)).toBe(0);
    } finally {
      await standin.close();
    }
  });
});

describe('a process whose event loop stalls', () => {
  it('does not send what it was granted meanwhile in one burst', async () => {
    const limits = { hetzner: { api: [{ limit: 10, windowMs: 1_000 }] } };
    const budget = budgets(limits).account('hetzner', `stall-${randomUUID().slice(0, 8)}`);
    const sent: number[] = [];
    const requests = Array.from({ length: 30 }, async () => {
      const ticket = await budget.take('api');
      sent.push(Date.now());
      await ticket.settle();
    });
    // The first turns are given at once; while the later ones wait for theirs, the event loop
    // is busy for 1.5 s (a CPU-starved worker on a loaded machine).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const busyUntil = Date.now() + 1_500;
    while (Date.now() < busyUntil) {
      // busy
    }
    await Promise.all(requests);
    // The provider's bucket (10, refilled at 10 per second) takes every request as it arrives.
    let tokens = 10;
    let at = sent[0] as number;
    const refused = [...sent]
      .sort((a, b) => a - b)
      .filter((t) => {
        tokens = Math.min(10, tokens + ((t - at) * 10) / 1_000);
        at = t;
        if (tokens < 1) return true;
        tokens -= 1;
        return false;
      });
    expect(refused).toEqual([]);
  });
});

describe('keys', () => {
  it('name accounts by a hash, never by their token or access key', async () => {
    const keys = await budgetKeys();
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toContain(hetznerTestToken);
      expect(key).not.toContain(digitalOceanTestToken);
      expect(key).not.toContain(awsTestCredentials.accessKeyId);
    }
  });
});
