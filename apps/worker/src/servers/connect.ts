// ssh.wait and ssh.hostkey: reach the server, and trust on first use. The host key seen on the
// first successful contact is pinned on the node; every later connection must present the same
// key, or the node goes to `error` without retries (a replaced server or a man in the middle).
// Jobs reach servers through the worker's pool: one connection per server, its commands as
// channels on it, whoever asks (see Engine.ssh).
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
import { step } from '../step.ts';
import type { ServerTarget } from './obtain.ts';

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

/**
 * How to reach the node. Its host is checked against the network policy first (a name resolved,
 * every address judged) and the checked address is what gets dialled: a row written before the
 * policy refused its address, or a name that now resolves somewhere refused, gets no connection
 * (an `invalid` failure naming the rule, never retried).
 */
async function connectOptions(
  engine: Engine,
  cluster: ClusterRecord,
  node: Pick<Node, 'hostKey'>,
  target: ServerTarget,
  timeoutMs: number,
): Promise<ConnectOptions> {
  const checked = await engine.networkPolicy.checkHost(target.host, 'address');
  return {
    host: (checked.addresses[0] as { address: string }).address,
    port: target.port,
    username: target.username,
    privateKey: privateKeyOf(engine, cluster),
    ...(node.hostKey ? { expectedHostKey: node.hostKey } : {}),
    timeoutMs,
  };
}

/**
 * A session on the node's server, on the worker's shared connection to it (opened if there is
 * none, held to the pinned key; any key when none is pinned yet). `close()` releases the session
 * and leaves the connection to the others.
 */
export async function connectNode(
  engine: Engine,
  cluster: ClusterRecord,
  node: Pick<Node, 'name' | 'hostKey'>,
  target: ServerTarget,
  timeoutMs: number,
): Promise<SshSession> {
  try {
    return await engine.ssh.session(await connectOptions(engine, cluster, node, target, timeoutMs));
  } catch (error) {
    if (error instanceof HostKeyMismatchError) throw changed(node, error);
    throw error;
  }
}

/**
 * A connection of its own, opened now: for the health check, whose question is whether the
 * server answers a new handshake with its pinned key now. A connection opened earlier proves
 * neither (a server whose sshd was given another key, or which stopped accepting connections,
 * still serves the ones already open). One per manager per pass, so it adds no load that matters.
 */
export async function dialNode(
  engine: Engine,
  cluster: ClusterRecord,
  node: Pick<Node, 'name' | 'hostKey'>,
  target: ServerTarget,
  timeoutMs: number,
): Promise<SshSession> {
  try {
    return await connect(await connectOptions(engine, cluster, node, target, timeoutMs));
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
          await connectOptions(engine, cluster, node, target, Math.min(10_000, waitMs)),
          { timeoutMs: waitMs, connect: engine.ssh.session },
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
