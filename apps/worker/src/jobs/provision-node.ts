// provisionNode: one node from nothing to `running` — server, SSH, host key, runtime, join,
// Ready, label. The first manager runs the same path with `init` instead of `join`.
import type { Node } from '@flotilla/db';
import { appendLog, transitionNode } from '@flotilla/lifecycle';
import type { JobData } from '@flotilla/queue';
import type { SshSession } from '@flotilla/ssh';
import { UnrecoverableError } from 'bullmq';
import { type ClusterRecord, firstManager, loadCluster } from '../cluster-record.ts';
import type { Attempt, Engine } from '../engine.ts';
import { errorMessage, ProvisioningStoppedError } from '../errors.ts';
import { reconcileCluster } from '../reconcile.ts';
import { kubeconfigContext, openJoinSecrets, sealJoinSecrets } from '../sealed.ts';
import { isCloud } from '../steps/cloud.ts';
import { ensureClusterKey } from '../steps/cluster-key.ts';
import { connectNode, reachNode } from '../steps/connect.ts';
import { obtainServer, type ServerTarget, serverTarget } from '../steps/obtain-server.ts';
import { driverFor, type OrchestratorDriver, waitUntilReady } from '../steps/orchestrator.ts';
import { assertClusterActive, step } from '../steps/step.ts';

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
    if (error instanceof ProvisioningStoppedError) return false;
    if (attempt.final || error instanceof UnrecoverableError) {
      await transitionNode(engine.db, node.id, 'error', errorMessage(error).slice(0, 1_000)).catch(
        () => {},
      );
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

    let manager = session;
    if (mode === 'init') {
      await formControlPlane(engine, cluster, node, driver, session, target);
    } else {
      manager = await joinCluster(engine, cluster, node, driver, session, target);
      sessions.push(manager);
    }

    const memberId = await driver.localNodeId(session, node.name);
    if (!memberId) throw new Error('the server does not report a cluster node id after joining');
    await engine.db.node.update({ where: { id: node.id }, data: { orchestratorNodeId: memberId } });
    await step(
      engine,
      scope,
      'node.ready',
      () => waitUntilReady(driver, manager, memberId, engine.settings.readyTimeoutMs),
      (n) => `${n.hostname} reports Ready as ${n.manager ? 'manager' : 'worker'} (${n.id})`,
    );
    await step(
      engine,
      scope,
      'node.label',
      () => driver.label(manager, memberId, node.id),
      () => `labelled with Flotilla's node id ${node.id}`,
    );
    await assertClusterActive(engine, cluster.id, node.id);
    await transitionNode(engine.db, node.id, 'running', 'joined and Ready');
  } finally {
    await Promise.allSettled(sessions.map((s) => s.close()));
  }
}

/** `init` on the first manager; the join secrets (and k3s's kubeconfig) stored sealed. */
async function formControlPlane(
  engine: Engine,
  cluster: ClusterRecord,
  node: Node,
  driver: OrchestratorDriver,
  session: SshSession,
  target: ServerTarget,
): Promise<void> {
  const scope = { clusterId: cluster.id, nodeId: node.id };
  const current = await loadCluster(engine, cluster.id);
  const existing = current?.joinSecretsEncrypted
    ? openJoinSecrets(engine.sealer, cluster.id, current.joinSecretsEncrypted)
    : null;
  const { secrets } = await step(
    engine,
    scope,
    `${driver.name}.init`,
    () =>
      driver.init(session, {
        advertiseAddress: target.advertiseAddress,
        nodeName: node.name,
        existing,
      }),
    (r) => r.message,
  );
  await engine.db.cluster.update({
    where: { id: cluster.id },
    data: { joinSecretsEncrypted: sealJoinSecrets(engine.sealer, cluster.id, secrets) },
  });
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
}

/** `join` through a running manager; resolves to a session on that manager. */
async function joinCluster(
  engine: Engine,
  cluster: ClusterRecord,
  node: Node,
  driver: OrchestratorDriver,
  session: SshSession,
  target: ServerTarget,
): Promise<SshSession> {
  const current = await loadCluster(engine, cluster.id);
  // Any running manager will do (the tokens are the cluster's): one being down does not block
  // a join. The lowest ordinal first, so joins normally go through the same one.
  const leader = current?.nodes.find(
    (n) => n.role === 'manager' && n.status === 'running' && n.id !== node.id,
  );
  const leaderTarget = leader && serverTarget(leader);
  if (!current?.joinSecretsEncrypted || !leader || !leaderTarget) {
    throw new Error(
      'no manager of the cluster is running to join through; joining will be retried',
    );
  }
  const secrets = openJoinSecrets(engine.sealer, cluster.id, current.joinSecretsEncrypted);
  await step(
    engine,
    { clusterId: cluster.id, nodeId: node.id },
    `${driver.name}.join`,
    () =>
      driver.join(session, {
        role: node.role,
        nodeName: node.name,
        advertiseAddress: target.advertiseAddress,
        managerAddress: leaderTarget.advertiseAddress,
        secrets,
      }),
    (m) => m,
  );
  return connectNode(engine, current, leader, leaderTarget, 15_000);
}
