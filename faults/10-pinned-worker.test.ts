// Scenario 10: the control plane's own nodes, and a cluster's jobs pinned to one worker. One API
// and two workers, `alpha` and `beta`, with production heartbeats (10 s, offline after three
// missed): the registry follows a SIGKILLed worker, and a pinned cluster's node jobs run in
// `beta` only (strict: they wait for it; preferred: `alpha` takes them while it is away);
// removing the pin while a job waits in beta's queue hands it to `alpha`, and it runs once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  type ClusterOut,
  call,
  clusterReaches,
  createSwarm,
  eventually,
  type FaultRig,
  report,
  startFaultRig,
} from './fixture.ts';

interface Overview {
  thisNodeName: string | null;
  nodes: {
    name: string;
    role: string;
    status: 'online' | 'offline';
    lastHeartbeatAt: string;
    pid: number;
  }[];
}

let rig: FaultRig;
const workers: Record<string, ReturnType<FaultRig['cp']['startWorker']>> = {};
const facts: Record<string, unknown> = {};
let clusterId: string;

beforeAll(async () => {
  rig = await startFaultRig({ hosts: 5, workers: 0 });
  for (const name of ['alpha', 'beta']) workers[name] = rig.cp.startWorker(name);
}, 300_000);
afterAll(async () => {
  report('10 · control-plane nodes, jobs pinned to a worker', facts);
  await rig?.close();
}, 300_000);

const overview = () => call<Overview>(rig.url, 'controlPlane.overview', { token: rig.token });

function statusOf(view: Overview, name: string, role = 'worker') {
  return view.nodes.find((node) => node.name === name && node.role === role);
}

async function nodeIs(name: string, status: 'online' | 'offline', timeoutMs = 60_000) {
  return eventually(
    `${name} ${status}`,
    async () => (statusOf(await overview(), name)?.status === status ? true : undefined),
    { timeoutMs, intervalMs: 250 },
  );
}

