// The whole path on real servers: a provider client asks a stand-in for a machine, the stand-in
// starts a testbed server with the requested key, and Flotilla logs in over SSH with that key.
import {
  awsTestCredentials,
  digitalOceanTestToken,
  hetznerTestToken,
  startAwsStandin,
  startDigitalOceanStandin,
  startHetznerStandin,
} from '@flotilla/cloud-standins';
import { createTestbedBackend } from '@flotilla/cloud-standins/testbed';
import { connect } from '@flotilla/ssh';
import { createTestbed, generateKeyPair, type KeyPair, type Testbed } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloudClient, createCloudClient } from '../src/index.ts';

let testbed: Testbed;
let keys: KeyPair;
let backend: ReturnType<typeof createTestbedBackend>;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  testbed = await createTestbed({ hosts: 0 });
  backend = createTestbedBackend(testbed);
  keys = await generateKeyPair('flotilla-provider-e2e');
});

afterAll(async () => {
  await Promise.allSettled(closers.map((close) => close()));
  await testbed?.destroy();
});

const options = (baseUrl: string) => ({ baseUrl, pollIntervalMs: 200 });

const providers: [string, string, () => Promise<CloudClient>][] = [
  [
    'DigitalOcean',
    'fra1',
    async () => {
      const standin = await startDigitalOceanStandin({ backend });
      closers.push(standin.close);
      return createCloudClient(
        'digitalocean',
        { token: digitalOceanTestToken },
        options(standin.url),
      );
    },
  ],
  [
    'Hetzner',
    'fsn1',
    async () => {
      const standin = await startHetznerStandin({ backend });
      closers.push(standin.close);
      return createCloudClient('hetzner', { token: hetznerTestToken }, options(standin.url));
    },
  ],
  [
    'AWS',
    'eu-west-1',
    async () => {
      const standin = await startAwsStandin({ backend });
      closers.push(standin.close);
      return createCloudClient(
        'aws',
        { ...awsTestCredentials, region: 'eu-west-1' },
        options(standin.url),
      );
    },
  ],
];

describe.each(providers)('%s machine from the stand-in', (_name, region, start) => {
  it('is a real server that accepts the requested key over SSH, and is cut off once deleted', async () => {
    const client = await start();
    const sshKeyRef = await client.ensureSshKey('flotilla-e2e', keys.publicKey, region);
    const created = await client.createServer({
      nodeId: `node_e2e${region.replaceAll('-', '')}`,
      clusterId: 'cluster_e2e',
      region,
      plan: 'nano',
      sshKeyRef,
    });
    const server = await client.waitForServer(created.id, { timeoutMs: 60_000 });
    expect(server.publicIpv4).toBeDefined();

    const session = await connect({
      host: server.publicIpv4!,
      port: 22,
      username: 'root',
      privateKey: keys.privateKey,
      timeoutMs: 15_000,
    });
    try {
      const result = await session.run('cat /root/.ssh/authorized_keys', { timeoutMs: 10_000 });
      expect(result.code).toBe(0);
      expect(result.stdout.trim().split('\n')).toEqual([keys.publicKey]);
    } finally {
      session.close();
    }

    await client.deleteServer(server.id);
    const refused = await connect({
      host: server.publicIpv4!,
      port: 22,
      username: 'root',
      privateKey: keys.privateKey,
      timeoutMs: 2_000,
    }).then(
      (late) => {
        late.close();
        return false;
      },
      () => true,
    );
    expect(refused).toBe(true);
  });
});
