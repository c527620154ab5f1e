// The behaviour every CloudClient owes the worker, run against each provider's stand-in.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CloudProvider, plans, regionCodes } from '../src/catalog.ts';
import type { CloudClient, CloudClientOptions, CreateServerInput } from '../src/client.ts';
import { ProviderError } from '../src/errors.ts';
import { sweepOrphans } from '../src/sweep.ts';
import { openSshPublicKey } from './keys.ts';

export interface ContractStandin {
  url: string;
  faults: {
    rateLimit(count?: number): void;
    serverError(count?: number): void;
    neverReady(count?: number): void;
    hangAfterCreate(count?: number): void;
  };
  servers(): { id: string; name: string; publicKeys: string[] }[];
  requests(): { method: string; path: string; status: number | 'hung' }[];
  close(): Promise<void>;
}

export interface ContractSetup {
  name: string;
  provider: CloudProvider;
  region: string;
  startStandin(options: { maxPerPage: number }): Promise<ContractStandin>;
  client(
    standin: ContractStandin,
    credentials: 'valid' | 'bad' | 'read-only',
    options: CloudClientOptions,
  ): CloudClient;
  /** Makes a machine through the raw API without Flotilla's tags (someone else's machine). */
  createUntaggedMachine(standin: ContractStandin): Promise<void>;
  /** What the provider says when a read-only credential tries to delete. */
  readOnlyMessage: RegExp;
  badCredentialsMessage: RegExp;
  /** How the provider says "slow down" (EC2 answers 503 RequestLimitExceeded, not 429). */
  rateLimitStatus: number;
  /** Whether the client waits for the provider's reset time (the AWS SDK uses its own backoff). */
  honoursResetHeaders: boolean;
}

const fast: CloudClientOptions = {
  retry: { attempts: 6, baseDelayMs: 20, maxDelayMs: 2_000, requestTimeoutMs: 1_000 },
  pollIntervalMs: 20,
};

