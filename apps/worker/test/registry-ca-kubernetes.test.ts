// A private registry's CA on a k3s cluster (the k3s stand-in on three testbed servers that do
// NOT trust the registry by themselves). What the stand-in can prove: the stand-in pulls no
// images (it runs no containers), so containerd reading the CA is not exercised here; what is
// proven is that a deploy leaves, on every node, the CA where Docker reads it, k3s's
// registries.yaml pointing at it and containerd's hosts.toml naming it — the files real k3s and
// containerd read (packages/bootstrap/README.md) — and that the first manager's Docker engine,
// which resolves the image's digest, trusts the registry through it (the deploy pins a digest).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type AppsBed, deploymentSettles, latestDeployment, startAppsBed } from './apps-fixture.ts';

let bed: AppsBed;

beforeAll(async () => {
  bed = await startAppsBed({ orchestrator: 'kubernetes', trustRegistry: false });
}, 600_000);

afterAll(async () => {
  await bed?.close();
});

it('deploys from the private registry with the CA, registries.yaml and hosts.toml on every node', async () => {
  const { address, caCert } = bed.testbed.registry;
  const caPath = `/etc/docker/certs.d/${address}/ca.crt`;
  const created = await bed.http<{ id: string }>('POST', '/api/v1/apps', {
    cluster_id: bed.clusterId,
    name: 'private',
    source_type: 'image',
    image_url: bed.images.httpV1.name,
    port: 80,
    replicas: 2,
  });
  expect(created.status, created.text).toBe(201);
  const deployment = await latestDeployment(bed, created.data.id);
  const settled = await deploymentSettles(bed, created.data.id, deployment.id);
  expect(settled.status, settled.reason ?? '').toBe('active');
  const row = await bed.fx.db.deployment.findUniqueOrThrow({ where: { id: deployment.id } });
  expect(row.imageDigest).toContain(bed.images.httpV1.digest);

  for (const host of bed.testbed.hosts) {
    const read = async (path: string) => {
      const out = await bed.testbed.exec(host.name, `cat ${path}`);
      expect(out.code, `${host.name}: ${path}: ${out.stderr}`).toBe(0);
      return out.stdout;
    };
    expect((await read(caPath)).trim()).toBe(caCert.trim());
    expect(parse(await read('/etc/rancher/k3s/registries.yaml'))).toEqual({
      configs: { [address]: { tls: { ca_file: caPath } } },
    });
    const hostsToml = await read(
      `/var/lib/rancher/k3s/agent/etc/containerd/certs.d/${address}/hosts.toml`,
    );
    expect(hostsToml).toContain(`[host."https://${address}"]`);
    expect(hostsToml).toContain(`ca = ["${caPath}"]`);
  }
});
