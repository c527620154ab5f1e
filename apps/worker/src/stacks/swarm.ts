// A stack on a Swarm: `docker stack deploy --prune --with-registry-auth` on a manager (the
// compose file on stdin, registry logins in a throwaway DOCKER_CONFIG so no credential stays on
// the server), then every service judged exactly as an app's deploy is (@flotilla/deploy's
// judge: only tasks of the current spec count; success when as many run as replicas are asked
// for, held for the monitor window, and Swarm calls the update completed), and every service the
// new version no longer has proven gone.

import type { LogLevel } from '@flotilla/db';
import { judge, newWatch, type RegistryCredentials, type RolloutWatch } from '@flotilla/deploy';
import type { DockerEngine, SwarmService, SwarmTask } from '@flotilla/docker';
import { errorMessage } from '@flotilla/errors';
import type { StackServiceOutcome } from '@flotilla/lifecycle';
import { CommandError, type SshSession, sh } from '@flotilla/ssh';

/** The label `docker stack deploy` puts on every object of a stack. */
export const stackNamespaceLabel = 'com.docker.stack.namespace';

const ns = 1_000_000;

export interface StackSnapshot {
  /** Services of the stack by their name on the swarm (`<stack>_<service>`). */
  services: Map<string, SwarmService>;
  tasks: Map<string, SwarmTask[]>;
}

/** The stack's services and their tasks as the manager sees them now. */
export async function snapshotStack(
  manager: DockerEngine,
  stackName: string,
): Promise<StackSnapshot> {
  const services = await manager.services({ label: [`${stackNamespaceLabel}=${stackName}`] });
  const tasks = await Promise.all(services.map((s) => manager.tasks({ service: [s.ID] })));
  return {
    services: new Map(services.map((s) => [s.Spec.Name, s])),
    tasks: new Map(services.map((s, i) => [s.Spec.Name, tasks[i] ?? []])),
  };
}

export interface StackDeployment {
  stackName: string;
  /** The compose file `docker stack deploy` takes. */
  rendered: string;
  /** The definition's service names (as written, without the stack prefix). */
  services: string[];
  /** Logins for the registries the images come from; passwords go over stdin only. */
  registries: RegistryCredentials[];
  /** What ran before the deploy command (for the judge: earlier failures are not this run's). */
  before: StackSnapshot;
  /** Epoch ms: a service not judged by then fails the run. */
  deadline: number;
  pendingTimeoutMs: number;
  pollMs: number;
  commandTimeoutMs: number;
  log(message: string, level?: LogLevel, service?: string): Promise<void>;
}

export interface StackDeployResult {
  outcome: 'succeeded' | 'failed' | 'timedOut';
  reason?: string;
  services: StackServiceOutcome[];
}

/**
 * The script run on the manager: each registry login reads its password (base64, one line)
 * from stdin, then `docker stack deploy` reads the rest of stdin, the compose file.
 */
export function stackDeployScript(stackName: string, registries: readonly RegistryCredentials[]) {
  const logins = registries.map(
    (registry) =>
      sh`IFS= read -r password && printf '%s' "$password" | base64 -d | docker login --username ${registry.username} --password-stdin ${registry.server} >/dev/null`,
  );
  return [
    'set -e',
    // Credentials live in a directory of this command only, never in the server's ~/.docker.
    'DOCKER_CONFIG=$(mktemp -d)',
    'export DOCKER_CONFIG',
    `trap 'rm -rf "$DOCKER_CONFIG"' EXIT`,
    ...logins,
    sh`docker stack deploy --prune --with-registry-auth --compose-file - ${stackName}`,
  ].join('\n');
}

export function stackDeployInput(
  rendered: string,
  registries: readonly RegistryCredentials[],
): string {
  const passwords = registries.map((r) => `${Buffer.from(r.password).toString('base64')}\n`);
  return passwords.join('') + rendered;
}

