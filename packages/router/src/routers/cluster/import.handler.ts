import { isUniqueViolation, newId } from '@flotilla/db';
import { errorMessage } from '@flotilla/errors';
import { clusterStatusFromNodes } from '@flotilla/lifecycle';
import { kubeconfigContext, sshKeyContext } from '@flotilla/secrets';
import { connect, type SshSession } from '@flotilla/ssh';
import { conflict, fieldError } from '../../errors.ts';
import { checkHosts } from '../../network.ts';
import { nodeQuota, reserveQuota } from '../../quota.ts';
import { type Meta, organizationProcedure } from '../../trpc.ts';
import { type DiscoveredNode, discover, fetchKubeconfig, NotAManagerError } from './adoption.ts';
import { clusterImportInput, clusterImportOutput } from './import.schema.ts';
import { clusterDetailOf } from './rows.ts';

export const meta = {
  summary:
    'Adopt a Swarm (or k3s cluster) Flotilla did not create, through SSH to one of its managers: its nodes are discovered and watched from then on; removing it forgets it and leaves the servers running',
  http: { method: 'POST', status: 201 },
  input: clusterImportInput,
  output: clusterImportOutput,
} satisfies Meta;

/** The manager we reached first (it forms the control plane for Flotilla), then managers, then workers. */
function ordered(nodes: DiscoveredNode[]): DiscoveredNode[] {
  const rank = (n: DiscoveredNode) => (n.self ? 0 : n.role === 'manager' ? 1 : 2);
  return [...nodes].sort((a, b) => rank(a) - rank(b) || a.hostname.localeCompare(b.hostname));
}

