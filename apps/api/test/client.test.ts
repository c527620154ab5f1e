// @flotilla/client against the real server: typed calls, batching, errors, a live subscription.
import { type AppRouter, createFlotillaClient, TRPCClientError } from '@flotilla/client';
import { transitionCluster } from '@flotilla/lifecycle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startApi, storeCloudCredentials } from './harness.ts';

let api: Harness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

describe('@flotilla/client', () => {
  it('registers, creates a cluster and lists it with typed calls batched into one request', async () => {
    const anonymous = createFlotillaClient({ url: api.url });
    const session = await anonymous.auth.register.mutate({
      email: 'client@example.test',
      password: 'correct horse battery',
      name: 'Client',
    });
    const organizationId = session.organization?.id as string;
    await storeCloudCredentials(api, { token: session.token, organizationId });
    let requests = 0;
    const client = createFlotillaClient({
      url: api.url,
      token: session.token,
      fetch: (input, init) => {
        requests++;
        return fetch(input, init);
      },
    });
    const created = await client.cluster.create.mutate({
      organizationId,
      name: 'typed',
      provider: 'aws',
      region: 'eu-central-1',
      orchestrator: 'swarm',
      nodes: [{ role: 'manager', plan: 'micro', count: 1 }],
    });
    expect(created.status).toBe('provisioning');
    requests = 0;
    const [list, one] = await Promise.all([
      client.cluster.all.query({ organizationId }),
      client.cluster.one.query({ clusterId: created.id }),
    ]);
    expect(requests).toBe(1);
    expect(list.map((c) => c.name)).toEqual(['typed']);
    expect(one.nodes[0]?.role).toBe('manager');
  });

  it('surfaces error codes and field paths', async () => {
    const anonymous = createFlotillaClient({ url: api.url });
    const unauthorized = await anonymous.organization.all.query().catch((error: unknown) => error);
    expect(unauthorized).toBeInstanceOf(TRPCClientError);
    expect((unauthorized as TRPCClientError<AppRouter>).data?.code).toBe('UNAUTHORIZED');

    const session = await anonymous.auth.register.mutate({
      email: 'client2@example.test',
      password: 'correct horse battery',
      name: 'Client 2',
    });
    const client = createFlotillaClient({ url: api.url, token: session.token });
    const bad = await client.cluster.create
      .mutate({
        organizationId: session.organization?.id as string,
        name: 'bad',
        provider: 'hetzner',
        region: 'atlantis',
        orchestrator: 'kubernetes',
        nodes: [{ role: 'manager', plan: 'small', count: 1 }],
      })
      .catch((error: unknown) => error as TRPCClientError<AppRouter>);
    expect(bad).toBeInstanceOf(TRPCClientError);
    const data = (bad as TRPCClientError<AppRouter>).data as unknown as {
      code: string;
      httpStatus: number;
      issues: { path: string }[];
    };
    expect(data.code).toBe('BAD_REQUEST');
    expect(data.httpStatus).toBe(400);
    expect(data.issues.map((issue) => issue.path)).toEqual(['region']);
  });

  it('subscribes to cluster events over SSE', async () => {
    const anonymous = createFlotillaClient({ url: api.url });
    const session = await anonymous.auth.register.mutate({
      email: 'client3@example.test',
      password: 'correct horse battery',
      name: 'Client 3',
    });
    const client = createFlotillaClient({ url: api.url, token: session.token });
    await storeCloudCredentials(api, {
      token: session.token,
      organizationId: session.organization?.id as string,
    });
    const cluster = await client.cluster.create.mutate({
      organizationId: session.organization?.id as string,
      name: 'watched',
      provider: 'digitalocean',
      region: 'fra1',
      orchestrator: 'kubernetes',
      nodes: [{ role: 'manager', plan: 'small', count: 1 }],
    });
    const received: { kind: string }[] = [];
    const started = new Promise<void>((resolve) => {
      const subscription = client.cluster.events.subscribe(
        { clusterId: cluster.id },
        {
          onStarted: () => resolve(),
          onData: (event) => {
            received.push(event);
          },
        },
      );
      afterAll(() => subscription.unsubscribe());
    });
    await started;
    // The listener is attached once the stream is open; wait until the hub counts it.
    const deadline = Date.now() + 5_000;
    while (api.events.size() === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await transitionCluster(api.db, cluster.id, 'running', 'all nodes running');
    while (received.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(received).toEqual([expect.objectContaining({ kind: 'cluster', to: 'running' })]);
  });
});