/** Runs the deploy command, each line of its output into the run's log. */
export async function runStackDeploy(session: SshSession, deployment: StackDeployment) {
  const lines: Promise<void>[] = [];
  let partial = '';
  const onOutput = (chunk: Buffer, stream: 'stdout' | 'stderr') => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line.trim())
        lines.push(deployment.log(line.trim(), stream === 'stderr' ? 'warn' : 'info'));
    }
  };
  const result = await session.run(stackDeployScript(deployment.stackName, deployment.registries), {
    label: `docker stack deploy ${deployment.stackName}`,
    input: stackDeployInput(deployment.rendered, deployment.registries),
    secrets: deployment.registries.map((r) => r.password),
    timeoutMs: deployment.commandTimeoutMs,
    onOutput,
  });
  if (partial.trim()) lines.push(deployment.log(partial.trim()));
  await Promise.all(lines);
  if (result.code !== 0) {
    throw new CommandError(
      `docker stack deploy ${deployment.stackName}`,
      result.code,
      result.stderr || result.stdout,
      deployment.registries.map((r) => r.password),
    );
  }
}

function monitorMsOf(service: SwarmService): number {
  return Math.round((service.Spec.UpdateConfig?.Monitor ?? 5_000 * ns) / ns);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Watched {
  name: string;
  fullName: string;
  watch?: RolloutWatch;
  outcome?: StackServiceOutcome;
  lastDetail?: string;
}

/**
 * After the deploy command: watches every service of the version until each is judged, and
 * every service of the stack the version no longer has until it and its tasks are gone.
 */
export async function judgeStack(
  manager: DockerEngine,
  deployment: StackDeployment,
): Promise<StackDeployResult> {
  const { stackName, before } = deployment;
  const watched: Watched[] = deployment.services.map((name) => ({
    name,
    fullName: `${stackName}_${name}`,
  }));
  const wanted = new Set(watched.map((w) => w.fullName));
  const pruned = [...before.services.values()].filter((s) => !wanted.has(s.Spec.Name));
  const prunedLeft = new Map(pruned.map((s) => [s.Spec.Name, s]));
  const prefix = `${stackName}_`;
  const shortName = (full: string) => (full.startsWith(prefix) ? full.slice(prefix.length) : full);

  for (;;) {
    const open = watched.filter((w) => !w.outcome);
    if (open.length === 0 && prunedLeft.size === 0) break;
    if (Date.now() >= deployment.deadline) {
      for (const w of open) {
        w.outcome = {
          name: w.name,
          outcome: 'pending',
          reason: `not up by the deadline${w.lastDetail ? `: ${w.lastDetail}` : ''}`,
        };
      }
      const services = outcomesOf(watched, pruned, prunedLeft, shortName);
      return {
        outcome: 'timedOut',
        reason: `timed out: ${services
          .filter((s) => s.outcome === 'pending')
          .map((s) => `${s.name} (${s.reason})`)
          .join('; ')}`,
        services,
      };
    }
    const nodes = await manager.nodes();
    for (const w of open) {
      const service = await manager.service(w.fullName);
      if (!service) {
        w.outcome = {
          name: w.name,
          outcome: 'failed',
          reason: 'the service is not on the swarm after the deploy',
        };
        continue;
      }
      const [upToDate, all] = await Promise.all([
        manager.tasks({ service: [service.ID], '_up-to-date': ['true'] }),
        manager.tasks({ service: [service.ID] }),
      ]);
      const previous = before.services.get(w.fullName);
      w.watch ??= newWatch({
        monitorMs: monitorMsOf(service),
        pendingTimeoutMs: deployment.pendingTimeoutMs,
        created: previous === undefined,
        before: previous ?? null,
        tasksBefore: before.tasks.get(w.fullName) ?? [],
      });
      // A global service wants one task on each node its placement allows: as many as Swarm
      // scheduled for its current spec (the judge counts replicas).
      const desired = service.Spec.Mode?.Global
        ? upToDate.filter((task) => task.DesiredState === 'running').length
        : service.Spec.Mode?.Replicated?.Replicas;
      const judged = service.Spec.Mode?.Global
        ? {
            ...service,
            Spec: { ...service.Spec, Mode: { Replicated: { Replicas: desired ?? 0 } } },
          }
        : service;
      const verdict = judge(w.watch, { now: Date.now(), service: judged, upToDate, all, nodes });
      const image = service.Spec.TaskTemplate.ContainerSpec.Image;
      switch (verdict.state) {
        case 'succeeded':
          w.outcome = {
            name: w.name,
            outcome: 'succeeded',
            image,
            running: verdict.running,
            ...(desired !== undefined ? { desired } : {}),
          };
          await deployment.log(
            `${w.name}: ${verdict.running} running, update completed`,
            'info',
            w.name,
          );
          break;
        case 'failed':
          w.outcome = { name: w.name, outcome: 'failed', image, reason: verdict.reason };
          await deployment.log(`${w.name}: failed: ${verdict.reason}`, 'error', w.name);
          break;
        default: {
          const detail =
            verdict.state === 'rollingBack'
              ? verdict.reason
              : `${verdict.running}/${verdict.desired} ${verdict.detail}`;
          if (detail !== w.lastDetail) {
            w.lastDetail = detail;
            await deployment.log(`${w.name}: ${detail}`, 'info', w.name);
          }
        }
      }
    }
    if (prunedLeft.size > 0) {
      const tasks = await manager.tasks();
      for (const [name, service] of prunedLeft) {
        const gone =
          (await manager.service(service.ID)) === null &&
          !tasks.some((task) => task.ServiceID === service.ID);
        if (gone) {
          prunedLeft.delete(name);
          await deployment.log(`${shortName(name)}: removed`, 'info', shortName(name));
        }
      }
    }
    if (watched.some((w) => !w.outcome) || prunedLeft.size > 0) await sleep(deployment.pollMs);
  }
  const services = outcomesOf(watched, pruned, prunedLeft, shortName);
  const failed = services.filter((s) => s.outcome !== 'succeeded' && s.outcome !== 'removed');
  if (failed.length === 0) return { outcome: 'succeeded', services };
  return {
    outcome: 'failed',
    reason: failed.map((s) => `${s.name}: ${s.reason ?? s.outcome}`).join('; '),
    services,
  };
}

function outcomesOf(
  watched: readonly Watched[],
  pruned: readonly SwarmService[],
  prunedLeft: ReadonlyMap<string, SwarmService>,
  shortName: (full: string) => string,
): StackServiceOutcome[] {
  return [
    ...watched.map((w) => w.outcome ?? { name: w.name, outcome: 'pending' as const }),
    ...pruned.map((s) =>
      prunedLeft.has(s.Spec.Name)
        ? {
            name: shortName(s.Spec.Name),
            outcome: 'pending' as const,
            reason: 'removed from the stack, but its tasks are still shutting down',
          }
        : { name: shortName(s.Spec.Name), outcome: 'removed' as const },
    ),
  ];
}

/** Deploys and judges: the command's failure is the run's, with the daemon's words. */
export async function deployStackOnSwarm(
  session: SshSession,
  manager: DockerEngine,
  deployment: StackDeployment,
): Promise<StackDeployResult> {
  try {
    await runStackDeploy(session, deployment);
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    return {
      outcome: 'failed',
      reason: `docker stack deploy refused the stack: ${errorMessage(error)}`,
      services: deployment.services.map((name) => ({ name, outcome: 'failed' as const })),
    };
  }
  return judgeStack(manager, deployment);
}

/**
 * `docker stack rm`, then waits until none of the stack's services, tasks or networks is left
 * (removal is asynchronous: the command returns before the containers stop).
 */
export async function removeStackFromSwarm(
  session: SshSession,
  manager: DockerEngine,
  stackName: string,
  options: { timeoutMs: number; pollMs: number },
): Promise<{ services: number }> {
  const label = { label: [`${stackNamespaceLabel}=${stackName}`] };
  const services = await manager.services(label);
  const ids = new Set(services.map((s) => s.ID));
  await session.runOk(sh`docker stack rm ${stackName}`, { timeoutMs: 120_000 });
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const [left, tasks, networks] = await Promise.all([
      manager.services(label),
      manager.tasks(),
      manager.networks(label),
    ]);
    const running = tasks.filter((task) => ids.has(task.ServiceID));
    if (left.length === 0 && running.length === 0 && networks.length === 0) break;
    if (Date.now() >= deadline) {
      throw new CommandError(
        `docker stack rm ${stackName}`,
        1,
        `${left.length} service(s), ${running.length} task(s) and ${networks.length} network(s) still present ${options.timeoutMs} ms later`,
      );
    }
    await sleep(options.pollMs);
  }
  return { services: services.length };
}
