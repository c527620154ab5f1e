// provisionNode: one node from nothing to `running` — server, SSH, host key, runtime, join,
// Ready, label. The first manager runs the same path with `init` instead of `join`.
import { ensureRegistryCas } from '@flotilla/bootstrap/registry-ca';
import type { Node } from '@flotilla/db';
import { codeOf, errorMessage, isRetryable } from '@flotilla/errors';
import {
  appendLog,
  IllegalTransitionError,
  NotFoundError,
  transitionNode,
} from '@flotilla/lifecycle';
import type { JobData } from '@flotilla/queue';
import { kubeconfigContext } from '@flotilla/secrets';
import type { SshSession } from '@flotilla/ssh';
import { type ClusterRecord, firstManager, loadCluster } from '../cluster-record.ts';
import type { Attempt, Engine } from '../engine.ts';
import { ClusterGoneError, NodeRemovedError, ProvisioningStoppedError } from '../errors.ts';
import { failNode } from '../failures.ts';
import {
  driverFor,
  type OrchestratorDriver,
  type OrchestratorNode,
} from '../orchestrators/index.ts';
import { reconcileCluster } from '../reconcile.ts';
import { type JoinSecrets, openJoinSecrets, sealJoinSecrets } from '../sealed.ts';
import { isCloud } from '../servers/cloud.ts';
import { ensureClusterKey } from '../servers/cluster-key.ts';
import { connectNode, reachNode } from '../servers/connect.ts';
import { obtainServer, type ServerTarget, serverTarget } from '../servers/obtain.ts';
import { registryCasFor } from '../servers/registry-ca.ts';
import { assertClusterActive, step } from '../step.ts';

export async function provisionNode(
  engine: Engine,
  { clusterId, nodeId }: JobData<'provisionNode'>,
  attempt: Attempt,
): Promise<void> {
  const loaded = await loadCluster(engine, clusterId);
  const node = loaded?.nodes.find((n) => n.id === nodeId);
  if (!loaded || loaded.status === 'deleting' || !node || node.status === 'deleting') return;
  const cluster = isCloud(loaded.provider) ? await ensureClusterKey(engine, loaded) : loaded;
  const leader = firstManager(cluster.nodes);
  const mode = leader?.id === node.id && leader.status !== 'running' ? 'init' : 'join';
  const ok = await attemptNode(engine, cluster, node, mode, attempt);
  if (ok) await reconcileCluster(engine.db, clusterId);
}

/**
 * Runs bringUpNode; on the last attempt (or a failure no retry can fix) the node goes to
 * `error` with the reason and (unless the caller judges it) the cluster is re-judged.
 * False when the cluster is being deleted.
 */
export async function attemptNode(
  engine: Engine,
  cluster: ClusterRecord,
  node: Node,
  mode: 'init' | 'join',
  attempt: Attempt,
  { judgeCluster = true }: { judgeCluster?: boolean } = {},
): Promise<boolean> {
  try {
    await bringUpNode(engine, cluster, node, mode);
    return true;
  } catch (error) {
    if (takenDown(error)) return false;
    if (attempt.final || !isRetryable(error)) {
      await failNode(engine, node.id, errorMessage(error), codeOf(error));
      if (judgeCluster) await reconcileCluster(engine.db, cluster.id);
    } else {
      await appendLog(engine.db, {
        clusterId: cluster.id,
        nodeId: node.id,
        step: 'node.retry',
        level: 'warn',
        message: `attempt ${attempt.number} failed and will be retried: ${errorMessage(error)}`,
      });
    }
    throw error;
  }
}

/**
 * The node or its cluster was taken down while the job ran: said by a step's check, or by the
 * state machine refusing the node's next status (it is `deleting`) or finding its row gone. The
 * job stops there, recording no failure: the removal owns the node now.
 */
function takenDown(error: unknown): boolean {
  return (
    error instanceof ProvisioningStoppedError ||
    error instanceof IllegalTransitionError ||
    error instanceof NotFoundError
  );
}

