import { isUniqueViolation } from '@flotilla/db';
import { requireCluster } from '../../access.ts';
import { conflict, fieldError } from '../../errors.ts';
import { idempotent } from '../../idempotency.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { clusterOf } from '../app/placement.ts';
import { databaseCreateInput, databaseCreateOutput } from './create.schema.ts';
import { checkVersion, insertDatabase, registryOf } from './placement.ts';
import { databaseOut, databaseSelect } from './rows.ts';

export const meta = {
  summary:
    'Create a managed database on a cluster (asynchronous: `creating` until its readiness probe answers inside the task or pod; on Swarm pinned to one node, on Kubernetes a StatefulSet with its volume claim)',
  http: { method: 'POST', status: 201, idempotent: true },
  input: databaseCreateInput,
  output: databaseCreateOutput,
} satisfies Meta;

// Who may: manage permission on the cluster it goes to (known only once the default cluster is
// resolved), so access is checked here rather than by a builder.
export const procedure = authedProcedure
  .meta(meta)
  .input(databaseCreateInput)
  .output(databaseCreateOutput)
  .mutation(async ({ ctx, input }) => {
    const clusterId = await clusterOf(ctx, input.organizationId, input.clusterId);
    const { cluster } = await requireCluster(ctx, clusterId, 'manage');
    if (input.organizationId && input.organizationId !== cluster.organizationId) {
      throw fieldError('clusterId', 'is a cluster of another organization');
    }
    // On Kubernetes a database is reached by its headless Service inside the cluster; a port
    // for clients outside (a LoadBalancer Service) is not offered there yet.
    if (cluster.orchestrator === 'kubernetes' && input.publishedPort !== undefined) {
      throw fieldError(
        'publishedPort',
        'is not offered on Kubernetes clusters yet: apps bound to the database reach it by its Service name inside the cluster',
      );
    }
    const version = checkVersion(input.engine, input.version);
    const registry = await registryOf(ctx, cluster.organizationId, input.registryId);
    ctx.audit.targetType = 'database';
    const taken = () => conflict(`A database named "${input.name}" exists in this project`);
    try {
      const result = await idempotent(ctx, 'database.create', input, async (tx) => {
        const id = await insertDatabase(tx, ctx, {
          organizationId: cluster.organizationId,
          projectId: input.projectId,
          clusterId,
          name: input.name,
          engine: input.engine,
          version,
          registry,
          publishedPort: input.publishedPort,
          createdById: ctx.principal.userId,
        });
        return databaseOut(
          await tx.managedDatabase.findUniqueOrThrow({ where: { id }, select: databaseSelect }),
        );
      });
      ctx.audit.targetId = result.id;
      ctx.audit.details = `Created ${result.engine} ${result.version} database ${result.name}`;
      ctx.onOutboxWritten();
      return result;
    } catch (error) {
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
  });
