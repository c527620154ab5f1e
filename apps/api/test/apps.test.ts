// Apps through the plain HTTP API and the apps page's REST paths, against real Postgres: the
// rows and outbox jobs each request writes, validation naming the field, secrets sealed and
// audited, organization and cluster defaults. No worker runs here: jobs stay in the outbox, and
// the live reads answer 503 (no manager of these clusters was ever reached).
import { gzipSync } from 'node:zlib';
import { appSecretEnvContext } from '@flotilla/secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startApi } from './harness.ts';

let api: Harness;
let owner: Awaited<ReturnType<typeof registerUser>>;
let clusterId: string;
let otherClusterId: string;

async function newSwarm(name: string): Promise<string> {
  const key = await api.call('POST', '/api/sshKey.generate', {
    token: owner.token,
    body: { organizationId: owner.organizationId, name: `key-${name}` },
  });
  expect(key.status, JSON.stringify(key.body)).toBe(201);
  const cluster = await api.call('POST', '/api/cluster.create', {
    token: owner.token,
    body: {
      organizationId: owner.organizationId,
      name,
      provider: 'ssh',
      orchestrator: 'swarm',
      sshKeyId: key.body.result.data.id,
      nodes: [{ role: 'manager', host: '10.201.250.10' }],
    },
  });
  expect(cluster.status, JSON.stringify(cluster.body)).toBe(201);
  return cluster.body.result.data.id;
}

beforeAll(async () => {
  api = await startApi();
  owner = await registerUser(api, 'apps');
  clusterId = await newSwarm('apps-one');
  otherClusterId = await newSwarm('apps-two');
});
afterAll(() => api.close());

const outboxJobs = (name: string) =>
  api.db.outboxJob.findMany({ where: { name }, orderBy: { id: 'asc' } });

/** A tar archive of one file, as `tar -c` writes it (ustar header, data, two zero blocks). */
function tarball(name: string, content: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${Buffer.byteLength(content).toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(content) / 512) * 512);
  data.write(content);
  return Buffer.concat([header, data, Buffer.alloc(1024)]);
}