export async function bringUpNode(
  engine: Engine,
  cluster: ClusterRecord,
  node: Node,
  mode: 'init' | 'join',
): Promise<void> {
  if (node.status === 'running' && node.orchestratorNodeId) return;
  if (node.status !== 'provisioning') {
    await transitionNode(engine.db, node.id, 'provisioning', 'provisioning again');
  }
  const driver = driverFor(cluster.orchestrator, engine.settings);
  const scope = { clusterId: cluster.id, nodeId: node.id };
  const target = await obtainServer(engine, cluster, node);
  const sessions: SshSession[] = [];
  try {
    const session = await reachNode(engine, cluster, node, target);
    sessions.push(session);
    await step(
      engine,
      scope,
      driver.prepareStep,
      () => driver.prepare(session),
      (m) => m,
    );
    // The organization's private registries' CAs before the node joins: a task placed on it
    // the moment it is Ready pulls with them (later deploys find them in place).
    const cas = await registryCasFor(engine, cluster.organizationId);
    if (cas.length > 0) {
      await step(
        engine,
        scope,
        'registry.ca',
        () =>
          ensureRegistryCas(session, cas, { containerd: cluster.orchestrator === 'kubernetes' }),
        (r) =>
          `registry CA of ${cas.map((ca) => ca.server).join(', ')} ${r.changed ? `written (${r.written.join(', ')})` : 'already there'}`,
      );
    }

    let manager = session;
    let memberId: string;
    let ready: OrchestratorNode | undefined;
    if (mode === 'init') {
      ({ memberId, ready } = await formControlPlane(
        engine,
        cluster,
        node,
        driver,
        session,
        target,
      ));
    } else {
      const joined = await joinCluster(engine, cluster, node, driver, session, target, sessions);
      manager = joined.manager;
      memberId = joined.memberId;
      await engine.db.node.update({
        where: { id: node.id },
        data: { orchestratorNodeId: memberId },
      });
    }
    await step(
      engine,
      scope,
      'node.ready',
      // A first manager may have been seen Ready and labelled by the init command itself; the
      // others wait on the cluster's one reader of the node list.
      async () =>
        ready ??
        engine.readiness.wait({
          clusterId: cluster.id,
          driver,
          manager,
          memberId,
          flotillaNodeId: node.id,
          timeoutMs: engine.settings.readyTimeoutMs,
        }),
      (n) =>
        `${n.hostname} reports Ready as ${n.manager ? 'manager' : 'worker'} (${n.id}); ` +
        `labelled with Flotilla's node id ${node.id}`,
    );
    await assertClusterActive(engine, cluster.id, node.id);
    await transitionNode(engine.db, node.id, 'running', 'joined and Ready');
  } finally {
    await Promise.allSettled(sessions.map((s) => s.close()));
  }
}

/**
 * `init` on the first manager; the join secrets (and k3s's kubeconfig) stored sealed. Resolves
 * to the server's id in the cluster, recorded before the secrets (the nodes waiting to join
 * look for both), and the node as init saw it Ready, when the driver checks that too.
 */
async function formControlPlane(
  engine: Engine,
  cluster: ClusterRecord,
  node: Node,
  driver: OrchestratorDriver,
  session: SshSession,
  target: ServerTarget,
): Promise<{ memberId: string; ready?: OrchestratorNode }> {
  const scope = { clusterId: cluster.id, nodeId: node.id };
  const current = await loadCluster(engine, cluster.id);
  const existing = current?.joinSecretsEncrypted
    ? openJoinSecrets(engine.sealer, cluster.id, current.joinSecretsEncrypted)
    : null;
  const { secrets, memberId, ready } = await step(
    engine,
    scope,
    `${driver.name}.init`,
    () =>
      driver.init(session, {
        advertiseAddress: target.advertiseAddress,
        nodeName: node.name,
        existing,
        flotillaNodeId: node.id,
      }),
    (r) => r.message,
  );
  await engine.db.node.update({ where: { id: node.id }, data: { orchestratorNodeId: memberId } });
  await engine.db.cluster.update({
    where: { id: cluster.id },
    data: { joinSecretsEncrypted: sealJoinSecrets(engine.sealer, cluster.id, secrets) },
  });
  // The nodes waiting in this process to join go now, not at their next read.
  engine.clusterWatch.wake(cluster.id);
  const fetchKubeconfig = driver.kubeconfig;
  if (fetchKubeconfig) {
    const kubeconfig = await step(
      engine,
      scope,
      `${driver.name}.kubeconfig`,
      () => fetchKubeconfig(session, target.host),
      () => `admin kubeconfig stored encrypted (server https://${target.host}:6443)`,
    );
    await engine.db.cluster.update({
      where: { id: cluster.id },
      data: { kubeconfigEncrypted: engine.sealer.seal(kubeconfig, kubeconfigContext(cluster.id)) },
    });
  }
  return ready ? { memberId, ready } : { memberId };
}

