import { instanceSessionProcedure, type Meta } from '../../trpc.ts';
import { controlPlaneInstancesOutput } from './instances.schema.ts';

export const meta = {
  summary:
    'Every cluster, app and managed database of every organization, with the worker its jobs are pinned to',
  http: { method: 'GET' },
  output: controlPlaneInstancesOutput,
} satisfies Meta;

const pin = { select: { nodeName: true, mode: true } } as const;

export const procedure = instanceSessionProcedure
  .meta(meta)
  .output(controlPlaneInstancesOutput)
  .query(async ({ ctx }) => {
    const organization = { select: { id: true, slug: true } } as const;
    const [clusters, apps, databases] = await Promise.all([
      ctx.db.cluster.findMany({
        select: {
          id: true,
          name: true,
          orchestrator: true,
          provider: true,
          region: true,
          organization,
          assignment: pin,
        },
        orderBy: [{ organizationId: 'asc' }, { name: 'asc' }],
      }),
      ctx.db.app.findMany({
        select: {
          id: true,
          name: true,
          slug: true,
          projectId: true,
          organization,
          assignment: pin,
          cluster: { select: { name: true, assignment: pin } },
        },
        orderBy: [{ organizationId: 'asc' }, { name: 'asc' }],
      }),
      ctx.db.managedDatabase.findMany({
        select: {
          id: true,
          name: true,
          engine: true,
          version: true,
          projectId: true,
          organization,
          assignment: pin,
          cluster: { select: { name: true, assignment: pin } },
        },
        orderBy: [{ organizationId: 'asc' }, { name: 'asc' }],
      }),
    ]);
    return {
      instances: [
        ...clusters.map((cluster) => ({
          entityType: 'cluster' as const,
          entityId: cluster.id,
          name: cluster.name,
          subtitle: `${cluster.orchestrator} · ${cluster.provider} ${cluster.region}`,
          tenantId: cluster.organization.id,
          tenantSlug: cluster.organization.slug,
          projectId: null,
          nodeName: cluster.assignment?.nodeName ?? null,
          mode: cluster.assignment?.mode ?? null,
          explicit: cluster.assignment !== null,
        })),
        ...apps.map((app) => {
          const binding = app.assignment ?? app.cluster.assignment;
          return {
            entityType: 'app' as const,
            entityId: app.id,
            name: app.name,
            subtitle: `${app.slug} · on ${app.cluster.name}`,
            tenantId: app.organization.id,
            tenantSlug: app.organization.slug,
            projectId: app.projectId,
            nodeName: binding?.nodeName ?? null,
            mode: binding?.mode ?? null,
            explicit: app.assignment !== null,
          };
        }),
        ...databases.map((database) => {
          const binding = database.assignment ?? database.cluster.assignment;
          return {
            entityType: 'database' as const,
            entityId: database.id,
            name: database.name,
            subtitle: `${database.engine} ${database.version} · on ${database.cluster.name}`,
            tenantId: database.organization.id,
            tenantSlug: database.organization.slug,
            projectId: database.projectId,
            nodeName: binding?.nodeName ?? null,
            mode: binding?.mode ?? null,
            explicit: database.assignment !== null,
          };
        }),
      ],
    };
  });