/** Node names are unique per cluster; two servers with one hostname get a suffix. */
function uniqueNames(nodes: DiscoveredNode[]): string[] {
  const seen = new Map<string, number>();
  return nodes.map((node) => {
    const base = node.hostname.slice(0, 60) || node.orchestratorNodeId.slice(0, 12);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}-${count}`;
  });
}

export const procedure = organizationProcedure('admin', clusterImportInput)
  .meta(meta)
  .output(clusterImportOutput)
  .mutation(async ({ ctx, input }) => {
    const { organizationId } = input;
    ctx.audit.targetType = 'cluster';
    // The network policy first, as for cluster.create: nothing is dialled that it refuses.
    await checkHosts(ctx, [{ host: input.host, field: 'host' }]);
    const key = await ctx.db.sshKey.findFirst({
      where: { id: input.sshKeyId, organizationId },
      select: { id: true, privateKeyEncrypted: true },
    });
    if (!key) throw fieldError('sshKeyId', 'no SSH key with this id in the organization');
    const taken = () => conflict(`A cluster named "${input.name}" exists in this organization`);
    const existing = await ctx.db.cluster.findUnique({
      where: { organizationId_name: { organizationId, name: input.name } },
      select: { id: true },
    });
    if (existing) throw taken();

    // Everything is read from the manager before anything is written: a server that is not a
    // manager (or not reachable) leaves no trace.
    const checked = await ctx.networkPolicy.checkHost(input.host, 'host');
    const dial = checked.addresses[0]?.address ?? input.host;
    const where = `${input.user}@${input.host}:${input.port}`;
    const privateKey = ctx.sealer.open(key.privateKeyEncrypted, sshKeyContext(key.id));
    let session: SshSession;
    try {
      session = await connect({
        host: dial,
        port: input.port,
        username: input.user,
        privateKey,
        timeoutMs: 10_000,
      });
    } catch (error) {
      const message = errorMessage(error);
      if (/authentication/i.test(message)) {
        throw fieldError('sshKeyId', `${where} refused this key: ${message}`);
      }
      throw fieldError('host', `${where} could not be reached over SSH: ${message}`);
    }
    /** The host key another manager presents, if the policy lets us dial it and it answers. */
    const hostKeyOf = async (address: string): Promise<string | null> => {
      try {
        const allowed = await ctx.networkPolicy.checkHost(address, 'host');
        const other = await connect({
          host: allowed.addresses[0]?.address ?? address,
          port: input.port,
          username: input.user,
          privateKey,
          timeoutMs: 5_000,
        });
        await other.close();
        return other.hostKey;
      } catch {
        return null;
      }
    };
    let discovery: Awaited<ReturnType<typeof discover>>;
    let kubeconfig: string | null = null;
    const hostKey = session.hostKey;
    try {
      discovery = await discover(session, input.orchestrator);
      if (input.orchestrator === 'kubernetes')
        kubeconfig = await fetchKubeconfig(session, input.host);
    } catch (error) {
      if (error instanceof NotAManagerError) throw fieldError('host', `${where}: ${error.detail}`);
      throw error;
    } finally {
      await session.close();
    }
    // k3s names nodes by hostname, which may differ from what the server calls itself.
    if (!discovery.nodes.some((n) => n.self)) {
      const byAddress = discovery.nodes.find((n) => n.address === dial || n.address === input.host);
      if (byAddress) byAddress.self = true;
    }
    if (!discovery.nodes.some((n) => n.self && n.role === 'manager')) {
      throw fieldError(
        'host',
        `${where}: this server is not among the managers its cluster lists (${discovery.nodes.map((n) => n.hostname).join(', ')})`,
      );
    }
    const nodes = ordered(discovery.nodes);
    const names = uniqueNames(nodes);
    // The other managers are asked too, with the same key: those that answer have their host key
    // pinned now, so the health check can fall back on them with a key to hold them to. (Workers
    // are never dialled: the managers speak for them.)
    const otherKeys = new Map(
      await Promise.all(
        nodes
          .filter((n) => !n.self && n.role === 'manager' && n.address)
          .map(async (n) => [n.orchestratorNodeId, await hostKeyOf(n.address as string)] as const),
      ),
    );
    const rows = nodes.map((node, index) => ({
      id: newId('node'),
      name: names[index] as string,
      role: node.role,
      ordinal: index + 1,
      status: node.ready ? ('running' as const) : ('down' as const),
      statusReason: node.ready
        ? 'adopted: reported Ready by the managers'
        : `adopted: the managers report it ${node.state}`,
      orchestratorNodeId: node.orchestratorNodeId,
      version: node.version,
      // The server we reached is dialled as given; the others' addresses are the orchestrator's.
      address: node.self ? input.host : node.address,
      sshPort: input.port,
      sshUser: input.user,
      hostKey: node.self ? hostKey : (otherKeys.get(node.orchestratorNodeId) ?? null),
      lastStep: 'adopted',
    }));
    const status = clusterStatusFromNodes(rows);
    const down = rows.filter((r) => r.status !== 'running').map((r) => r.name);
    const reason = down.length
      ? `adopted: ${down.join(', ')} not ready`
      : `adopted: ${rows.length} node(s) ready`;
    try {
      const result = await ctx.db.$transaction(async (tx) => {
        await reserveQuota(tx, ctx.quotaDefaults, organizationId, 'clusters', 1);
        await reserveQuota(tx, ctx.quotaDefaults, organizationId, nodeQuota('ssh'), rows.length);
        const clusterId = newId('cls');
        await tx.cluster.create({
          data: {
            id: clusterId,
            organizationId,
            name: input.name,
            provider: 'ssh',
            region: input.region,
            orchestrator: input.orchestrator,
            status,
            statusReason: reason,
            sshKeyId: key.id,
            adopted: true,
            orchestratorVersion: discovery.version,
            kubeconfigEncrypted: kubeconfig
              ? ctx.sealer.seal(kubeconfig, kubeconfigContext(clusterId))
              : null,
            createdById: ctx.principal.userId,
          },
        });
        await tx.node.createMany({ data: rows.map((row) => ({ ...row, clusterId })) });
        await tx.statusTransition.create({ data: { clusterId, toStatus: status, reason } });
        return clusterDetailOf(tx, clusterId);
      });
      Object.assign(ctx.audit, {
        clusterId: result.id,
        targetId: result.id,
        details: `Adopted a ${input.orchestrator} cluster of ${rows.length} node(s) through ${input.host} (${discovery.version})`,
      });
      return result;
    } catch (error) {
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
  });
