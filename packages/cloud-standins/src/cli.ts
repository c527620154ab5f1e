// `pnpm --filter @flotilla/cloud-standins standins [--testbed]`: starts all three stand-ins and
// prints how to point Flotilla at them. With --testbed (root only) every machine is a real
// testbed server reachable over SSH; otherwise machines are in-memory with fake addresses.
import { createTestbed, type Testbed } from '@flotilla/testbed';
import { awsTestCredentials, startAwsStandin } from './aws.ts';
import { digitalOceanTestToken, startDigitalOceanStandin } from './digitalocean.ts';
import { hetznerTestToken, startHetznerStandin } from './hetzner.ts';
import { createMemoryBackend, type MachineBackend } from './machines.ts';
import { createTestbedBackend } from './testbed-backend.ts';

const useTestbed = process.argv.includes('--testbed');
let testbed: Testbed | undefined;
let backend: () => MachineBackend = createMemoryBackend;
if (useTestbed) {
  const shared = await createTestbed({ hosts: 0 });
  testbed = shared;
  const machines = createTestbedBackend(shared);
  backend = () => machines;
}

const [digitalocean, hetzner, aws] = await Promise.all([
  startDigitalOceanStandin({ backend: backend() }),
  startHetznerStandin({ backend: backend() }),
  startAwsStandin({ backend: backend() }),
]);

console.log(`Cloud stand-ins (machines: ${testbed ? `testbed ${testbed.id}` : 'in memory'})

  DIGITALOCEAN_API_URL=${digitalocean.url}
    token: ${digitalOceanTestToken}
  HETZNER_API_URL=${hetzner.url}
    token: ${hetznerTestToken}
  AWS_ENDPOINT_URL_EC2=${aws.url}
    accessKeyId: ${awsTestCredentials.accessKeyId}
    secretAccessKey: ${awsTestCredentials.secretAccessKey}

Plan faults: curl -X POST <url>/_standin/faults -d '{"rateLimit":3,"serverError":1,"neverReady":1,"hangAfterCreate":1}'
Ctrl-C stops them${testbed ? ' and destroys the testbed' : ''}.`);

async function shutdown() {
  await Promise.allSettled([digitalocean.close(), hetzner.close(), aws.close()]);
  await testbed?.destroy();
  process.exit(0);
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
