import type { Faults } from './faults.ts';
import type { RequestRecord } from './http.ts';

// What a "machine" is behind a stand-in. The memory backend hands out documentation-range
// addresses nothing ever connects to; a testbed backend starts a real server per machine.

export interface LaunchRequest {
  name: string;
  /** OpenSSH public keys to authorize for root. */
  publicKeys: string[];
  userData: string | undefined;
}

export interface MachineBackend {
  launch(request: LaunchRequest): Promise<{ address: string }>;
  destroy(address: string): Promise<void>;
}

/** Addresses from 203.0.113.0/24 (TEST-NET-3): they are never routed anywhere. */
export function createMemoryBackend(): MachineBackend & { launched(): string[] } {
  let next = 1;
  const live = new Set<string>();
  return {
    async launch() {
      const n = next++;
      const address = `203.0.${113 + Math.floor(n / 250)}.${(n % 250) + 1}`;
      live.add(address);
      return { address };
    },
    async destroy(address) {
      live.delete(address);
    },
    launched: () => [...live],
  };
}

export type MachineState = 'pending' | 'running' | 'off' | 'deleted';

/** The provider-neutral view of a machine, for tests and the CLI. */
export interface StandinMachine {
  id: string;
  name: string;
  state: MachineState;
  address: string | undefined;
  region: string;
  type: string;
  image: string;
  /** Tags (DigitalOcean) or labels/tags as key=value (Hetzner, AWS). */
  labels: Record<string, string>;
  publicKeys: string[];
  userData: string | undefined;
  createdAt: Date;
}

/**
 * Machines of one stand-in: boots each through the backend in the background (the API answers
 * at once with a pending machine, as the real ones do) and destroys them on delete and close.
 */
export class MachineFleet {
  private readonly machines = new Map<string, StandinMachine>();
  private readonly boots = new Set<Promise<unknown>>();

  constructor(
    private readonly backend: MachineBackend,
    private readonly bootDelayMs: number,
  ) {}

  add(machine: Omit<StandinMachine, 'state' | 'address' | 'createdAt'>, neverReady: boolean) {
    const record: StandinMachine = {
      ...machine,
      state: 'pending',
      address: undefined,
      createdAt: new Date(),
    };
    this.machines.set(record.id, record);
    if (!neverReady) {
      const boot = this.boot(record).finally(() => this.boots.delete(boot));
      this.boots.add(boot);
    }
    return record;
  }

  private async boot(record: StandinMachine) {
    if (this.bootDelayMs > 0) await new Promise((r) => setTimeout(r, this.bootDelayMs));
    try {
      const { address } = await this.backend.launch({
        name: record.name,
        publicKeys: record.publicKeys,
        userData: record.userData,
      });
      if (record.state === 'deleted') {
        await this.backend.destroy(address);
        return;
      }
      record.address = address;
      record.state = 'running';
    } catch (error) {
      // A machine whose backend failed stays pending, like a cloud machine that never boots.
      console.error(`stand-in could not launch ${record.name}:`, error);
    }
  }

  get(id: string): StandinMachine | undefined {
    const machine = this.machines.get(id);
    return machine?.state === 'deleted' ? undefined : machine;
  }

  list(): StandinMachine[] {
    return [...this.machines.values()].filter((machine) => machine.state !== 'deleted');
  }

  async remove(id: string): Promise<boolean> {
    const machine = this.get(id);
    if (!machine) return false;
    machine.state = 'deleted';
    this.machines.delete(id);
    if (machine.address) await this.backend.destroy(machine.address);
    return true;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.boots]);
    await Promise.allSettled(this.list().map((machine) => this.remove(machine.id)));
  }
}

/** What every stand-in hands its caller, beside its provider-specific views. */
export function standinHandle(
  http: {
    url: string;
    requests: () => RequestRecord[];
    close(): Promise<void>;
  },
  faults: Faults,
  fleet: MachineFleet,
) {
  return {
    url: http.url,
    faults,
    /** Every API request answered so far (faults included), oldest first. */
    requests: http.requests,
    /** Every machine that exists now, in the provider-neutral shape. */
    servers: () => fleet.list(),
    async close() {
      await http.close();
      await fleet.close();
    },
  };
}
