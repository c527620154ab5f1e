// Machines that are real servers: each launch adds a host to a testbed (its own network
// namespace, sshd and dockerd) with exactly the requested keys authorized for root, so a
// provider client's whole path, API → machine → SSH, runs for real on one Linux box.
import type { Testbed } from '@flotilla/testbed';
import type { MachineBackend } from './machines.ts';

export function createTestbedBackend(testbed: Testbed): MachineBackend & {
  /** Testbed host name behind a machine address, for tests that stop or inspect it. */
  hostName(address: string): string | undefined;
} {
  const hosts = new Map<string, string>();
  return {
    async launch({ publicKeys }) {
      const host = await testbed.addHost();
      hosts.set(host.host, host.name);
      if (publicKeys.length > 0) {
        // Keys go in through stdin, never through the command line: nothing needs quoting.
        const result = await testbed.exec(host.name, 'cat >> /root/.ssh/authorized_keys', {
          input: publicKeys.map((key) => `${key.trim()}\n`).join(''),
        });
        if (result.code !== 0) {
          throw new Error(`authorizing keys on ${host.name} failed: ${result.stderr}`);
        }
      }
      return { address: host.host };
    },
    async destroy(address) {
      const name = hosts.get(address);
      if (!name) return;
      // The testbed cannot remove a single host; cut it off the network until the testbed goes.
      hosts.delete(address);
      await testbed.stop(name);
    },
    hostName: (address) => hosts.get(address),
  };
}
