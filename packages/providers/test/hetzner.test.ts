import {
  hetznerReadOnlyToken,
  hetznerTestToken,
  startHetznerStandin,
} from '@flotilla/cloud-standins';
import { createCloudClient } from '../src/index.ts';
import { cloudClientContract } from './contract.ts';

cloudClientContract({
  provider: 'hetzner',
  name: 'Hetzner',
  region: 'nbg1',
  startStandin: ({ maxPerPage }) => startHetznerStandin({ maxPerPage, retryAfterSeconds: 1 }),
  client: (standin, credentials, options) =>
    createCloudClient(
      'hetzner',
      {
        token:
          credentials === 'valid'
            ? hetznerTestToken
            : credentials === 'read-only'
              ? hetznerReadOnlyToken
              : 'hcloud-not-a-real-token-at-all-000000',
      },
      { ...options, baseUrl: standin.url },
    ),
  createUntaggedMachine: async (standin) => {
    const response = await fetch(`${standin.url}/v1/servers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hetznerTestToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'someone-elses',
        server_type: 'cx22',
        image: 'debian-12',
        location: 'nbg1',
      }),
    });
    if (response.status !== 201) throw new Error(`unlabelled server: ${response.status}`);
  },
  readOnlyMessage: /The token is only allowed to perform GET requests/,
  rateLimitStatus: 429,
  honoursResetHeaders: true,
  badCredentialsMessage: /unable to authenticate/,
});
