import { isUniqueViolation, newId } from '@flotilla/db';
import { requireCluster } from '../../access.ts';
import { conflict, fieldError } from '../../errors.ts';
import { idempotent } from '../../idempotency.ts';
import { authedProcedure, type Meta } from '../../trpc.ts';
import { appCreateInput, appCreateOutput } from './create.schema.ts';
import { lockApp, queueDeployment } from './deployments.ts';
import {
  claimPublishedPort,
  clusterOf,
  lockClusterPlacement,
  projectOf,
  refuseTakenDomain,
  serviceNameFor,
} from './placement.ts';
import { appOut, appSelect } from './rows.ts';
import { slugOf } from './schema.ts';
import { sealSecretEnv } from './secrets.ts';
import { checkEnvNames, checkRegistry, checkRepoUrl } from './validation.ts';

export const meta = {
  summary:
    'Create an app on a cluster (asynchronous: image and git apps deploy at once; upload apps wait for app.build)',
  http: { method: 'POST', status: 201, idempotent: true },
  input: appCreateInput,
  output: appCreateOutput,
} satisfies Meta;

// Who may: manage permission on the cluster the app goes to (known only once the default
// cluster is resolved), so access is checked here rather than by a builder.
export const procedure = authedProcedure
  .meta(meta)
  .input(appCreateInput)
  .output(appCreateOutput)
  .mutation(async ({ ctx, input }) => {
    const clusterId = await clusterOf(ctx, input.organizationId, input.clusterId);
    const { cluster } = await requireCluster(ctx, clusterId, 'manage');
    if (input.organizationId && input.organizationId !== cluster.organizationId) {
      throw fieldError('clusterId', 'is a cluster of another organization');
    }
    const organizationId = cluster.organizationId;
    const slug = input.slug ?? slugOf(input.name);
    if (!slug)
      throw fieldError('slug', 'is required: the name has no letters or digits to make one');
    checkEnvNames(input.env, input.secretEnv);
    if (input.sourceType === 'git') await checkRepoUrl(ctx, input.repoUrl);
    await checkRegistry(ctx, organizationId, input.registryId);
    ctx.audit.targetType = 'app';
    const taken = () =>
      conflict(`An app named "${input.name}" (slug "${slug}") exists in this project`);
    try {
      const result = await idempotent(ctx, 'app.create', input, async (tx) => {
        const projectId = await projectOf(tx, organizationId, input.projectId);
        const existing = await tx.app.findFirst({
          where: { projectId, OR: [{ name: input.name }, { slug }] },
          select: { id: true },
        });
        if (existing) throw taken();
        // The cluster must still be there and not on its way out.
        const [row] = await tx.$queryRaw<{ status: string }[]>`
          select status::text from "Cluster" where id = ${clusterId} for share`;
        if (!row) throw conflict('The cluster was removed meanwhile');
        if (row.status === 'deleting') throw conflict('The cluster is being deleted');
        await lockClusterPlacement(tx, clusterId);
        if (input.domain) await refuseTakenDomain(tx, clusterId, input.domain, null);
        const id = newId('app');
        await tx.app.create({
          data: {
            id,
            organizationId,
            projectId,
            clusterId,
            name: input.name,
            slug,
            serviceName: await serviceNameFor(tx, clusterId, slug),
            sourceType: input.sourceType,
            imageUrl: input.sourceType === 'image' ? input.imageUrl : null,
            repoUrl: input.sourceType === 'git' ? input.repoUrl : null,
            repoBranch: input.sourceType === 'git' ? input.repoBranch : null,
            buildCommand: input.sourceType === 'image' ? null : (input.buildCommand ?? null),
            port: input.port ?? null,
            replicas: input.replicas,
            command: input.command ?? [],
            env: input.env,
            secretEnvEncrypted: sealSecretEnv(ctx.sealer, id, input.secretEnv),
            domain: input.domain ?? null,
            registryId: input.registryId ?? null,
            createdById: ctx.principal.userId,
          },
        });
        // An app without a port serves nothing outside; one with a port gets a published one.
        if (input.port !== undefined) {
          await claimPublishedPort(tx, clusterId, id, input.publishedPort);
        } else if (input.publishedPort !== undefined) {
          throw fieldError('port', 'is required with publishedPort: the port the app listens on');
        }
        if (input.sourceType !== 'upload') {
          await lockApp(tx, id);
          await queueDeployment(tx, {
            appId: id,
            trigger: 'create',
            image: input.sourceType === 'image' ? input.imageUrl : null,
            ...(input.sourceType === 'git'
              ? { build: { source: 'git', repoUrl: input.repoUrl, repoBranch: input.repoBranch } }
              : {}),
            createdById: ctx.principal.userId,
          });
        }
        const created = await tx.app.findUniqueOrThrow({ where: { id }, select: appSelect });
        return appOut(created, Object.keys(input.secretEnv).sort());
      });
      ctx.audit.targetId = result.id;
      ctx.audit.details =
        input.sourceType === 'image'
          ? `Created app ${result.name} from image ${input.imageUrl}`
          : `Created app ${result.name} (${input.sourceType} source)`;
      if (input.sourceType !== 'upload') ctx.onOutboxWritten();
      return result;
    } catch (error) {
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
  });
