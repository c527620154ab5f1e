// provider.* over HTTP, with provider calls going to the local stand-ins of DigitalOcean,
// Hetzner Cloud and AWS EC2: what a user of the API sees, secrets never in any answer.
import {
  type AwsStandin,
  awsReadOnlyCredentials,
  awsTestCredentials,
  type DigitalOceanStandin,
  digitalOceanTestToken,
  type HetznerStandin,
  hetznerReadOnlyToken,
  startAwsStandin,
  startDigitalOceanStandin,
  startHetznerStandin,
} from '@flotilla/cloud-standins';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi } from './harness.ts';

let api: Harness;
let owner: Awaited<ReturnType<typeof registerUser>>;
let digitalocean: DigitalOceanStandin;
let hetzner: HetznerStandin;
let aws: AwsStandin;

beforeAll(async () => {
  [digitalocean, hetzner, aws] = await Promise.all([
    startDigitalOceanStandin(),
    startHetznerStandin(),
    startAwsStandin(),
  ]);
  const urls = { digitalocean: digitalocean.url, hetzner: hetzner.url, aws: aws.url };
  api = await startApi({ cloudClientOptions: (provider) => ({ baseUrl: urls[provider] }) });
  owner = await registerUser(api, 'cloud-owner');
});

afterAll(async () => {
  await Promise.allSettled([digitalocean?.close(), hetzner?.close(), aws?.close()]);
  await api?.close();
});

async function store(provider: string, name: string, credentials: Record<string, string>) {
  const reply = await api.call('POST', '/api/provider.setCredentials', {
    token: owner.token,
    body: { organizationId: owner.organizationId, provider, name, credentials },
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.result.data as { id: string; hint: string };
}

describe('provider credentials over HTTP', () => {
  it('never sends a secret back, in any answer', async () => {
    const stored = await store('aws', 'prod', { ...awsTestCredentials, region: 'eu-central-1' });
    expect(stored.hint).toBe(`…${awsTestCredentials.accessKeyId.slice(-4)}`);
    const list = await api.call('GET', '/api/provider.listCredentials', {
      token: owner.token,
      query: { organizationId: owner.organizationId },
    });
    expect(list.status).toBe(200);
    const text = JSON.stringify(list.body);
    expect(text).toContain('"defaultRegion":"eu-central-1"');
    expect(text).not.toContain(awsTestCredentials.secretAccessKey);
    expect(text).not.toContain(awsTestCredentials.accessKeyId);
  });

  it('provider.test answers ok for working credentials and says what is wrong otherwise', async () => {
    const cases = [
      [await store('digitalocean', 'works', { token: digitalOceanTestToken }), true, null],
      [await store('hetzner', 'read-only', { token: hetznerReadOnlyToken }), false, 'read-only'],
      [
        await store('aws', 'read-only', { ...awsReadOnlyCredentials, region: 'us-east-1' }),
        false,
        'read-only',
      ],
      [
        await store('digitalocean', 'revoked', { token: 'dop_v1_revoked-token-000000000000' }),
        false,
        'bad-token',
      ],
    ] as const;
    for (const [credential, ok, problem] of cases) {
      const reply = await api.call('POST', '/api/provider.test', {
        token: owner.token,
        body: { providerCredentialId: credential.id },
      });
      expect(reply.status).toBe(200);
      expect(reply.body.result.data).toMatchObject({ ok, problem, message: expect.any(String) });
    }
  });

  it('names the field when credentials are malformed', async () => {
    const reply = await api.call('POST', '/api/provider.setCredentials', {
      token: owner.token,
      body: {
        organizationId: owner.organizationId,
        provider: 'aws',
        credentials: { ...awsTestCredentials, region: 'moon-1' },
      },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.issues).toEqual([
      { path: 'credentials.region', message: expect.stringContaining('us-east-1') },
    ]);
  });

  it('refuses to remove credentials a cluster uses with 409, then removes them once it is gone', async () => {
    const credential = await store('digitalocean', 'for-cluster', { token: digitalOceanTestToken });
    const clusterId = `cls_providers${Date.now().toString(36)}`;
    await api.db.cluster.create({
      data: {
        id: clusterId,
        organizationId: owner.organizationId,
        name: 'on-digitalocean',
        provider: 'digitalocean',
        region: 'fra1',
        orchestrator: 'swarm',
        providerCredentialId: credential.id,
      },
    });
    const refused = await api.call('DELETE', '/api/provider.removeCredentials', {
      token: owner.token,
      body: { providerCredentialId: credential.id },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/used by 1 cluster/);

    await api.db.cluster.delete({ where: { id: clusterId } });
    const removed = await api.call('DELETE', '/api/provider.removeCredentials', {
      token: owner.token,
      body: { providerCredentialId: credential.id },
    });
    expect(removed.status).toBe(204);
  });
});
