import { isUniqueViolation, newId } from '@flotilla/db';
import { writeOutboxJob } from '@flotilla/queue';
import { conflict, fieldError } from '../../errors.ts';
import { idempotent } from '../../idempotency.ts';
import { checkHosts } from '../../network.ts';
import { nodeQuota, reserveQuota } from '../../quota.ts';
import { type AuthedContext, type Meta, organizationProcedure } from '../../trpc.ts';
import {
  type ClusterCreateInput,
  clusterCreateInput,
  clusterCreateOutput,
} from './create.schema.ts';
import { clusterDetailOf } from './rows.ts';
import { validateTopology } from './topology.ts';

export const meta = {
  summary: 'Provision a new cluster (asynchronous: answers at once, in `provisioning`)',
  http: { method: 'POST', status: 201, idempotent: true },
  input: clusterCreateInput,
  output: clusterCreateOutput,
} satisfies Meta;

/** The node rows a create asks for, managers first: the lowest ordinal forms the control plane. */
function plannedNodes(input: ClusterCreateInput) {
  if (input.provider === 'ssh') {
    return [...input.nodes]
      .sort((a, b) => (a.role === b.role ? 0 : a.role === 'manager' ? -1 : 1))
      .map((n) => ({
        role: n.role,
        plan: null,
        address: n.host,
        sshPort: n.port,
        sshUser: n.user,
      }));
  }
  return [...input.nodes]
    .sort((a, b) => (a.role === b.role ? 0 : a.role === 'manager' ? -1 : 1))
    .flatMap((group) =>
      Array.from({ length: group.count }, () => ({ role: group.role, plan: group.plan })),
    );
}

/**
 * SSH keys and provider credentials must be the organization's own. A cloud create that names no
 * credential gets the organization's one credential for that provider, or, among several, the
 * one named `default` (what `provider.setCredentials` stores without a name). With none to pick
 * the create is refused here: a cluster accepted now would only fail in the worker later.
 */
async function resolveReferences(
  ctx: AuthedContext,
  input: ClusterCreateInput,
): Promise<{ providerCredentialId: string | null }> {
  if (input.provider === 'ssh') {
    const key = await ctx.db.sshKey.findFirst({
      where: { id: input.sshKeyId, organizationId: input.organizationId },
      select: { id: true },
    });
    if (!key) throw fieldError('sshKeyId', 'no SSH key with this id in the organization');
    return { providerCredentialId: null };
  }
  if (input.providerCredentialId) {
    const credential = await ctx.db.providerCredential.findFirst({
      where: { id: input.providerCredentialId, organizationId: input.organizationId },
      select: { provider: true },
    });
    if (!credential) {
      throw fieldError(
        'providerCredentialId',
        'no provider credential with this id in the organization',
      );
    }
    if (credential.provider !== input.provider) {
      throw fieldError(
        'providerCredentialId',
        `this credential is for ${credential.provider}, not ${input.provider}`,
      );
    }
    return { providerCredentialId: input.providerCredentialId };
  }
  const stored = await ctx.db.providerCredential.findMany({
    where: { organizationId: input.organizationId, provider: input.provider },
    select: { id: true, name: true },
    orderBy: { name: 'asc' },
  });
  const chosen = stored.length === 1 ? stored[0] : stored.find((c) => c.name === 'default');
  if (chosen) return { providerCredentialId: chosen.id };
  throw fieldError(
    'providerCredentialId',
    stored.length === 0
      ? `this organization has no ${input.provider} credentials: store them with provider.setCredentials, then create the cluster`
      : `this organization has ${stored.length} ${input.provider} credentials (${stored.map((c) => c.name).join(', ')}) and none named "default": give providerCredentialId, or store one as "default" with provider.setCredentials`,
  );
}

export const procedure = organizationProcedure('admin', clusterCreateInput)
  .meta(meta)
  .output(clusterCreateOutput)
  .mutation(async ({ ctx, input }) => {
    validateTopology(input);
    if (input.provider === 'ssh') {
      await checkHosts(
        ctx,
        input.nodes.map((node, index) => ({ host: node.host, field: `nodes.${index}.host` })),
      );
    }
    const { providerCredentialId } = await resolveReferences(ctx, input);
    ctx.audit.targetType = 'cluster';
    const taken = () => conflict(`A cluster named "${input.name}" exists in this organization`);
    try {
      const result = await idempotent(ctx, 'cluster.create', input, async (tx) => {
        const existing = await tx.cluster.findUnique({
          where: {
            organizationId_name: { organizationId: input.organizationId, name: input.name },
          },
          select: { id: true },
        });
        if (existing) throw taken();
        const nodes = plannedNodes(input);
        const organizationId = input.organizationId;
        const clusterId = newId('cls');
        await tx.cluster.create({
          data: {
            id: clusterId,
            organizationId: input.organizationId,
            name: input.name,
            provider: input.provider,
            region: input.region,
            orchestrator: input.orchestrator,
            status: 'provisioning',
            statusReason: 'cluster requested',
            sshKeyId: input.provider === 'ssh' ? input.sshKeyId : null,
            providerCredentialId,
            createdById: ctx.principal.userId,
          },
        });
        await tx.node.createMany({
          data: nodes.map((planned, index) => ({
            id: newId('node'),
            clusterId,
            name: `${input.name}-${index + 1}`,
            ordinal: index + 1,
            status: 'provisioning' as const,
            ...planned,
          })),
        });
        await tx.statusTransition.create({
          data: { clusterId, toStatus: 'provisioning', reason: 'cluster requested' },
        });
        await writeOutboxJob(tx, 'provisionCluster', { clusterId });
        const detail = await clusterDetailOf(tx, clusterId);
        // Last, so the organization's quota locks are held only for the count and the commit.
        const written = { written: true };
        await reserveQuota(tx, ctx.quotaDefaults, organizationId, 'clusters', 1, written);
        await reserveQuota(
          tx,
          ctx.quotaDefaults,
          organizationId,
          nodeQuota(input.provider),
          nodes.length,
          written,
        );
        return detail;
      });
      ctx.audit.clusterId = result.id;
      ctx.audit.targetId = result.id;
      ctx.onOutboxWritten();
      return result;
    } catch (error) {
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
  });