/**
 * A manager to join through: any running one (the tokens are the cluster's, so one being down
 * does not block a join), the lowest ordinal first so joins normally go through the same one;
 * while the cluster is first formed, its first manager as soon as the swarm exists there.
 */
function joinableManager(nodes: readonly Node[], joining: Node): Node | undefined {
  const others = nodes.filter((n) => n.role === 'manager' && n.id !== joining.id);
  const leader = firstManager(nodes);
  return (
    others.find((n) => n.status === 'running') ??
    (leader &&
    leader.id !== joining.id &&
    leader.status === 'provisioning' &&
    leader.orchestratorNodeId
      ? leader
      : undefined)
  );
}

/**
 * manager.wait: the node was prepared while the first manager forms the control plane; this
 * watches the database (not the queue, whose retry backoff would add seconds) until it is formed,
 * through the one read per cluster that every node waiting in this process shares.
 */
function awaitControlPlane(
  engine: Engine,
  cluster: ClusterRecord,
  node: Node,
): Promise<{ current: ClusterRecord; manager: Node; secrets: JoinSecrets }> {
  const timeoutMs = engine.settings.controlPlaneWaitMs ?? 10 * 60_000;
  return engine.clusterWatch.wait(
    cluster.id,
    (current) => {
      if (!current || current.status === 'deleting') throw new ClusterGoneError(cluster.id);
      const self = current.nodes.find((n) => n.id === node.id);
      // Gone with its cluster, or being removed.
      if (!self || self.status === 'deleting') throw new NodeRemovedError(node.id);
      // provisionCluster gave up forming the control plane and said so on this node.
      if (self.status !== 'provisioning')
        throw new ProvisioningStoppedError(`node ${node.id} is ${self.status}`);
      if (!current.joinSecretsEncrypted) return undefined;
      const manager = joinableManager(current.nodes, node);
      if (!manager) return undefined;
      const secrets = openJoinSecrets(engine.sealer, cluster.id, current.joinSecretsEncrypted);
      return { current, manager, secrets };
    },
    {
      timeoutMs,
      timeoutMessage: () =>
        `no manager of the cluster was running to join through within ${timeoutMs} ms; joining will be retried`,
    },
  );
}

/**
 * `join` through a manager; resolves to a session on that manager (opened while the join runs)
 * and the node's id in the cluster. Sessions opened here are added to `sessions` for closing.
 */
async function joinCluster(
  engine: Engine,
  cluster: ClusterRecord,
  node: Node,
  driver: OrchestratorDriver,
  session: SshSession,
  target: ServerTarget,
  sessions: SshSession[],
): Promise<{ manager: SshSession; memberId: string }> {
  const scope = { clusterId: cluster.id, nodeId: node.id };
  const { current, manager, secrets } = await step(
    engine,
    scope,
    'manager.wait',
    () => awaitControlPlane(engine, cluster, node),
    (r) => `joining through ${r.manager.name}`,
  );
  const managerTarget = serverTarget(manager);
  if (!managerTarget) throw new Error(`manager ${manager.name} has no address`);
  const managerSession = connectNode(engine, current, manager, managerTarget, 15_000).then((s) => {
    sessions.push(s);
    return s;
  });
  // Settled here so a failed join does not leave an unhandled rejection behind; when the join
  // succeeds, the failure is thrown where the session is awaited below.
  managerSession.catch((error) =>
    engine.log.debug(
      { clusterId: cluster.id, nodeId: node.id, err: error },
      `no session on manager ${manager.name}`,
    ),
  );
  const { memberId } = await step(
    engine,
    scope,
    `${driver.name}.join`,
    () =>
      engine.joins.run(
        `${cluster.id}/${manager.id}`,
        node.role,
        async (slot) => {
          const joined = await driver.join(session, {
            role: node.role,
            nodeName: node.name,
            advertiseAddress: target.advertiseAddress,
            managerAddress: managerTarget.advertiseAddress,
            secrets,
          });
          return { ...joined, slot };
        },
        (joined) => joined.changed,
      ),
    (r) =>
      `${r.message} (${r.slot.inFlight} of ${r.slot.limit} joins in flight through ${manager.name}` +
      `${r.slot.waitedMs >= 10 ? `, after waiting ${r.slot.waitedMs} ms for a turn` : ''})`,
  );
  return { manager: await managerSession, memberId };
}