/** PUT /api/cluster/assignments/cluster/:id, as the cluster-admin page has it. */
async function pin(mode: 'strict' | 'preferred'): Promise<{ assignment: unknown }> {
  const res = await fetch(`${rig.url}/api/cluster/assignments/cluster/${clusterId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${rig.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ nodeName: 'beta', mode }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { assignment: unknown };
}

async function addNode(host: number): Promise<string> {
  const node = await call<{ id: string }>(rig.url, 'cluster.addNode', {
    token: rig.token,
    input: { clusterId, role: 'worker', host: rig.testbed.hosts[host]?.host },
  });
  return node.id;
}

/** Which worker ran the node's provisioning steps (cluster.logs), and how many lines each. */
async function writers(nodeId: string): Promise<Record<string, number>> {
  const { items } = await call<{ items: { workerNode: string | null }[] }>(
    rig.url,
    'cluster.logs',
    { token: rig.token, method: 'GET', input: { clusterId, nodeId, limit: 500 } },
  );
  const counts: Record<string, number> = {};
  for (const line of items) {
    const writer = line.workerNode ?? '(api)';
    counts[writer] = (counts[writer] ?? 0) + 1;
  }
  return counts;
}

async function nodeRunning(nodeId: string) {
  const cluster = await clusterReaches(rig, clusterId, 'running', 180_000, 'running');
  expect(cluster.nodes.find((node) => node.id === nodeId)?.status).toBe('running');
}

async function stop(name: string) {
  await workers[name]?.stop();
}

describe('the registry of control-plane nodes', () => {
  it('lists the API and both workers online with fresh heartbeats', async () => {
    const view = await eventually(
      'three processes online',
      async () => {
        const seen = await overview();
        return seen.nodes.filter((node) => node.status === 'online').length === 3
          ? seen
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(view.thisNodeName).toBe('api-1');
    expect(view.nodes.map((node) => `${node.name}/${node.role}`).sort()).toEqual([
      'alpha/worker',
      'api-1/api',
      'beta/worker',
    ]);
    const ages = view.nodes.map((node) => Date.now() - Date.parse(node.lastHeartbeatAt));
    expect(Math.max(...ages)).toBeLessThan(15_000);
    facts['heartbeat ages at start (ms)'] = ages;
  });

  it('shows a SIGKILLed worker offline within 35 s, and online again once restarted', async () => {
    const killedAt = Date.now();
    workers.beta?.child.kill('SIGKILL');
    await nodeIs('beta', 'offline', 40_000);
    const offlineMs = Date.now() - killedAt;
    expect(offlineMs).toBeLessThan(35_000);
    expect(statusOf(await overview(), 'alpha')?.status).toBe('online');

    const startedAt = Date.now();
    workers.beta = rig.cp.startWorker('beta');
    await nodeIs('beta', 'online');
    facts['SIGKILL → offline (ms)'] = offlineMs;
    facts['restart → online (ms)'] = Date.now() - startedAt;
  });
});

describe("a cluster's jobs pinned to beta", () => {
  it("runs a pinned cluster's new node in beta, never in alpha", async () => {
    const cluster: ClusterOut = await createSwarm(rig, 'pinned', [rig.testbed.hosts[0]!]);
    clusterId = cluster.id;
    await clusterReaches(rig, clusterId, 'running', 180_000);
    const set = await pin('strict');
    expect(set.assignment).toMatchObject({
      entityType: 'cluster',
      nodeName: 'beta',
      mode: 'strict',
    });

    const nodeId = await addNode(1);
    await nodeRunning(nodeId);
    const wrote = await writers(nodeId);
    expect(Object.keys(wrote)).toEqual(['beta']);
    facts['strict, beta online: log lines by worker'] = wrote;
  });

  it('keeps a strict node waiting in beta’s queue while beta is stopped, until it returns', async () => {
    await stop('beta');
    // A clean stop is offline at once, not three heartbeats later.
    expect(statusOf(await overview(), 'beta')?.status).toBe('offline');
    const nodeId = await addNode(2);
    const jobId = `provisionNode.${nodeId}`;
    await eventually('the job in beta’s queue', async () =>
      (await rig.queues.get('nodes@beta').getJobState(jobId)) === 'waiting' ? true : undefined,
    );
    // Alpha is idle and takes shared jobs, not this one.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const waiting = await clusterNode(nodeId);
    expect(waiting?.status).toBe('provisioning');
    expect(await rig.queues.get('nodes@beta').getJobState(jobId)).toBe('waiting');
    expect(await rig.queues.get('nodes').getJobState(jobId)).toBe('unknown');
    expect(await writers(nodeId)).toEqual({});

    const startedAt = Date.now();
    workers.beta = rig.cp.startWorker('beta');
    await nodeRunning(nodeId);
    expect(Object.keys(await writers(nodeId))).toEqual(['beta']);
    facts['strict: beta back → node running (ms)'] = Date.now() - startedAt;
  });

  it('lets alpha provision a preferred node while beta is stopped', async () => {
    await pin('preferred');
    await stop('beta');
    const nodeId = await addNode(3);
    await nodeRunning(nodeId);
    const wrote = await writers(nodeId);
    expect(Object.keys(wrote)).toEqual(['alpha']);
    facts['preferred, beta stopped: log lines by worker'] = wrote;
  });

  it('hands a job waiting in beta’s queue to alpha when the pin is removed; it runs once', async () => {
    await pin('strict');
    const nodeId = await addNode(4);
    const jobId = `provisionNode.${nodeId}`;
    await eventually('the job in beta’s queue', async () =>
      (await rig.queues.get('nodes@beta').getJobState(jobId)) === 'waiting' ? true : undefined,
    );
    const res = await fetch(`${rig.url}/api/cluster/assignments/cluster/${clusterId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${rig.token}` },
    });
    expect(await res.json()).toEqual({ removed: true });
    await nodeRunning(nodeId);
    expect(await rig.queues.get('nodes').getJobState(jobId)).toBe('completed');
    expect(await rig.queues.get('nodes@beta').getJobState(jobId)).toBe('unknown');

    // Beta comes back: nothing of that job is left for it.
    workers.beta = rig.cp.startWorker('beta');
    await nodeIs('beta', 'online');
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const joins = await rig.sql<{ n: number }[]>`
      select count(*)::int as n from "ProvisioningLog"
      where "nodeId" = ${nodeId} and step = 'swarm.join' and level = 'info'`;
    expect(joins[0]?.n).toBe(1);
    const wrote = await writers(nodeId);
    expect(Object.keys(wrote)).toEqual(['alpha']);
    facts['pin removed while waiting: log lines by worker'] = wrote;
    facts['swarm.join lines for that node'] = joins[0]?.n;
  });
});

describe('who may', () => {
  it('refuses an organization owner (403) and an API token (401), and names an unknown node', async () => {
    const other = await call<{ token: string }>(rig.url, 'auth.register', {
      input: { email: 'owner@example.com', password: 'correct horse battery staple', name: 'O' },
    });
    const token = await call<{ token: string }>(rig.url, 'token.create', {
      token: rig.token,
      input: { name: 'script' },
    });
    const calls: [string, string, Record<string, unknown> | undefined][] = [
      ['controlPlane.overview', 'GET', undefined],
      ['controlPlane.instances', 'GET', undefined],
      [
        'controlPlane.setAssignment',
        'PUT',
        { entityType: 'cluster', entityId: clusterId, nodeName: 'beta' },
      ],
      ['controlPlane.deleteAssignment', 'DELETE', { entityType: 'cluster', entityId: clusterId }],
    ];
    const statuses: Record<string, number[]> = {};
    for (const [procedure, method, input] of calls) {
      for (const caller of [other.token, token.token]) {
        const status = await call(rig.url, procedure, {
          token: caller,
          method,
          ...(input ? { input } : {}),
        }).then(
          () => 200,
          (error: ApiError) => error.status,
        );
        statuses[procedure] = [...(statuses[procedure] ?? []), status];
      }
    }
    expect(statuses).toEqual({
      'controlPlane.overview': [403, 401],
      'controlPlane.instances': [403, 401],
      'controlPlane.setAssignment': [403, 401],
      'controlPlane.deleteAssignment': [403, 401],
    });
    const unknown = await call(rig.url, 'controlPlane.setAssignment', {
      token: rig.token,
      method: 'PUT',
      input: { entityType: 'cluster', entityId: clusterId, nodeName: 'gamma' },
    }).catch((error: ApiError) => error);
    expect(unknown).toBeInstanceOf(ApiError);
    expect((unknown as ApiError).status).toBe(400);
    expect(JSON.parse((unknown as ApiError).body).error.issues[0].path).toBe('nodeName');
  });
});

async function clusterNode(nodeId: string) {
  const cluster = await call<ClusterOut>(rig.url, 'cluster.one', {
    token: rig.token,
    method: 'GET',
    input: { clusterId },
  });
  return cluster.nodes.find((node) => node.id === nodeId);
}
