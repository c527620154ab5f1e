// The API process as main.ts runs it: a created cluster's job reaches BullMQ (the request kicks
// the outbox dispatcher; that it does is asserted with a counter in clusters.test.ts).
import { randomUUID } from 'node:crypto';
import { hetznerTestToken } from '@flotilla/cloud-standins';
import { loadConfig } from '@flotilla/config';
import { createTestDatabase, type TestDatabase } from '@flotilla/db/testing';
import { createLogger } from '@flotilla/log';
import { createQueues, type Queues } from '@flotilla/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiRuntime, startApiRuntime } from '../src/runtime.ts';

let database: TestDatabase;
let runtime: ApiRuntime;
let queues: Queues;
const prefix = `flt-test-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    NODE_ENV: 'test',
    PORT: '0',
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    // Never a real cloud API from a test.
    DIGITALOCEAN_API_URL: 'http://127.0.0.1:1',
    HETZNER_API_URL: 'http://127.0.0.1:1',
    AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:1',
  });
  runtime = await startApiRuntime(config, createLogger({ name: 'api-test', level: 'silent' }));
  queues = createQueues({ redis: config, prefix });
});
afterAll(async () => {
  await runtime.close();
  const queue = queues.get('clusters');
  await queue.obliterate({ force: true });
  await queues.close();
  await database.drop();
});

async function post<T>(path: string, body: unknown, token?: string) {
  const response = await fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { result: { data: T } } };
}

describe('the API process', () => {
  it('moves the provisionCluster job of a new cluster to BullMQ', async () => {
    const registered = await post<{ token: string; organization: { id: string } }>(
      '/api/auth.register',
      {
        email: 'runtime@example.test',
        password: 'correct horse battery',
        name: 'Runtime',
      },
    );
    expect(registered.status).toBe(201);
    const { token, organization } = registered.body.result.data;
    const stored = await post(
      '/api/provider.setCredentials',
      {
        organizationId: organization.id,
        provider: 'hetzner',
        credentials: { token: hetznerTestToken },
      },
      token,
    );
    expect(stored.status).toBe(200);
    const started = Date.now();
    const created = await post<{ id: string }>(
      '/api/cluster.create',
      {
        organizationId: organization.id,
        name: 'queued',
        provider: 'hetzner',
        region: 'hel1',
        orchestrator: 'swarm',
        nodes: [{ role: 'manager', plan: 'small', count: 1 }],
      },
      token,
    );
    expect(created.status).toBe(201);
    const jobId = `provisionCluster.${created.body.result.data.id}`;
    let job = await queues.get('clusters').getJob(jobId);
    while (!job && Date.now() - started < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      job = await queues.get('clusters').getJob(jobId);
    }
    expect(job?.name).toBe('provisionCluster');
    expect(job?.data).toEqual({ clusterId: created.body.result.data.id });
  });
});
