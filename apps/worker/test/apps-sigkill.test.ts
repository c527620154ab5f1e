// The worker process SIGKILLed in the middle of a deploy, then started again: the deploy job is
// resumed from what the servers hold (the service's label names the deployment it runs), so
// there is one service and each deployment row ends with its true outcome — a good release
// `active` without being applied twice, a broken one `failed` with Swarm's reason and the
// previous one serving.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { answers } from '../../../packages/deploy/test/http.ts';
import {
  type AppsBed,
  deploymentSettles,
  latestDeployment,
  type RestDeployment,
  startAppsBed,
} from './apps-fixture.ts';
import { eventually, exited } from './fixture.ts';

let bed: AppsBed;

beforeAll(async () => {
  bed = await startAppsBed({ worker: 'child' });
}, 600_000);

afterAll(async () => {
  await bed?.close();
});

async function liveLabel(service: string): Promise<string | undefined> {
  const out = await bed.docker(
    `service inspect ${service} --format '{{index .Spec.Labels "dev.flotilla.deployment-id"}}'`,
  );
  return out.trim() || undefined;
}

it('resumes a deploy whose worker was killed mid-rollout: one service, each deployment’s true outcome', async () => {
  const created = await bed.http<{ id: string; published_port: number }>('POST', '/api/v1/apps', {
    cluster_id: bed.clusterId,
    name: 'web',
    source_type: 'image',
    image_url: bed.images.httpV1.name,
    port: 80,
    replicas: 3,
  });
  expect(created.status, created.text).toBe(201);
  const app = created.data;
  const service = (await bed.fx.db.app.findUniqueOrThrow({ where: { id: app.id } })).serviceName;
  const v1 = await latestDeployment(bed, app.id);
  expect((await deploymentSettles(bed, app.id, v1.id)).status).toBe('active');

  // A good release, killed while Swarm rolls it out.
  await bed.http('PATCH', `/api/v1/apps/${app.id}`, { image_url: bed.images.httpV2.name });
  const v2 = (await bed.http<RestDeployment>('POST', `/api/v1/apps/${app.id}/deploy`)).data;
  await eventually(
    'v2 applied, not yet judged',
    async () => ((await liveLabel(service)) === v2.id ? true : undefined),
    { intervalMs: 50 },
  );
  const [first] = bed.workers();
  first!.kill('SIGKILL');
  await exited(first!);
  const killedAt = Date.now();
  const row = await bed.fx.db.deployment.findUniqueOrThrow({ where: { id: v2.id } });
  expect(row.status).toBe('deploying');

  bed.startChild();
  const settled = await deploymentSettles(bed, app.id, v2.id);
  console.info(
    `good release resumed: ${settled.status} ${Date.now() - killedAt} ms after the kill`,
  );
  expect(settled.status, settled.reason ?? '').toBe('active');
  await eventually('every node answers v2', async () =>
    (await answers(bed.hosts, app.published_port)).every((a) => a === 'v2') ? true : undefined,
  );
  const ours = (await bed.docker(`service ls -q --filter label=dev.flotilla.app-id=${app.id}`))
    .trim()
    .split('\n');
  expect(ours).toHaveLength(1);
  expect(await liveLabel(service)).toBe(v2.id);
  const rows = await bed.fx.db.deployment.findMany({
    where: { appId: app.id },
    orderBy: { ordinal: 'asc' },
  });
  expect(rows.map((d) => [d.id, d.status])).toEqual([
    [v1.id, 'superseded'],
    [v2.id, 'active'],
  ]);
  // The resumed job judged what the servers held; it did not apply the spec a second time.
  const logs = await bed.fx.db.provisioningLog.findMany({
    where: { clusterId: bed.clusterId, step: { startsWith: 'app.' }, message: { contains: '#2' } },
    orderBy: { id: 'asc' },
  });
  expect(logs.filter((l) => l.step === 'app.apply')).toHaveLength(1);
  expect(logs.some((l) => l.message.includes('an earlier attempt applied it'))).toBe(true);

  // A broken release, killed while Swarm rolls it out (and then back, by itself).
  await bed.http('PATCH', `/api/v1/apps/${app.id}`, { image_url: bed.images.broken.name });
  const v3 = (await bed.http<RestDeployment>('POST', `/api/v1/apps/${app.id}/deploy`)).data;
  await eventually(
    'v3 applied',
    async () => ((await liveLabel(service)) === v3.id ? true : undefined),
    {
      intervalMs: 50,
    },
  );
  const [, second] = bed.workers();
  second!.kill('SIGKILL');
  await exited(second!);
  bed.startChild();
  const failed = await deploymentSettles(bed, app.id, v3.id);
  console.info(`broken release resumed: ${failed.status}: ${failed.reason}`);
  expect(failed.status).toBe('failed');
  expect(failed.reason).toMatch(/rolled back|failed|exit/i);
  expect(await liveLabel(service)).toBe(v2.id);
  await eventually('every node answers v2 again', async () =>
    (await answers(bed.hosts, app.published_port)).every((a) => a === 'v2') ? true : undefined,
  );
  expect(
    (await bed.docker(`service ls -q --filter label=dev.flotilla.app-id=${app.id}`))
      .trim()
      .split('\n'),
  ).toHaveLength(1);
  const final = await bed.fx.db.deployment.findMany({
    where: { appId: app.id },
    orderBy: { ordinal: 'asc' },
  });
  expect(final.map((d) => d.status)).toEqual(['superseded', 'active', 'failed']);
  // Known to have failed once, the broken spec was not applied a second time.
  const applies = await bed.fx.db.provisioningLog.count({
    where: { clusterId: bed.clusterId, step: 'app.apply', message: { contains: '#3' } },
  });
  expect(applies).toBe(1);
});
