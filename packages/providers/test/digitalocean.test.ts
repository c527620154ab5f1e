import {
  digitalOceanReadOnlyToken,
  digitalOceanTestToken,
  startDigitalOceanStandin,
} from '@flotilla/cloud-standins';
import { createCloudClient } from '../src/index.ts';
import { cloudClientContract } from './contract.ts';

cloudClientContract({
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
