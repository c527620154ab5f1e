// A private registry, as a real user has one: the testbed's registry (TLS from its own CA, basic
// auth) on a 3-node Swarm whose servers do NOT trust it by themselves. registry.test verifies TLS
// with the stored CA and names what is wrong otherwise; deploys and builds work because Flotilla
// puts the CA on every node (checked on each server), not because the testbed did.
import { serveGitRepository } from '@flotilla/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers } from '../../../packages/deploy/test/http.ts';
import { type AppsBed, deploymentSettles, latestDeployment, startAppsBed } from './apps-fixture.ts';
import { addNode, eventually } from './fixture.ts';

interface RestApp {
  id: string;
  published_port: number | null;
}

interface RegistryOut {
  id: string;
  name: string;
  caCert: string | null;
}

interface TestOut {
  ok: boolean;
  message: string;
  problem: string | null;
}

let bed: AppsBed;
let caPath: string;

beforeAll(async () => {
  bed = await startAppsBed({ trustRegistry: false });
  caPath = `/etc/docker/certs.d/${bed.testbed.registry.address}/ca.crt`;
}, 600_000);

afterAll(async () => {
  await bed?.close();
});

/** The CA file on each server: its content, or null where there is none. */
async function caOnServers(): Promise<(string | null)[]> {
  return Promise.all(
    bed.testbed.hosts.map(async (host) => {
      const read = await bed.testbed.exec(host.name, `cat ${caPath}`);
      return read.code === 0 ? read.stdout : null;
    }),
  );
}

async function lastLogId(): Promise<bigint> {
  const last = await bed.fx.db.provisioningLog.findFirst({
    where: { clusterId: bed.clusterId },
    orderBy: { id: 'desc' },
    select: { id: true },
  });
  return last?.id ?? 0n;
}

async function addRegistry(body: Record<string, unknown>) {
  return bed.http<RegistryOut>('POST', '/api/registry.create', {
    organizationId: bed.fx.orgId,
    server: bed.testbed.registry.address,
    username: bed.testbed.registry.username,
    ...body,
  });
}

async function test(registryId: string) {
  const reply = await bed.http<TestOut>('POST', '/api/registry.test', { registryId });
  expect(reply.status, reply.text).toBe(200);
  return reply.data;
}

describe('registry.test against the real registry', () => {
  it('passes with the stored CA and the right password', async () => {
    const list = await bed.http<RegistryOut[]>(
      'GET',
      `/api/registry.all?organizationId=${bed.fx.orgId}`,
    );
    const stored = list.data.find((r) => r.name === 'testbed');
    expect(stored?.caCert).toContain('-----BEGIN CERTIFICATE-----');
    expect(await test(stored!.id)).toMatchObject({
      ok: true,
      problem: null,
      message: 'the registry accepts the credentials',
    });
  });

  it('names an unknown authority without the CA, and a wrong password with it', async () => {
    const noCa = await addRegistry({ name: 'no-ca', password: bed.testbed.registry.password });
    expect(noCa.status, noCa.text).toBe(201);
    const unknown = await test(noCa.data.id);
    expect(unknown).toMatchObject({ ok: false, problem: 'unknownAuthority' });
    expect(unknown.message).toContain('signed by an unknown authority');
    expect(unknown.message).toContain('caCert');

    const wrong = await addRegistry({
      name: 'wrong-password',
      password: 'not-the-password',
      caCert: bed.testbed.registry.caCert,
    });
    expect(wrong.status, wrong.text).toBe(201);
    expect(await test(wrong.data.id)).toEqual({
      ok: false,
      problem: 'unauthorized',
      message: 'the registry refused the user name or password (HTTP 401)',
      testedAt: expect.any(String),
    });
    // What the last test found stays on the registry for the list to show.
    const row = await bed.fx.db.registry.findUniqueOrThrow({ where: { id: wrong.data.id } });
    expect(row.lastTestError).toBe('the registry refused the user name or password (HTTP 401)');

    for (const id of [noCa.data.id, wrong.data.id]) {
      const removed = await bed.http('DELETE', '/api/registry.remove', { registryId: id });
      expect(removed.status, removed.text).toBe(204);
    }
  });

  it('refuses a CA that is not a certificate with a 400 naming caCert', async () => {
    const key = await addRegistry({
      name: 'bad-ca',
      caCert: '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n',
    });
    expect(key.status, key.text).toBe(400);
    expect(key.text).toContain('caCert');
    expect(key.text).toContain('does not parse as X.509');
    const text = await addRegistry({ name: 'bad-ca', caCert: 'hello' });
    expect(text.status, text.text).toBe(400);
    expect(text.text).toContain('caCert');
  });
});

