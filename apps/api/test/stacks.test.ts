// stack.* over HTTP, without servers (runs are settled by hand where a worker would): compose
// text or a multipart upload, drafts that keep their sealed variables, versions made only when
// the definition changed, compare, what viewers may not read, and the state rules (archived,
// one run at a time, removal). The deploys themselves are proven on a real Swarm in
// apps/worker/test/stacks.test.ts.
import { announceStackRun, appendStackRunLog } from '@flotilla/lifecycle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi, storeCloudCredentials } from './harness.ts';

let api: Harness;
let owner: Awaited<ReturnType<typeof registerUser>>;
let viewer: Awaited<ReturnType<typeof registerUser>>;
let clusterId: string;

const v1 = `
services:
  web:
    image: \${REGISTRY}/team/web:1
    environment:
      API_KEY: \${API_KEY}
  cache:
    image: \${REGISTRY}/team/cache:7
`;
const v2 = v1.replace('web:1', 'web:2');

async function call(method: string, path: string, body?: unknown, token = owner.token) {
  return api.call(method, `/api/${path}`, {
    token,
    ...(method === 'GET' ? { query: body as Record<string, string> } : { body }),
  });
}

/** What a worker would do with the stack's run: finish it. */
async function settle(stackId: string) {
  await api.db.stackRun.updateMany({
    where: { stackId, status: { in: ['queued', 'deploying'] } },
    data: { status: 'succeeded', finishedAt: new Date() },
  });
}

beforeAll(async () => {
  api = await startApi();
  owner = await registerUser(api, 'stacks');
  viewer = await registerUser(api, 'viewer');
  await storeCloudCredentials(api, owner);
  const cluster = await call('POST', 'cluster.create', {
    organizationId: owner.organizationId,
    name: 'target',
    provider: 'hetzner',
    region: 'fsn1',
    orchestrator: 'swarm',
    nodes: [{ role: 'manager', plan: 'small', count: 1 }],
  });
  clusterId = cluster.body.result.data.id;
  await call('POST', 'cluster.grantAccess', {
    clusterId,
    userId: viewer.userId,
    permission: 'view',
  });
});
afterAll(() => api.close());

