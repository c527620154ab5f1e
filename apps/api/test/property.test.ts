// Random requests at every route, generated from the routes' own input schemas: whatever a
// client sends, the answer is never a 5xx.
import { routes } from '@flotilla/router';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { arbitraryFor, asQuery } from './arbitraries.ts';
import { type Harness, registerUser, startApi, storeCloudCredentials } from './harness.ts';

let api: Harness;
let owner: Awaited<ReturnType<typeof registerUser>>;
let real: Record<string, string[]>;

beforeAll(async () => {
  api = await startApi();
  owner = await registerUser(api, 'fuzz');
  await storeCloudCredentials(api, owner);
  const key = await api.call('POST', '/api/sshKey.generate', {
    token: owner.token,
    body: { organizationId: owner.organizationId, name: 'fuzz' },
  });
  const cluster = await api.call('POST', '/api/cluster.create', {
    token: owner.token,
    body: {
      organizationId: owner.organizationId,
      name: 'fuzzed',
      provider: 'digitalocean',
      region: 'nyc3',
      orchestrator: 'swarm',
      nodes: [
        { role: 'manager', plan: 'small', count: 3 },
        { role: 'worker', plan: 'small', count: 2 },
      ],
    },
  });
  const data = cluster.body.result.data;
  // Real ids make many generated requests pass the lookups and reach the deeper rules.
  real = {
    organizationId: [owner.organizationId],
    clusterId: [data.id],
    nodeId: data.nodes.map((n: { id: string }) => n.id),
    sshKeyId: [key.body.result.data.id],
    userId: [owner.userId],
  };
});
afterAll(() => api.close());

const runs = Number(process.env.FUZZ_RUNS ?? 25);
const tested = [...routes.values()].filter((route) => route.type !== 'subscription' && route.input);

describe('random input never produces a 5xx', () => {
  for (const route of tested) {
    it(`${route.method} /api/${route.path}`, async () => {
      const schema = z.toJSONSchema(route.input as z.ZodType, {
        io: 'input',
        unrepresentable: 'any',
      });
      await fc.assert(
        fc.asyncProperty(arbitraryFor(schema as Record<string, unknown>, real), async (input) => {
          const reply = await api.call(route.method, `/api/${route.path}`, {
            token: owner.token,
            ...(route.method === 'GET'
              ? { query: asQuery(input) ?? {} }
              : { rawBody: JSON.stringify(input) ?? '' }),
          });
          expect(reply.status, JSON.stringify({ input, reply: reply.body })).toBeLessThan(500);
          if (reply.status >= 400) {
            expect(reply.body.error).toMatchObject({
              code: expect.any(String),
              message: expect.any(String),
            });
          }
        }),
        { numRuns: runs },
      );
    });
  }

  it('raw bodies that are not JSON objects get a 4xx on every mutation', async () => {
    const mutations = tested.filter((route) => route.method !== 'GET');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...mutations),
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        async (route, body) => {
          const reply = await api.call(route.method, `/api/${route.path}`, {
            token: owner.token,
            rawBody: body,
          });
          expect(reply.status, `${route.path} ${JSON.stringify(body)}`).toBeLessThan(500);
        },
      ),
      { numRuns: runs * 4 },
    );
  });

  it('the typed endpoint answers junk with a 4xx too', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...tested), fc.jsonValue(), async (route, input) => {
        const url =
          route.type === 'query'
            ? `${api.url}/trpc/${route.path}?input=${encodeURIComponent(JSON.stringify(input) ?? '')}`
            : `${api.url}/trpc/${route.path}`;
        const response = await fetch(url, {
          method: route.type === 'query' ? 'GET' : 'POST',
          headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
          ...(route.type === 'query' ? {} : { body: JSON.stringify(input) ?? '' }),
        });
        await response.arrayBuffer();
        expect(response.status, `${route.path} ${JSON.stringify(input)}`).toBeLessThan(500);
      }),
      { numRuns: runs * 2 },
    );
  });
});