export function cloudClientContract(setup: ContractSetup) {
  describe(`${setup.name} client against its stand-in`, () => {
    let standin: ContractStandin;
    let client: CloudClient;
    let sshKeyRef: string;
    let publicKey: string;
    let counter = 0;

    const node = (clusterId = 'cluster_contract'): CreateServerInput => ({
      nodeId: `node_${(++counter).toString().padStart(4, '0')}`,
      clusterId,
      region: setup.region,
      plan: 'nano',
      sshKeyRef,
      userData: '#cloud-config\n{}\n',
    });

    beforeEach(async () => {
      standin = await setup.startStandin({ maxPerPage: 2 });
      client = setup.client(standin, 'valid', fast);
      publicKey = openSshPublicKey();
      sshKeyRef = await client.ensureSshKey('flotilla-test', publicKey, setup.region);
    });

    afterEach(async () => {
      await standin.close();
    });

    it('creates a machine, waits until it runs with an address, finds it and deletes it', async () => {
      const input = node();
      const created = await client.createServer(input);
      expect(created.nodeId).toBe(input.nodeId);
      expect(created.clusterId).toBe(input.clusterId);
      expect(created.name).toBe(`flt-${input.nodeId.replace('_', '-')}`);

      const running = await client.waitForServer(created.id, { timeoutMs: 5_000 });
      expect(running.status).toBe('running');
      expect(running.publicIpv4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(standin.servers()[0]?.publicKeys).toHaveLength(1);

      const found = await client.findServers({ clusterId: input.clusterId });
      expect(found.map((server) => server.id)).toEqual([created.id]);

      await client.deleteServer(created.id);
      expect((await client.getServer(created.id)).status).toBe('gone');
      expect(standin.servers()).toHaveLength(0);
      // Deleting what is already gone is success: a retried cleanup must not fail.
      await client.deleteServer(created.id);
    });

    it('names the machine as asked, and still finds it by its node', async () => {
      const input = { ...node(), name: 'web-7' };
      const created = await client.createServer(input);
      expect(created.name).toBe('web-7');
      expect((await client.createServer(input)).id).toBe(created.id);
      expect(standin.servers().map((machine) => machine.name)).toEqual(['web-7']);
    });

    it('registers an SSH key once, however often it is asked', async () => {
      const publicKey = openSshPublicKey('twice');
      const first = await client.ensureSshKey('twice', publicKey);
      const second = await client.ensureSshKey('twice', publicKey);
      expect(second).toBe(first);
    });

    it('returns the same machine when a create is retried, never a second one', async () => {
      const input = node();
      const first = await client.createServer(input);
      const second = await client.createServer(input);
      expect(second.id).toBe(first.id);
      expect(standin.servers()).toHaveLength(1);
    });

    it('ends with one machine when two jobs create the same node at the same time', async () => {
      const input = node();
      const [first, second] = await Promise.all([
        client.createServer(input),
        client.createServer(input),
      ]);
      expect(second.id).toBe(first.id);
      expect(standin.servers()).toHaveLength(1);
    });

    it('finds the machine a create made before its answer was lost to a timeout', async () => {
      standin.faults.hangAfterCreate(1);
      const input = node();
      const server = await client.createServer(input);
      expect(standin.servers().map((machine) => machine.name)).toEqual([server.name]);
      expect(server.nodeId).toBe(input.nodeId);
      expect(standin.requests().some((request) => request.status === 'hung')).toBe(true);
    });

    it('leaves no second machine when a create answers 500', async () => {
      standin.faults.serverError(1);
      await client.createServer(node());
      expect(standin.servers()).toHaveLength(1);
    });

    it('reads every page when listing machines', async () => {
      const inputs = [
        node('cluster_paged'),
        node('cluster_paged'),
        node('cluster_paged'),
        node('cluster_paged'),
        node('cluster_paged'),
      ];
      for (const input of inputs) await client.createServer(input);
      await client.createServer(node('cluster_other'));
      const found = await client.findServers({ clusterId: 'cluster_paged' });
      expect(found.map((server) => server.nodeId).sort()).toEqual(
        inputs.map((input) => input.nodeId),
      );
      expect(await client.findServers()).toHaveLength(6);
    });

    it('sweeps machines whose node is gone, and nothing else', async () => {
      const live = await client.createServer(node('cluster_sweep'));
      const orphan = await client.createServer(node('cluster_sweep'));
      await setup.createUntaggedMachine(standin);
      const known = new Set([live.nodeId]);
      const swept = await sweepOrphans(client, { keep: (server) => known.has(server.nodeId) });
      expect(swept.map((server) => server.id)).toEqual([orphan.id]);
      expect(standin.servers()).toHaveLength(2);
      expect((await client.findServers()).map((server) => server.id)).toEqual([live.id]);
    });

    it('lists only machines that carry Flotilla tags', async () => {
      await setup.createUntaggedMachine(standin);
      const ours = await client.createServer(node());
      expect(standin.servers()).toHaveLength(2);
      expect((await client.findServers()).map((server) => server.id)).toEqual([ours.id]);
    });

    it('rides out a burst of 429s, waiting as long as the provider asks', async () => {
      const created = await client.createServer(node());
      standin.faults.rateLimit(2);
      const started = Date.now();
      const server = await client.getServer(created.id);
      expect(server.id).toBe(created.id);
      if (setup.honoursResetHeaders) expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      const limited = standin
        .requests()
        .filter((request) => request.status === setup.rateLimitStatus);
      expect(limited).toHaveLength(2);
    });

    it('gives up after a bounded number of attempts, saying the failure is retryable', async () => {
      const impatient = setup.client(standin, 'valid', {
        ...fast,
        retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50, requestTimeoutMs: 1_000 },
      });
      standin.faults.rateLimit(50);
      const error = await impatient
        .findServers({ clusterId: 'any' })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ retryable: true, status: setup.rateLimitStatus });
      const limited = standin
        .requests()
        .filter((request) => request.status === setup.rateLimitStatus);
      expect(limited).toHaveLength(3);
    });

    it('retries 500s on reads and succeeds', async () => {
      await client.createServer(node());
      standin.faults.serverError(2);
      expect(await client.findServers()).toHaveLength(1);
    });

    it("fails with the provider's own message on other 4xx, marked not retryable", async () => {
      const created = await client.createServer(node());
      const readOnly = setup.client(standin, 'read-only', fast);
      const error = await readOnly.deleteServer(created.id).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).message).toMatch(setup.readOnlyMessage);
      expect((error as ProviderError).retryable).toBe(false);
      expect(standin.servers()).toHaveLength(1);
    });

    it('explains what is wrong with credentials', async () => {
      expect(await client.verifyCredentials()).toMatchObject({ ok: true });
      const bad = await setup.client(standin, 'bad', fast).verifyCredentials();
      expect(bad).toMatchObject({ ok: false, problem: 'bad-token' });
      expect(bad.message).toMatch(setup.badCredentialsMessage);
      const readOnly = await setup.client(standin, 'read-only', fast).verifyCredentials();
      expect(readOnly).toMatchObject({ ok: false, problem: 'read-only' });
    });

    it('gives up waiting for a machine that never becomes ready, naming its status', async () => {
      standin.faults.neverReady(1);
      const created = await client.createServer(node());
      const error = await client
        .waitForServer(created.id, { timeoutMs: 300 })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).message).toMatch(
        /not running .* after 300 ms \(last status: pending\)/,
      );
    });

    it("is accepted by the provider for every plan and region of Flotilla's catalog", async () => {
      for (const region of regionCodes(setup.provider)) {
        // Key pairs are regional on AWS: each region gets the key first, as obtainServer does.
        const regionalKey = await client.ensureSshKey('flotilla-test', publicKey, region);
        await client.createServer({ ...node(), region, sshKeyRef: regionalKey });
      }
      for (const plan of plans) await client.createServer({ ...node(), plan });
      expect(standin.servers()).toHaveLength(regionCodes(setup.provider).length + plans.length);
    });

    it('refuses an unknown region with the valid list before calling the provider', async () => {
      const before = standin.requests().length;
      const error = await client
        .createServer({ ...node(), region: 'atlantis-1' })
        .catch((caught: unknown) => caught);
      expect((error as ProviderError).message).toMatch(
        /no region "atlantis-1"; valid regions: .+, .+/,
      );
      expect(standin.requests()).toHaveLength(before);
    });
  });
}
