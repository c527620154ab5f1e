import {
  digitalOceanReadOnlyToken,
  digitalOceanTestToken,
  startDigitalOceanStandin,
} from '@flotilla/cloud-standins';
import { describe, expect, it } from 'vitest';
import { createCloudClient, obtainServer } from '../src/index.ts';
import { cloudClientContract } from './contract.ts';
import { openSshPublicKey } from './keys.ts';

cloudClientContract({
  provider: 'digitalocean',
  name: 'DigitalOcean',
  region: 'fra1',
  startStandin: ({ maxPerPage }) => startDigitalOceanStandin({ maxPerPage, retryAfterSeconds: 1 }),
  client: (standin, credentials, options) =>
    createCloudClient(
      'digitalocean',
      {
        token:
          credentials === 'valid'
            ? digitalOceanTestToken
            : credentials === 'read-only'
              ? digitalOceanReadOnlyToken
              : 'dop_v1_not-a-real-token-at-all',
      },
      { ...options, baseUrl: standin.url },
    ),
  createUntaggedMachine: async (standin) => {
    const response = await fetch(`${standin.url}/v2/droplets`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${digitalOceanTestToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        name: 'someone-elses',
        region: 'fra1',
        size: 's-1vcpu-1gb',
        image: 'debian-12-x64',
      }),
    });
    if (response.status !== 202) throw new Error(`untagged droplet: ${response.status}`);
  },
  readOnlyMessage: /You are not authorized to perform this operation/,
  rateLimitStatus: 429,
  honoursResetHeaders: true,
  badCredentialsMessage: /Unable to authenticate you/,
});

describe('obtainServer', () => {
  it('registers the key, creates the machine once and returns it running, however often it runs', async () => {
    const standin = await startDigitalOceanStandin();
    try {
      const client = createCloudClient(
        'digitalocean',
        { token: digitalOceanTestToken },
        { baseUrl: standin.url, pollIntervalMs: 20 },
      );
      const input = {
        nodeId: 'node_obtain',
        clusterId: 'cluster_obtain',
        region: 'ams3',
        plan: 'micro' as const,
        sshKey: { name: 'flotilla-cluster_obtain', publicKey: openSshPublicKey() },
        userData: '#!/bin/sh\ntrue\n',
      };
      const recorded: string[] = [];
      const onCreated = (server: { id: string }) => {
        recorded.push(server.id);
      };
      const first = await obtainServer(client, input, { timeoutMs: 5_000, onCreated });
      const again = await obtainServer(client, input, { timeoutMs: 5_000, onCreated });
      expect(first.status).toBe('running');
      expect(again.id).toBe(first.id);
      expect(recorded).toEqual([first.id, first.id]);
      expect(standin.servers()).toHaveLength(1);
      expect(standin.servers()[0]).toMatchObject({
        type: 's-1vcpu-2gb',
        region: 'ams3',
        userData: input.userData,
      });
      expect(standin.sshKeys()).toHaveLength(1);
    } finally {
      await standin.close();
    }
  });
});