describe('REST /api/v1/apps, exactly as the page shows it', () => {
  it('creates an image app (201, the page fields), queues its first deployment with its job', async () => {
    const reply = await api.call('POST', '/api/v1/apps', {
      token: owner.token,
      body: {
        name: 'my-api',
        source_type: 'image',
        image_url: 'myregistry.com/api:v2.1',
        port: 3000,
        replicas: 3,
        cluster_id: clusterId,
        env: { NODE_ENV: 'production', DATABASE_URL: 'postgresql://x' },
      },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const app = reply.body;
    expect(app).toMatchObject({
      name: 'my-api',
      slug: 'my-api',
      source_type: 'image',
      image_url: 'myregistry.com/api:v2.1',
      replicas: 3,
      port: 3000,
      published_port: 30000,
      env: { NODE_ENV: 'production', DATABASE_URL: 'postgresql://x' },
      status: 'created',
      last_deploy_at: null,
    });
    expect(app.id).toMatch(/^app_/);
    expect(app.project_id).toMatch(/^proj_/);
    expect(new Date(app.created_at).toISOString()).toBe(app.created_at);

    const deployments = await api.db.deployment.findMany({ where: { appId: app.id } });
    expect(deployments).toMatchObject([
      { ordinal: 1, trigger: 'create', status: 'queued', image: 'myregistry.com/api:v2.1' },
    ]);
    const jobs = await outboxJobs('deployApp');
    expect(jobs.at(-1)).toMatchObject({
      queue: 'apps',
      jobId: `deployApp.${deployments[0]?.id}`,
      payload: { appId: app.id, deploymentId: deployments[0]?.id },
    });

    const list = await api.call('GET', '/api/v1/apps', { token: owner.token });
    expect(list.status).toBe(200);
    expect(Array.isArray(list.body)).toBe(true);
    expect(list.body.map((a: { id: string }) => a.id)).toContain(app.id);
    expect(list.headers.get('x-total-count')).toBe(String(list.body.length));

    const one = await api.call('GET', `/api/v1/apps/${app.id}`, { token: owner.token });
    expect(one.body).toEqual(app);

    const history = await api.call('GET', `/api/v1/apps/${app.id}/deployments`, {
      token: owner.token,
    });
    expect(history.body).toMatchObject([
      {
        id: deployments[0]?.id,
        app_id: app.id,
        status: 'queued',
        image: 'myregistry.com/api:v2.1',
      },
    ]);
  });

  it('a git app gets a build with its job; the default branch is main', async () => {
    const reply = await api.call('POST', '/api/v1/apps', {
      token: owner.token,
      body: {
        name: 'my-frontend',
        source_type: 'git',
        repo_url: 'https://10.201.250.1/user/frontend.git',
        build_command: 'npm run build',
        port: 3000,
        cluster_id: clusterId,
      },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body).toMatchObject({ repo_branch: 'main', build_command: 'npm run build' });
    const build = await api.db.build.findFirstOrThrow({ where: { appId: reply.body.id } });
    expect(build).toMatchObject({ source: 'git', status: 'queued', repoBranch: 'main' });
    const jobs = await outboxJobs('buildApp');
    expect(jobs.at(-1)).toMatchObject({ queue: 'builds', jobId: `buildApp.${build.id}` });
  });

  it('PATCH scales at once (a scaleApp job) and merges env; the change is in the audit', async () => {
    const created = await api.call('POST', '/api/v1/apps', {
      token: owner.token,
      body: {
        name: 'scaler',
        source_type: 'image',
        image_url: '10.201.0.1:5443/echo:1',
        cluster_id: clusterId,
        env: { A: '1', B: '2' },
      },
    });
    const id = created.body.id;
    const patched = await api.call('PATCH', `/api/v1/apps/${id}`, {
      token: owner.token,
      body: { replicas: 5, env: { LOG_LEVEL: 'debug', B: null } },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ replicas: 5, env: { A: '1', LOG_LEVEL: 'debug' } });
    expect(patched.body.env).not.toHaveProperty('B');
    const scale = (await outboxJobs('scaleApp')).filter(
      (job) => (job.payload as { appId: string }).appId === id,
    );
    expect(scale).toMatchObject([{ jobId: `scaleApp.${id}.1` }]);
    // An env change alone applies on the next deploy: no job.
    await api.call('PATCH', `/api/v1/apps/${id}`, {
      token: owner.token,
      body: { env: { C: '3' } },
    });
    expect((await outboxJobs('scaleApp')).length).toBe((await outboxJobs('scaleApp')).length);

    const audit = await api.call('GET', `/api/v1/apps/${id}/audit`, { token: owner.token });
    expect(audit.status).toBe(200);
    expect(audit.body[0]).toMatchObject({ action: 'update', user: 'apps', outcome: 'success' });
    expect(audit.body[1].details).toMatch(/replicas 1 → 5/);
    expect(audit.body.at(-1)).toMatchObject({
      action: 'create',
      details: expect.stringMatching(/echo:1/),
    });
    for (const entry of audit.body)
      expect(new Date(entry.created_at).toISOString()).toBe(entry.created_at);
  });

  it('deploy while one is under way is a 409 naming it; cancel then deploy again', async () => {
    const created = await api.call('POST', '/api/v1/apps', {
      token: owner.token,
      body: { name: 'busy', source_type: 'image', image_url: 'nginx:1.27', cluster_id: clusterId },
    });
    const id = created.body.id;
    const [first] = await api.db.deployment.findMany({ where: { appId: id } });
    const again = await api.call('POST', `/api/v1/apps/${id}/deploy`, { token: owner.token });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(first?.id);
    const cancelled = await api.call('POST', `/api/v1/apps/${id}/deployments/${first?.id}/cancel`, {
      token: owner.token,
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled' });
    const deploy = await api.call('POST', `/api/v1/apps/${id}/deploy`, { token: owner.token });
    expect(deploy.status, JSON.stringify(deploy.body)).toBe(201);
    expect(deploy.body).toMatchObject({ app_id: id, status: 'queued', image: 'nginx:1.27' });
  });

  it('revert re-applies a deployment that served, as a new rollback deployment', async () => {
    const created = await api.call('POST', '/api/v1/apps', {
      token: owner.token,
      body: {
        name: 'rolling',
        source_type: 'image',
        image_url: 'nginx:1.26',
        cluster_id: clusterId,
      },
    });
    const id = created.body.id;
    // What the worker leaves behind after two deploys: #1 superseded by the active #2.
    const [first] = await api.db.deployment.findMany({ where: { appId: id } });
    await api.db.deployment.update({
      where: { id: first?.id },
      data: {
        status: 'superseded',
        spec: { orchestrator: 'swarm', image: 'nginx:1.26@sha256:aa' },
      },
    });
    await api.db.deployment.create({
      data: {
        id: `dep_${id}`,
        appId: id,
        ordinal: 2,
        trigger: 'deploy',
        status: 'active',
        image: 'nginx:1.27',
        deadlineAt: new Date(),
      },
    });
    const active = await api.call('POST', `/api/v1/apps/${id}/deployments/dep_${id}/revert`, {
      token: owner.token,
    });
    expect(active.status).toBe(409);
    const revert = await api.call('POST', `/api/v1/apps/${id}/deployments/${first?.id}/revert`, {
      token: owner.token,
    });
    expect(revert.status, JSON.stringify(revert.body)).toBe(201);
    expect(revert.body).toMatchObject({
      trigger: 'rollback',
      status: 'queued',
      image: 'nginx:1.26',
      source_deployment_id: first?.id,
    });
    const history = await api.call('GET', `/api/v1/apps/${id}/deployments`, { token: owner.token });
    expect(history.body.map((d: { status: string }) => d.status)).toEqual([
      'queued',
      'active',
      'superseded',
    ]);
  });

  it('secret env is sealed at rest, hidden in answers, and shown to managers with an audit entry', async () => {
    const created = await api.call('POST', '/api/app.create', {
      token: owner.token,
      body: {
        name: 'secretive',
        sourceType: 'image',
        imageUrl: 'nginx:1.27',
        clusterId,
        env: { PLAIN: 'yes' },
        secretEnv: { API_KEY: 'sk-very-secret' },
      },
    });
    expect(created.status).toBe(201);
    const app = created.body.result.data;
    expect(app.secretEnvNames).toEqual(['API_KEY']);
    expect(JSON.stringify(created.body)).not.toContain('sk-very-secret');
    const row = await api.db.app.findUniqueOrThrow({ where: { id: app.id } });
    expect(row.secretEnvEncrypted).not.toContain('sk-very-secret');
    expect(
      api.services.sealer.open(row.secretEnvEncrypted as string, appSecretEnvContext(app.id)),
    ).toBe(JSON.stringify({ API_KEY: 'sk-very-secret' }));
    const env = await api.call('GET', '/api/app.env', {
      token: owner.token,
      query: { appId: app.id },
    });
    expect(env.body.result.data).toEqual({
      env: { PLAIN: 'yes' },
      secretEnv: { API_KEY: 'sk-very-secret' },
    });
    const audit = await api.db.auditLog.findFirstOrThrow({
      where: { action: 'app.env', targetId: app.id },
    });
    expect(audit).toMatchObject({ outcome: 'success', actorId: owner.userId });
  });

  it('restart needs something running; remove marks it deleting with a removeApp job', async () => {
    const created = await api.call('POST', '/api/v1/apps', {
      token: owner.token,
      body: { name: 'goner', source_type: 'image', image_url: 'nginx:1.27', cluster_id: clusterId },
    });
    const id = created.body.id;
    const restart = await api.call('POST', `/api/v1/apps/${id}/restart`, { token: owner.token });
    expect(restart.status).toBe(409);
    const removed = await api.call('DELETE', `/api/v1/apps/${id}`, { token: owner.token });
    expect(removed.status).toBe(204);
    const row = await api.db.app.findUniqueOrThrow({ where: { id } });
    expect(row.status).toBe('deleting');
    expect((await outboxJobs('removeApp')).map((job) => job.jobId)).toContain(`removeApp.${id}`);
    const deploy = await api.call('POST', `/api/v1/apps/${id}/deploy`, { token: owner.token });
    expect(deploy.status).toBe(409);
  });

  it('live reads answer 503 with Retry-After naming the cluster when no manager answers', async () => {
    const created = await api.call('POST', '/api/v1/apps', {
      token: owner.token,
      body: { name: 'live', source_type: 'image', image_url: 'nginx:1.27', cluster_id: clusterId },
    });
    for (const path of ['status', 'pods', 'logs', 'metrics', 'events']) {
      const reply = await api.call('GET', `/api/v1/apps/${created.body.id}/${path}`, {
        token: owner.token,
      });
      expect(reply.status, path).toBe(503);
      expect(reply.headers.get('retry-after')).toBe('10');
      expect(reply.body.error.message).toContain('"apps-one"');
    }
  });
});

describe('where an app goes', () => {
  it('without cluster_id: 400 naming cluster_id until a default cluster is set', async () => {
    const body = { name: 'homeless', source_type: 'image', image_url: 'nginx:1.27' };
    const refused = await api.call('POST', '/api/v1/apps', { token: owner.token, body });
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['cluster_id']);
    const set = await api.call('POST', '/api/cluster.setDefault', {
      token: owner.token,
      body: { clusterId: otherClusterId },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const created = await api.call('POST', '/api/v1/apps', { token: owner.token, body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.cluster_id).toBe(otherClusterId);
  });

  it('a caller in several organizations names one (organization_id or X-Flotilla-Organization)', async () => {
    const other = await registerUser(api, 'two-orgs');
    const invite = await api.call('POST', '/api/organization.invite', {
      token: owner.token,
      body: { organizationId: owner.organizationId, email: other.email, role: 'member' },
    });
    await api.call('POST', '/api/auth.acceptInvite', {
      token: other.token,
      body: {
        token: invite.body.result.data.token,
        name: 'two-orgs',
        password: 'correct horse battery',
      },
    });
    const ambiguous = await api.call('GET', '/api/v1/apps', { token: other.token });
    if ((await api.db.membership.count({ where: { userId: other.userId } })) > 1) {
      expect(ambiguous.status).toBe(400);
      expect(ambiguous.body.error.issues[0].path).toBe('organization_id');
    }
    const byHeader = await api.call('GET', '/api/v1/apps', {
      token: other.token,
      headers: { 'x-flotilla-organization': owner.organizationId },
    });
    expect(byHeader.status).toBe(200);
    expect(byHeader.body.length).toBeGreaterThan(0);
  });

  it('a published port taken on the cluster is refused naming published_port; another cluster is free', async () => {
    const body = (name: string, cluster: string) => ({
      name,
      source_type: 'image',
      image_url: 'nginx:1.27',
      port: 80,
      published_port: 8080,
      cluster_id: cluster,
    });
    expect(
      (
        await api.call('POST', '/api/v1/apps', {
          token: owner.token,
          body: body('web-a', clusterId),
        })
      ).status,
    ).toBe(201);
    const taken = await api.call('POST', '/api/v1/apps', {
      token: owner.token,
      body: body('web-b', clusterId),
    });
    expect(taken.status).toBe(400);
    expect(taken.body.error.issues[0]).toMatchObject({
      path: 'published_port',
      message: expect.stringContaining('web-a'),
    });
    expect(
      (
        await api.call('POST', '/api/v1/apps', {
          token: owner.token,
          body: body('web-b', otherClusterId),
        })
      ).status,
    ).toBe(201);
  });
});

describe('bad input names the page field, never a 500', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    [
      'image reference that does not parse',
      { source_type: 'image', image_url: 'UPPER/Case::tag' },
      'image_url',
    ],
    [
      'replicas out of range',
      { source_type: 'image', image_url: 'nginx', replicas: 101 },
      'replicas',
    ],
    ['port outside 1–65535', { source_type: 'image', image_url: 'nginx', port: 70000 }, 'port'],
    [
      'git URL that is not http(s)/ssh',
      { source_type: 'git', repo_url: 'file:///etc/passwd' },
      'repo_url',
    ],
    ['git URL to loopback', { source_type: 'git', repo_url: 'http://127.0.0.1/x.git' }, 'repo_url'],
    [
      'env name that is not a variable name',
      { source_type: 'image', image_url: 'nginx', env: { '1BAD': 'x' } },
      'env.1BAD',
    ],
    ['unknown source type', { source_type: 'ftp' }, 'source_type'],
  ];
  it.each(cases)('%s → 400 naming %s', async (_, fields, path) => {
    const reply = await api.call('POST', '/api/v1/apps', {
      token: owner.token,
      body: {
        name: `bad-${Math.random().toString(36).slice(2, 8)}`,
        cluster_id: clusterId,
        ...fields,
      },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(400);
    expect(reply.body.error.issues.map((i: { path: string }) => i.path)).toContain(path);
  });
});

describe('POST /api/v1/apps/{id}/build', () => {
  let appId: string;
  beforeAll(async () => {
    const created = await api.call('POST', '/api/v1/apps', {
      token: owner.token,
      body: { name: 'uploaded', source_type: 'upload', port: 8080, cluster_id: clusterId },
    });
    appId = created.body.id;
  });

  const upload = (body: Blob | Buffer, type?: string) => {
    const init: RequestInit = {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}` },
    };
    if (body instanceof Blob) {
      const form = new FormData();
      form.set('file', body, 'src.tar.gz');
      init.body = form;
    } else {
      init.body = body;
      (init.headers as Record<string, string>)['content-type'] = type ?? 'application/gzip';
    }
    return fetch(`${api.url}/api/v1/apps/${appId}/build`, init);
  };

  it('refuses what is not a tarball (by its bytes) naming file, and stores nothing', async () => {
    const reply = await upload(
      new Blob([Buffer.from('#!/bin/sh\necho not a tarball\n'.repeat(50))]),
    );
    expect(reply.status).toBe(400);
    const body = (await reply.json()) as { error: { issues: { path: string }[] } };
    expect(body.error.issues[0]?.path).toBe('file');
    expect(await api.db.sourceUpload.count({ where: { appId } })).toBe(0);
  });

  it('stores a tar.gz upload in chunks with a build and its job', async () => {
    const archive = gzipSync(tarball('Dockerfile', 'FROM scratch\n'));
    const reply = await upload(new Blob([archive]));
    const body = (await reply.json()) as { id: string };
    expect(reply.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ app_id: appId, trigger: 'upload', status: 'queued' });
    const build = await api.db.build.findFirstOrThrow({
      where: { deploymentId: body.id },
      include: { upload: { include: { chunks: true } } },
    });
    expect(build.upload).toMatchObject({ format: 'tar.gz', sizeBytes: archive.length });
    expect(Buffer.concat(build.upload?.chunks.map((c) => Buffer.from(c.data)) ?? [])).toEqual(
      archive,
    );
    expect((await outboxJobs('buildApp')).map((job) => job.jobId)).toContain(
      `buildApp.${build.id}`,
    );
  });

  it('a raw tar body works too; more than APP_UPLOAD_MAX_BYTES is a 413', async () => {
    await api.db.deployment.updateMany({ where: { appId }, data: { status: 'failed' } });
    const raw = await upload(tarball('main.go', 'package main\n'), 'application/x-tar');
    expect(raw.status, await raw.clone().text()).toBe(201);
    await api.db.deployment.updateMany({ where: { appId }, data: { status: 'failed' } });
    const big = Buffer.alloc(api.services.uploadMaxBytes + 1024 * 1024);
    tarball('big', 'x').copy(big);
    const tooLarge = await upload(big, 'application/x-tar');
    expect(tooLarge.status).toBe(413);
  });
});
