// ssh.wait and ssh.hostkey: reach the server, and trust on first use. The host key seen on the
// first successful contact is pinned on the node; every later connection must present the same
// key, or the node goes to `error` without retries (a replaced server or a man in the middle).
import type { Node } from '@flotilla/db';
import { sshKeyContext } from '@flotilla/secrets';
import {
  type ConnectOptions,
  connect,
  fingerprint,
  HostKeyMismatchError,
  type SshSession,
  waitForSsh,
} from '@flotilla/ssh';
import type { ClusterRecord } from '../cluster-record.ts';
import type { Engine } from '../engine.ts';
import { HostKeyChangedError, PermanentError } from '../errors.ts';
import type { ServerTarget } from './obtain-server.ts';
import { step } from './step.ts';

function privateKeyOf(engine: Engine, cluster: ClusterRecord): string {
  if (!cluster.sshKey) throw new PermanentError(`cluster ${cluster.name} has no SSH key`);
  return engine.sealer.open(cluster.sshKey.privateKeyEncrypted, sshKeyContext(cluster.sshKey.id));
}

function changed(node: Pick<Node, 'name'>, error: HostKeyMismatchError): HostKeyChangedError {
  return new HostKeyChangedError(
    node.name,
    fingerprint(error.expected),
    fingerprint(error.presented),
  );
}

function connectOptions(
  engine: Engine,
  cluster: ClusterRecord,
  node: Pick<Node, 'hostKey'>,
  target: ServerTarget,
  timeoutMs: number,
): ConnectOptions {
  return {
    host: target.host,
    port: target.port,
    username: target.username,
    privateKey: privateKeyOf(engine, cluster),
    ...(node.hostKey ? { expectedHostKey: node.hostKey } : {}),
    timeoutMs,
  };
}

/** One connection to a node, held to its pinned key (any key when none is pinned yet). */
export async function connectNode(
  engine: Engine,
  cluster: ClusterRecord,
  node: Pick<Node, 'name' | 'hostKey'>,
  target: ServerTarget,
  timeoutMs: number,
): Promise<SshSession> {
  try {
    return await connect(connectOptions(engine, cluster, node, target, timeoutMs));
  } catch (error) {
    if (error instanceof HostKeyMismatchError) throw changed(node, error);
    throw error;
  }
}

/** ssh.wait then ssh.hostkey: keeps trying until the server answers, then pins its key. */
export async function reachNode(
  engine: Engine,
  cluster: ClusterRecord,
  node: Node,
  target: ServerTarget,
): Promise<SshSession> {
  const scope = { clusterId: cluster.id, nodeId: node.id };
  const waitMs = engine.settings.sshWaitTimeoutMs;
  const session = await step(
    engine,
    scope,
    'ssh.wait',
    async () => {
      // Refused, unreachable or silent: a server still booting. A changed key: never retried.
      try {
        return await waitForSsh(
          connectOptions(engine, cluster, node, target, Math.min(10_000, waitMs)),
          { timeoutMs: waitMs },
        );
      } catch (error) {
        if (error instanceof HostKeyMismatchError) throw changed(node, error);
        throw error;
      }
    },
    () => `SSH answered on ${target.host}:${target.port}`,
  );
  try {
    await step(
      engine,
      scope,
      'ssh.hostkey',
      () => pinHostKey(engine, node, session.hostKey),
      (pinnedNow) =>
        pinnedNow
          ? `pinned host key ${fingerprint(session.hostKey)} on first contact`
          : `host key ${fingerprint(session.hostKey)} matches the pinned one`,
    );
  } catch (error) {
    await session.close();
    throw error;
  }
  return session;
}

/** Stores the key if none is pinned yet; true when this call pinned it. */
async function pinHostKey(engine: Engine, node: Node, hostKey: string): Promise<boolean> {
  const { count } = await engine.db.node.updateMany({
    where: { id: node.id, hostKey: null },
    data: { hostKey },
  });
  if (count === 1) {
    node.hostKey = hostKey;
    return true;
  }
  // Pinned meanwhile (an earlier attempt, another worker): it must be the same key.
  const current = await engine.db.node.findUnique({ where: { id: node.id } });
  if (current?.hostKey && current.hostKey.trim() !== hostKey.trim()) {
    throw new HostKeyChangedError(node.name, fingerprint(current.hostKey), fingerprint(hostKey));
  }
  node.hostKey = current?.hostKey ?? hostKey;
  return false;
}