describe('Flotilla brings the CA to the servers', () => {
  it('deploys an image app from the private registry: the CA is on every node, the app answers', async () => {
    // The testbed gave no server the CA; provisioning may have, if the registry was stored by
    // then. Servers without it, as when the registry is added after the cluster:
    for (const host of bed.testbed.hosts) await bed.testbed.exec(host.name, `rm -f ${caPath}`);
    expect(await caOnServers()).toEqual([null, null, null]);
    const mark = await lastLogId();
    const created = await bed.http<RestApp>('POST', '/api/v1/apps', {
      cluster_id: bed.clusterId,
      name: 'private',
      source_type: 'image',
      image_url: bed.images.httpV1.name,
      port: 80,
      replicas: 3,
    });
    expect(created.status, created.text).toBe(201);
    const app = created.data;
    const deployment = await latestDeployment(bed, app.id);
    const settled = await deploymentSettles(bed, app.id, deployment.id);
    expect(settled.status, settled.reason ?? '').toBe('active');
    await eventually(
      'every node answers v1',
      async () => {
        const seen = await answers(bed.hosts, app.published_port!);
        return seen.every((a) => a === 'v1') ? seen : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const ca = bed.testbed.registry.caCert.trim();
    expect((await caOnServers()).map((c) => c?.trim())).toEqual([ca, ca, ca]);
    const lines = await bed.fx.db.provisioningLog.findMany({
      where: { clusterId: bed.clusterId, step: 'registry.ca', id: { gt: mark } },
      orderBy: { id: 'asc' },
      select: { message: true },
    });
    expect(lines[0]?.message).toMatch(
      new RegExp(`registry CA of ${bed.testbed.registry.address.replace(/\./g, '\\.')} written on`),
    );

    // The next deploy finds the CA in place and writes nothing.
    const again = await bed.http<{ id: string }>('POST', `/api/v1/apps/${app.id}/deploy`);
    expect(again.status, again.text).toBe(201);
    expect((await deploymentSettles(bed, app.id, again.data.id)).status).toBe('active');
    const last = await bed.fx.db.provisioningLog.findFirstOrThrow({
      where: { clusterId: bed.clusterId, step: 'registry.ca' },
      orderBy: { id: 'desc' },
      select: { message: true },
    });
    expect(last.message).toContain('already on');
    expect(last.message).not.toContain('written');
  });

  it('builds a git app and pushes it to the private registry, then deploys it', async () => {
    // A server whose CA is gone (a rebuilt server) gets it back from the build and the deploy.
    const [first] = bed.testbed.hosts;
    await bed.testbed.exec(first!.name, `rm -f ${caPath}`);
    const repo = await serveGitRepository(bed.testbed, {
      name: 'private-site',
      files: {
        Dockerfile: [`FROM ${bed.images.httpV1.name}`, 'COPY index.html /www/index.html', ''].join(
          '\n',
        ),
        'index.html': 'private git\n',
      },
    });
    const created = await bed.http<RestApp>('POST', '/api/v1/apps', {
      cluster_id: bed.clusterId,
      name: 'private-site',
      source_type: 'git',
      repo_url: repo.url,
      repo_branch: 'main',
      port: 80,
      replicas: 2,
    });
    expect(created.status, created.text).toBe(201);
    const site = created.data;
    const deployment = await latestDeployment(bed, site.id);
    const settled = await deploymentSettles(bed, site.id, deployment.id, 300_000);
    expect(settled.status, settled.reason ?? '').toBe('active');
    const build = await bed.fx.db.build.findFirstOrThrow({ where: { appId: site.id } });
    expect(build.image).toMatch(
      new RegExp(`^${bed.testbed.registry.address}/.+@sha256:[a-f0-9]{64}$`),
    );
    await eventually(
      'two nodes answer private git',
      async () =>
        (await answers(bed.hosts, site.published_port!)).filter((a) => a === 'private git')
          .length === 2
          ? true
          : undefined,
      { timeoutMs: 60_000 },
    );
    const ca = bed.testbed.registry.caCert.trim();
    expect((await caOnServers()).map((c) => c?.trim())).toEqual([ca, ca, ca]);
  });

  it('gives a server that joins the cluster later the CA as it joins, before any deploy', async () => {
    const host = await bed.testbed.addHost();
    expect((await bed.testbed.exec(host.name, `cat ${caPath}`)).code).not.toBe(0);
    const nodeId = await addNode(bed.fx, bed.clusterId, { role: 'worker', host });
    await eventually(
      'the new node running',
      async () =>
        (await bed.fx.db.node.findUnique({ where: { id: nodeId } }))?.status === 'running'
          ? true
          : undefined,
      { timeoutMs: 180_000 },
    );
    const read = await bed.testbed.exec(host.name, `cat ${caPath}`);
    expect(read.stdout.trim()).toBe(bed.testbed.registry.caCert.trim());
    const line = await bed.fx.db.provisioningLog.findFirstOrThrow({
      where: { clusterId: bed.clusterId, nodeId, step: 'registry.ca' },
      select: { message: true },
    });
    expect(line.message).toContain('written');
  });
});
