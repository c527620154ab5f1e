// The CAs of the organization's private registries, put on the servers that pull from them before
// a deploy, build or database needs them (`@flotilla/bootstrap/registry-ca`: Docker's certs.d, and
// on k3s registries.yaml and containerd's hosts.toml). Every running node of the cluster gets them,
// since any of them may be given a task; each compares first, so a deploy whose nodes have them
// already costs one command per node on the pooled connections. A node that joins later gets them
// as it joins (provisionNode, before init or join).
import { ensureRegistryCas, type RegistryCa } from '@flotilla/bootstrap/registry-ca';
import type { LogLevel, Node } from '@flotilla/db';
import { parseImageReference } from '@flotilla/deploy';
import { errorMessage } from '@flotilla/errors';
import type { SshSession } from '@flotilla/ssh';
import { loadCluster } from '../cluster-record.ts';
import type { Engine } from '../engine.ts';
import { connectNode } from './connect.ts';
import { serverTarget } from './obtain.ts';

export type { RegistryCa };

/** One line for people to read, on whatever log the job keeps. */
export type TrustLog = (message: string, level: LogLevel) => Promise<void>;

const connectTimeoutMs = 10_000;
/** Servers written to at once: a large cluster is not a burst of handshakes. */
const parallel = 10;

/**
 * The CAs of the organization's registries that serve `images` (every registry with a CA when
 * `images` is omitted: a build may pull its base from any of them). Two registries on one server
 * give one bundle of both CAs: dockerd reads one ca.crt per server.
 */
export async function registryCasFor(
  engine: Engine,
  organizationId: string,
  images?: readonly (string | null | undefined)[],
): Promise<RegistryCa[]> {
  const servers = images
    ? [
        ...new Set(
          images.flatMap((image) => {
            const server = image ? parseImageReference(image)?.registry : undefined;
            return server ? [server] : [];
          }),
        ),
      ]
    : undefined;
  if (servers?.length === 0) return [];
  const rows = await engine.db.registry.findMany({
    where: {
      organizationId,
      caCert: { not: null },
      ...(servers ? { server: { in: servers } } : {}),
    },
    orderBy: { createdAt: 'asc' },
    select: { server: true, caCert: true },
  });
  const byServer = new Map<string, string[]>();
  for (const row of rows) {
    const bundle = byServer.get(row.server) ?? [];
    if (row.caCert && !bundle.includes(row.caCert.trim())) bundle.push(row.caCert.trim());
    byServer.set(row.server, bundle);
  }
  return [...byServer].map(([server, certs]) => ({ server, caCert: `${certs.join('\n')}\n` }));
}

function describe(cas: readonly RegistryCa[]): string {
  return `registry CA of ${cas.map((ca) => ca.server).join(', ')}`;
}

/** The CAs on one server already reached (a build's manager, a node that just joined). */
export async function trustOnSession(
  session: SshSession,
  nodeName: string,
  cas: readonly RegistryCa[],
  log: TrustLog,
  options: { containerd?: boolean } = {},
): Promise<void> {
  if (cas.length === 0) return;
  const result = await ensureRegistryCas(session, cas, options);
  await log(
    `${describe(cas)} ${result.changed ? `written on ${nodeName} (${result.written.join(', ')})` : `already on ${nodeName}`}`,
    'info',
  );
  for (const note of result.notes) await log(`${nodeName}: ${note}`, 'warn');
}

/**
 * The CAs on every running node of the cluster (on k3s clusters, containerd's configuration
 * too). A node that cannot be reached or written is named in a warning and the rest go on: if
 * it is given a task, its pull fails and the deploy says so in the orchestrator's words.
 */
export async function trustOnCluster(
  engine: Engine,
  clusterId: string,
  cas: readonly RegistryCa[],
  log: TrustLog,
): Promise<void> {
  if (cas.length === 0) return;
  const cluster = await loadCluster(engine, clusterId);
  if (!cluster) return;
  const containerd = cluster.orchestrator === 'kubernetes';
  const nodes = cluster.nodes.filter(
    (n) => n.status === 'running' && n.address !== null && n.hostKey !== null,
  );
  const started = Date.now();
  const written: string[] = [];
  const unchanged: string[] = [];
  const failed: string[] = [];
  const notes: string[] = [];
  const one = async (node: Node) => {
    const target = serverTarget(node);
    if (!target) return;
    try {
      const session = await connectNode(engine, cluster, node, target, connectTimeoutMs);
      try {
        const result = await ensureRegistryCas(session, cas, { containerd });
        (result.changed ? written : unchanged).push(node.name);
        notes.push(...result.notes.map((note) => `${node.name}: ${note}`));
      } finally {
        await session.close();
      }
    } catch (error) {
      failed.push(`${node.name}: ${errorMessage(error)}`);
    }
  };
  const queue = [...nodes];
  await Promise.all(
    Array.from({ length: Math.min(parallel, queue.length) }, async () => {
      for (let node = queue.shift(); node; node = queue.shift()) await one(node);
    }),
  );
  const parts = [
    written.length ? `written on ${written.sort().join(', ')}` : '',
    unchanged.length ? `already on ${unchanged.sort().join(', ')}` : '',
  ].filter(Boolean);
  await log(
    `${describe(cas)} ${parts.join('; ') || 'on no node (none is running)'}${containerd ? ' (Docker and k3s containerd)' : ''} (${Date.now() - started} ms)`,
    'info',
  );
  for (const note of notes) await log(note, 'warn');
  if (failed.length) {
    await log(`${describe(cas)} not written on ${failed.join('; ')}`, 'warn');
  }
}
