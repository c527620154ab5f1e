// deployStack: one stack run from `queued` to `succeeded` or `failed`, as the servers prove it.
// Swarm: `docker stack deploy --prune --with-registry-auth` on a manager, then every service
// judged as an app's deploy is, and every service the version dropped proven gone. Kubernetes:
// the stack's typed objects applied with server-side apply, pruned by the owner label, rollouts
// judged. A run that fails puts the version that ran before back (its images pinned as they
// ran), so the previous version keeps serving.
//
// Resumable: deploying the same file again changes nothing on the servers, so a job resumed
// after its worker was killed applies it again and judges what runs.
import type { Prisma } from '@flotilla/db';
import { errorMessage, isRetryable } from '@flotilla/errors';
import { announceStackRun, type StackServiceOutcome } from '@flotilla/lifecycle';
import type { JobData } from '@flotilla/queue';
import { reachSwarm } from '../apps/swarm.ts';
import type { Attempt, Engine } from '../engine.ts';
import { registryCasFor, trustOnCluster } from '../servers/registry-ca.ts';
import { deployStackOnKubernetes, reachKubernetes } from '../stacks/kubernetes.ts';
import {
  lastRunImages,
  loadRun,
  pinnedMap,
  type RunRow,
  registriesFor,
  renderedFor,
  runLogger,
  runRef,
} from '../stacks/records.ts';
import { deployStackOnSwarm, type StackDeployment, snapshotStack } from '../stacks/swarm.ts';

interface RunResult {
  outcome: 'succeeded' | 'failed' | 'timedOut';
  reason?: string;
  services: StackServiceOutcome[];
  restored?: boolean;
}

/** Putting the previous version back has a deadline of its own. */
const restoreTimeoutMs = 10 * 60_000;

type Log = ReturnType<typeof runLogger>;

export async function deployStack(
  engine: Engine,
  { stackId, runId }: JobData<'deployStack'>,
  attempt: Attempt,
): Promise<void> {
  const run = await loadRun(engine, runId);
  if (!run || run.stackId !== stackId) return;
  if (run.status !== 'queued' && run.status !== 'deploying') return;
  const log = runLogger(engine, run);
  try {
    await start(engine, run);
    await finish(engine, run, await execute(engine, run, log));
  } catch (error) {
    if (attempt.final || !isRetryable(error)) {
      await finish(engine, run, { outcome: 'failed', reason: errorMessage(error), services: [] });
      return;
    }
    await log(
      `attempt ${attempt.number} failed and will be retried: ${errorMessage(error)}`,
      'warn',
    );
    throw error;
  }
}

async function start(engine: Engine, run: RunRow): Promise<void> {
  if (run.status === 'deploying') return;
  await engine.db.$transaction(async (tx) => {
    const moved = await tx.stackRun.updateMany({
      where: { id: run.id, status: 'queued' },
      data: { status: 'deploying', startedAt: new Date() },
    });
    if (moved.count === 1) {
      await announceStackRun(tx, runRef(run), { status: 'deploying', reason: null, services: [] });
    }
  });
}

