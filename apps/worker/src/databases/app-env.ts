// A binding reaches its app the way a user's change does: the connection variables written into
// the app's secret env (sealed, shown by name in app.one, their values through app.env), then a
// deployment queued as app.deploy queues one (packages/router's deployments.ts), which applies the
// env and joins the database's network (apps/spec.ts: the networks of the app's bindings).
import { newId, type Prisma } from '@flotilla/db';
import { connectionEnv, connectionHost } from '@flotilla/deploy';
import { writeOutboxJob } from '@flotilla/queue';
import { appSecretEnvContext } from '@flotilla/secrets';
import type { Engine } from '../engine.ts';
import type { DatabaseRecord } from './records.ts';
import { passwordOf } from './records.ts';

type Tx = Prisma.TransactionClient;

const inFlight = ['queued', 'building', 'deploying'] as const;
/** As app.deploy gives a deploy (its default timeout). */
const deployTimeoutMs = 15 * 60_000;

/**
 * What a bound app receives: reached by the service name on the database's network (Swarm), or
 * by the headless Service's DNS name (Kubernetes).
 */
export function boundEnv(engine: Engine, database: DatabaseRecord): Record<string, string> {
  return connectionEnv({
    engine: database.engine,
    host: connectionHost(database.cluster.orchestrator, database.serviceName),
    port: database.connectionPort,
    ...(database.connectionUser ? { user: database.connectionUser } : {}),
    ...(database.connectionDatabase ? { database: database.connectionDatabase } : {}),
    password: passwordOf(engine, database),
  });
}

/** The names a binding of this engine writes (the values do not matter). */
export function boundNames(engine: DatabaseRecord['engine']): string[] {
  return Object.keys(connectionEnv({ engine, host: 'h', port: 1, password: 'p' }));
}

/** The networks of the databases bound to the app (or being unbound): its spec joins them. */
export async function boundNetworks(engine: Engine, appId: string): Promise<string[]> {
  const rows = await engine.db.databaseBinding.findMany({
    where: { appId, status: { in: ['bound', 'unbinding'] } },
    select: { database: { select: { networkName: true } } },
  });
  return [...new Set(rows.map((row) => row.database.networkName))].sort();
}

/** The app's deployment under way, if any (one at a time per app). */
export function deploymentInFlight(db: Engine['db'] | Tx, appId: string) {
  return db.deployment.findFirst({
    where: { appId, status: { in: [...inFlight] } },
    select: { id: true, ordinal: true, deadlineAt: true },
  });
}

/**
 * Changes the app's secret env with `change` and queues its deployment, inside `tx` (the app's
 * row locked). Returns the deployment's id, null when the app has nothing to deploy yet (never
 * built): its next deployment takes the env as it is. Throws `busy` when a deployment is under
 * way (the caller waits for it and tries again).
 */
export async function changeAppEnv(
  engine: Engine,
  tx: Tx,
  appId: string,
  createdById: string | null,
  change: (secretEnv: Record<string, string>) => Record<string, string>,
): Promise<{ deploymentId: string | null } | 'busy' | 'gone'> {
  const [app] = await tx.$queryRaw<
    {
      status: string;
      sourceType: string;
      imageUrl: string | null;
      secretEnvEncrypted: string | null;
    }[]
  >`select status::text, "sourceType"::text, "imageUrl", "secretEnvEncrypted"
    from "App" where id = ${appId} for update`;
  if (!app || app.status === 'deleting') return 'gone';
  if (await deploymentInFlight(tx, appId)) return 'busy';
  const context = appSecretEnvContext(appId);
  const current = app.secretEnvEncrypted
    ? (JSON.parse(engine.sealer.open(app.secretEnvEncrypted, context)) as Record<string, string>)
    : {};
  const next = change(current);
  await tx.app.update({
    where: { id: appId },
    data: {
      secretEnvEncrypted:
        Object.keys(next).length > 0 ? engine.sealer.seal(JSON.stringify(next), context) : null,
    },
  });
  // A redeploy without a rebuild: an image app's image, or what was last applied.
  const image =
    app.sourceType === 'image'
      ? app.imageUrl
      : ((
          await tx.deployment.findFirst({
            where: { appId, status: { in: ['active', 'superseded'] }, image: { not: null } },
            orderBy: { ordinal: 'desc' },
            select: { image: true },
          })
        )?.image ?? null);
  if (!image) return { deploymentId: null };
  const last = await tx.deployment.aggregate({ where: { appId }, _max: { ordinal: true } });
  const id = newId('dep');
  await tx.deployment.create({
    data: {
      id,
      appId,
      ordinal: (last._max.ordinal ?? 0) + 1,
      trigger: 'deploy',
      status: 'queued',
      image,
      createdById,
      deadlineAt: new Date(Date.now() + deployTimeoutMs),
    },
  });
  await writeOutboxJob(tx, 'deployApp', { appId, deploymentId: id });
  return { deploymentId: id };
}

/**
 * Waits until the app has no deployment under way (at most until that one's own deadline and a
 * minute): a binding's redeploy comes after it, never instead of it.
 */
export async function untilAppIdle(engine: Engine, appId: string): Promise<void> {
  for (;;) {
    const running = await deploymentInFlight(engine.db, appId);
    if (!running) return;
    if (Date.now() > running.deadlineAt.getTime() + 60_000) return;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