describe('stacks', () => {
  let stackId: string;

  it('imports a compose file sent as a multipart upload', async () => {
    // The file streams as multipart/form-data; the rest of the input rides in the query string.
    const form = new FormData();
    form.set('file', new Blob([v1], { type: 'application/yaml' }), 'docker-compose.yml');
    const query = new URLSearchParams({
      clusterId,
      name: 'Web Shop',
      variables: JSON.stringify({ REGISTRY: 'registry.example.com', API_KEY: 's3cret' }),
      deploy: 'true',
    });
    const res = await fetch(`${api.url}/api/stack.import?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}` },
      body: form,
    });
    const body = (await res.json()) as {
      result: { data: { id: string; services: { name: string; image: string }[] } };
    };
    expect(res.status, JSON.stringify(body)).toBe(201);
    const stack = body.result.data;
    stackId = stack.id;
    expect(stack).toMatchObject({
      name: 'Web Shop',
      stackName: 'web-shop',
      status: 'draft',
      variableNames: ['API_KEY', 'REGISTRY'],
      lastRun: { status: 'queued', version: 1, trigger: 'deploy' },
    });
    expect(stack.services.map((s) => `${s.name} ${s.image}`)).toEqual([
      'web registry.example.com/team/web:1',
      'cache registry.example.com/team/cache:7',
    ]);
    // Env values are never listed, only names.
    expect(JSON.stringify(stack)).not.toContain('s3cret');
    // Sealed at rest: the variable's value appears in no column as text.
    const row = await api.db.stack.findUniqueOrThrow({ where: { id: stackId } });
    expect(JSON.stringify(row)).not.toContain('s3cret');
    const version = await api.db.stackVersion.findFirstOrThrow({ where: { stackId } });
    expect(JSON.stringify(version)).not.toContain('s3cret');
    const job = await api.db.outboxJob.findFirst({ where: { name: 'deployStack' } });
    expect(job?.payload).toMatchObject({ stackId, clusterId });
  });

  it('streams run log lines and status live, replaying what a reconnect missed', async () => {
    const run = await api.db.stackRun.findFirstOrThrow({ where: { stackId } });
    const ref = { clusterId, stackId, runId: run.id };
    for (const message of ['one', 'two', 'three']) {
      await appendStackRunLog(api.db, ref, { message, service: 'web' });
    }
    const first = await api.db.stackRunLog.findFirstOrThrow({
      where: { runId: run.id },
      orderBy: { id: 'asc' },
    });
    const controller = new AbortController();
    const response = await fetch(`${api.url}/api/stack.events?stackId=${stackId}`, {
      headers: { authorization: `Bearer ${owner.token}`, 'last-event-id': first.id.toString() },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const deadline = Date.now() + 5_000;
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in ${text}`);
        text += decoder.decode((await reader.read()).value);
      }
    };
    await until(/"message":"three"/);
    await appendStackRunLog(api.db, ref, { message: 'four' });
    await api.db.$transaction((tx) =>
      announceStackRun(tx, ref, {
        status: 'deploying',
        reason: null,
        services: [{ name: 'web', outcome: 'pending' }],
      }),
    );
    await until(/event: stackRun/);
    controller.abort();
    const messages = [...text.matchAll(/"message":"(\w+)"/g)].map((m) => m[1]);
    expect(messages).toEqual(['two', 'three', 'four']);
    expect(text).toMatch(new RegExp(`id: ${first.id + 1n}\nevent: stackLog\n`));
    expect(text).not.toContain('clusterId');
  });

  it('refuses a second run while one is under way, naming it', async () => {
    const reply = await call('POST', 'stack.deploy', { stackId });
    expect(reply.status).toBe(409);
    expect(reply.body.error.message).toMatch(/Run #1 .* is still queued/);
  });

  it('saves a draft keeping the sealed variables, and deploys a new version only on change', async () => {
    await settle(stackId);
    const same = await call('POST', 'stack.deploy', { stackId });
    expect(same.status, JSON.stringify(same.body)).toBe(201);
    expect(same.body.result.data.version).toBe(1);
    await settle(stackId);
    const saved = await call('POST', 'stack.save', { stackId, compose: v2 });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.result.data.variableNames).toEqual(['API_KEY', 'REGISTRY']);
    expect(saved.body.result.data.services[0].image).toBe('registry.example.com/team/web:2');
    expect(saved.body.result.data.analysis.deployable.swarm).toBe(true);
    const next = await call('POST', 'stack.deploy', { stackId });
    expect(next.body.result.data.version).toBe(2);
    await settle(stackId);
    const versions = await call('GET', 'stack.versions', { stackId });
    expect(versions.body.result.data.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(versions.headers.get('x-total-count')).toBe('2');
  });

  it('compares two versions service by service, env by name only', async () => {
    const reply = await call('GET', 'stack.compare', { stackId, from: '1', to: '2' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.result.data.diff.services).toEqual([
      {
        name: 'web',
        change: 'changed',
        image: 'registry.example.com/team/web:2',
        fields: [
          {
            kind: 'value',
            field: 'image',
            from: 'registry.example.com/team/web:1',
            to: 'registry.example.com/team/web:2',
          },
        ],
      },
    ]);
    expect(reply.body.result.data.diff.unchanged).toEqual(['cache']);
  });

  it("shows a version's deployed file to managers only, and audits the read", async () => {
    const asOwner = await call('GET', 'stack.version', { stackId, version: '1' });
    expect(asOwner.body.result.data.rendered).toContain('s3cret');
    expect(asOwner.body.result.data.compose).toMatch(/API_KEY: \$\{API_KEY\}/);
    const asViewer = await call('GET', 'stack.version', { stackId, version: '1' }, viewer.token);
    expect(asViewer.status).toBe(200);
    expect(asViewer.body.result.data.rendered).toBeNull();
    expect(JSON.stringify(asViewer.body)).not.toContain('s3cret');
    const audited = await api.db.auditLog.count({
      where: { action: 'stack.version', targetId: stackId },
    });
    expect(audited).toBe(2);
  });

  it('answers 404 naming a version that does not exist', async () => {
    const reply = await call('GET', 'stack.version', { stackId, version: '5' });
    expect(reply.status).toBe(404);
    expect(reply.body.error.message).toBe(
      'version: the stack has no version 5 (its versions are 1–2)',
    );
  });

  it('restores a version: a run of it, and the draft follows', async () => {
    const reply = await call('POST', 'stack.restore', { stackId, version: 1 });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.result.data).toMatchObject({ version: 1, trigger: 'restore' });
    const one = await call('GET', 'stack.one', { stackId });
    expect(one.body.result.data.services[0].image).toBe('registry.example.com/team/web:1');
    await settle(stackId);
  });

  it('refuses to deploy an archived stack', async () => {
    await call('POST', 'stack.setStatus', { stackId, status: 'archived' });
    const reply = await call('POST', 'stack.deploy', { stackId });
    expect(reply.status).toBe(409);
    expect(reply.body.error.message).toMatch(/archived/);
    await call('POST', 'stack.setStatus', { stackId, status: 'published' });
  });

  it('clones the draft, variables re-sealed for the copy', async () => {
    const reply = await call('POST', 'stack.clone', { stackId, name: 'Web Shop Copy' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.result.data).toMatchObject({
      stackName: 'web-shop-copy',
      status: 'draft',
      variableNames: ['API_KEY', 'REGISTRY'],
      currentVersion: null,
    });
    // A copy never deployed is removed at once: nothing of it is on a cluster.
    const removed = await call('DELETE', 'stack.remove', { stackId: reply.body.result.data.id });
    expect(removed.status).toBe(204);
    expect(await api.db.stack.count({ where: { id: reply.body.result.data.id } })).toBe(0);
  });

  it('removes a deployed stack through the worker: a job, the row kept until it is done', async () => {
    const reply = await call('DELETE', 'stack.remove', { stackId });
    expect(reply.status).toBe(204);
    const row = await api.db.stack.findUniqueOrThrow({ where: { id: stackId } });
    expect(row.removeRequestedAt).not.toBeNull();
    const job = await api.db.outboxJob.findFirst({ where: { name: 'removeStack' } });
    expect(job?.payload).toMatchObject({ stackId, requestedAt: row.removeRequestedAt?.getTime() });
    const again = await call('POST', 'stack.save', { stackId, compose: v1 });
    expect(again.status).toBe(409);
  });

  it('keeps the stack name unique on the cluster', async () => {
    const first = await call('POST', 'stack.create', { clusterId, name: 'Blog' });
    expect(first.status).toBe(201);
    const second = await call('POST', 'stack.create', {
      clusterId,
      name: 'Blog 2',
      stackName: 'blog',
    });
    expect(second.status).toBe(409);
    expect(second.body.error.message).toMatch(/"blog" runs on cluster "target" already/);
  });
});