async function execute(engine: Engine, run: RunRow, log: Log): Promise<RunResult> {
  const failed = (reason: string): RunResult => ({ outcome: 'failed', reason, services: [] });
  if (run.stack.removeRequestedAt) return failed('the stack is being removed');
  if (run.stack.cluster.status === 'deleting') return failed('the cluster is being deleted');
  const deadline = run.deadlineAt.getTime();
  if (Date.now() >= deadline) return failed('the deadline passed before the run could start');

  const { definition, rendered } = renderedFor(engine, run.version, pinnedMap(run.pinnedImages));
  const registries = await registriesFor(engine, run.stack.organizationId, definition);
  const services = Object.keys(definition.services);
  await log(
    `${run.trigger === 'restore' ? 'restoring' : 'deploying'} version ${run.version.ordinal} of ${run.stack.name}: ${services.join(', ')}`,
  );
  // The CAs of the private registries its images come from, on every node that may pull them.
  await trustOnCluster(
    engine,
    run.stack.clusterId,
    await registryCasFor(
      engine,
      run.stack.organizationId,
      Object.values(definition.services).map((service) => service.image),
    ),
    (message, level) => log(message, level),
  );

  if (run.stack.cluster.orchestrator === 'kubernetes') {
    const kube = await reachKubernetes(engine, run.stack.clusterId);
    try {
      return await deployStackOnKubernetes(kube, {
        stackId: run.stackId,
        stackName: run.stack.stackName,
        definition,
        registries,
        timeoutMs: Math.max(1_000, deadline - Date.now()),
        log: (message) => log(message),
      });
    } finally {
      await kube.close();
    }
  }

  const swarm = await reachSwarm(engine, run.stack.clusterId);
  try {
    await log(`reached manager ${swarm.managerName}`);
    const settings = {
      stackName: run.stack.stackName,
      pendingTimeoutMs: engine.settings.apps.pendingTimeoutMs,
      pollMs: engine.settings.apps.pollMs,
      commandTimeoutMs: engine.settings.sshCommandTimeoutMs,
      log: (message: string, level?: Parameters<Log>[1], service?: string) =>
        log(message, level, service),
    } satisfies Partial<StackDeployment>;
    const result = await deployStackOnSwarm(swarm.session, swarm.manager, {
      ...settings,
      rendered,
      services,
      registries,
      before: await snapshotStack(swarm.manager, run.stack.stackName),
      deadline,
    });
    const previousId = run.stack.currentVersionId;
    if (result.outcome === 'succeeded' || !previousId || previousId === run.versionId) {
      return result;
    }
    // The version that served before comes back, with the images it ran (never re-resolved).
    const previous = await engine.db.stackVersion.findUnique({
      where: { id: previousId },
      select: { id: true, ordinal: true, definitionEncrypted: true, renderedEncrypted: true },
    });
    if (!previous) return result;
    await log(`putting version ${previous.ordinal} back: ${result.reason}`, 'warn');
    const back = renderedFor(engine, previous, await lastRunImages(engine, previous.id));
    const restore = await deployStackOnSwarm(swarm.session, swarm.manager, {
      ...settings,
      rendered: back.rendered,
      services: Object.keys(back.definition.services),
      registries: await registriesFor(engine, run.stack.organizationId, back.definition),
      before: await snapshotStack(swarm.manager, run.stack.stackName),
      deadline: Date.now() + restoreTimeoutMs,
    });
    const restored = restore.outcome === 'succeeded';
    await log(
      restored
        ? `version ${previous.ordinal} serves again`
        : `version ${previous.ordinal} could not be put back: ${restore.reason}`,
      restored ? 'info' : 'error',
    );
    return { ...result, restored };
  } finally {
    await swarm.close();
  }
}

async function finish(engine: Engine, run: RunRow, result: RunResult): Promise<void> {
  const status = result.outcome === 'succeeded' ? 'succeeded' : 'failed';
  const reason = result.reason ?? null;
  const finished = await engine.db.$transaction(async (tx) => {
    const moved = await tx.stackRun.updateMany({
      where: { id: run.id, status: { in: ['queued', 'deploying'] } },
      data: {
        status,
        reason,
        services: result.services as unknown as Prisma.InputJsonValue,
        restored: result.restored ?? false,
        finishedAt: new Date(),
      },
    });
    if (moved.count === 0) return false;
    if (status === 'succeeded') {
      await tx.stack.update({
        where: { id: run.stackId },
        data: { currentVersionId: run.versionId },
      });
    }
    await announceStackRun(tx, runRef(run), { status, reason, services: result.services });
    return true;
  });
  if (!finished) return;
  const log = runLogger(engine, run);
  await log(
    status === 'succeeded'
      ? `run #${run.ordinal} succeeded: version ${run.version.ordinal} runs`
      : `run #${run.ordinal} failed: ${reason ?? 'unknown reason'}${result.restored ? ' (the previous version serves again)' : ''}`,
    status === 'succeeded' ? 'info' : 'error',
  );
}
