// A stack on Kubernetes (k3s): each service becomes the typed, validated objects of an app
// (@flotilla/deploy's buildStackObjects), all owned by the stack, applied with server-side apply
// in the stack's own namespace; objects the stack no longer declares are pruned by the owner
// label, and the rollout is judged as `kubectl rollout status` judges it. The API server is
// reached through an SSH tunnel to the first manager's own 127.0.0.1:6443.
import type { StackDefinition, StackService } from '@flotilla/compose';
import {
  type AppSpecInput,
  appSpecSchema,
  buildStackObjects,
  createKubernetesClient,
  createKubernetesTarget,
  type KubernetesTarget,
  parseImageReference,
  type RegistryCredentials,
} from '@flotilla/deploy';
import { FlotillaError } from '@flotilla/errors';
import type { StackServiceOutcome } from '@flotilla/lifecycle';
import { kubeconfigContext } from '@flotilla/secrets';
import type { SshSession } from '@flotilla/ssh';
import { type ClusterRecord, loadCluster } from '../cluster-record.ts';
import type { Engine } from '../engine.ts';
import { PermanentError } from '../errors.ts';
import { connectNode } from '../servers/connect.ts';
import { serverTarget } from '../servers/obtain.ts';

/** Each stack has a namespace of its own, so services keep their compose names as DNS names. */
export const stackNamespace = (stackName: string) => `stack-${stackName}`.slice(0, 63);

export interface StackKubernetes {
  target: KubernetesTarget;
  close(): Promise<void>;
}

export async function reachKubernetes(engine: Engine, clusterId: string): Promise<StackKubernetes> {
  const cluster = await loadCluster(engine, clusterId);
  if (!cluster) throw new FlotillaError('notFound', `cluster ${clusterId} no longer exists`);
  if (!cluster.kubeconfigEncrypted) {
    throw new FlotillaError('unavailable', `cluster ${cluster.name} has no kubeconfig yet`);
  }
  const kubeconfig = engine.sealer.open(cluster.kubeconfigEncrypted, kubeconfigContext(cluster.id));
  const session = await firstAnsweringManager(engine, cluster);
  const client = createKubernetesClient({
    connect: () => session.openTcpTunnel('127.0.0.1', 6443),
    kubeconfig,
  });
  return {
    target: createKubernetesTarget({ client, pollMs: engine.settings.apps.pollMs }),
    close: () => session.close(),
  };
}

async function firstAnsweringManager(engine: Engine, cluster: ClusterRecord): Promise<SshSession> {
  const reasons: string[] = [];
  for (const node of cluster.nodes) {
    if (node.role !== 'manager' || !node.hostKey || node.status === 'deleting') continue;
    const target = serverTarget(node);
    if (!target) continue;
    try {
      return await connectNode(engine, cluster, node, target, 10_000);
    } catch (error) {
      reasons.push(`${node.name}: ${(error as Error).message}`);
    }
  }
  throw new FlotillaError(
    'unreachable',
    `no manager of cluster ${cluster.name} answers${reasons.length ? ` (${reasons.join('; ')})` : ''}`,
  );
}

/** A shell form of a compose healthcheck test, as the app spec runs it (`/bin/sh -c`). */
function healthCommand(test: readonly string[]): string | undefined {
  const [kind, ...rest] = test;
  if (kind === 'NONE' || rest.length === 0) return undefined;
  if (kind === 'CMD-SHELL') return rest.join(' ');
  return rest.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
}

/** What the app objects cannot express of a service: refused with the reason before applying. */
function unsupported(name: string, service: StackService): string[] {
  const problems: string[] = [];
  if (service.mode === 'global') problems.push(`${name}: global mode has no Deployment form`);
  if (service.ports.length > 1) problems.push(`${name}: more than one port`);
  if (service.volumes.length > 0) problems.push(`${name}: volumes`);
  if (service.secrets.length > 0 || service.configs.length > 0) {
    problems.push(`${name}: secrets and configs`);
  }
  return problems;
}

/** The app spec of each service; throws with every service's problems at once. */
export function stackAppSpecs(stackId: string, definition: StackDefinition) {
  const problems: string[] = [];
  const specs = Object.entries(definition.services).map(([name, service]) => {
    problems.push(...unsupported(name, service));
    const port = service.ports[0];
    const command = service.healthcheck ? healthCommand(service.healthcheck.test) : undefined;
    const input: AppSpecInput = {
      name,
      appId: stackId,
      image: service.image,
      env: service.env,
      replicas: service.replicas,
      ...(service.command ? { command: service.command } : {}),
      ...(service.entrypoint ? { entrypoint: service.entrypoint } : {}),
      ...(port
        ? {
            port: {
              target: port.target,
              ...(port.published ? { published: port.published } : {}),
              mode: port.mode,
              protocol: port.protocol,
            },
          }
        : {}),
      ...(command && service.healthcheck
        ? {
            healthcheck: {
              command,
              ...(service.healthcheck.intervalMs
                ? { intervalMs: service.healthcheck.intervalMs }
                : {}),
              ...(service.healthcheck.timeoutMs
                ? { timeoutMs: service.healthcheck.timeoutMs }
                : {}),
              ...(service.healthcheck.retries ? { retries: service.healthcheck.retries } : {}),
              ...(service.healthcheck.startPeriodMs
                ? { startPeriodMs: service.healthcheck.startPeriodMs }
                : {}),
            },
          }
        : {}),
      update: {
        parallelism: Math.max(1, service.update.parallelism),
        delayMs: service.update.delayMs,
      },
      ...(service.resources?.limits
        ? {
            resources: {
              ...(service.resources.limits.cpus ? { cpus: service.resources.limits.cpus } : {}),
              ...(service.resources.limits.memoryBytes
                ? { memoryBytes: service.resources.limits.memoryBytes }
                : {}),
            },
          }
        : {}),
    };
    const parsed = appSpecSchema.safeParse(input);
    if (!parsed.success) {
      problems.push(
        ...parsed.error.issues.map((i) => `${name}.${i.path.map(String).join('.')}: ${i.message}`),
      );
    }
    return parsed.data;
  });
  if (problems.length > 0) {
    throw new PermanentError(
      `the stack cannot run on Kubernetes as written: ${problems.join('; ')}`,
    );
  }
  return specs.filter((s) => s !== undefined);
}

export interface KubernetesStackRun {
  stackId: string;
  stackName: string;
  definition: StackDefinition;
  registries: RegistryCredentials[];
  timeoutMs: number;
  log(message: string): Promise<void>;
}

export async function deployStackOnKubernetes(
  kube: StackKubernetes,
  run: KubernetesStackRun,
): Promise<{
  outcome: 'succeeded' | 'failed' | 'timedOut';
  reason?: string;
  restored: boolean;
  services: StackServiceOutcome[];
}> {
  const namespace = stackNamespace(run.stackName);
  const services = stackAppSpecs(run.stackId, run.definition);
  // One pull secret per stack: the registry of the first image that has stored credentials.
  const hosts = new Set(services.map((s) => parseImageReference(s.image)?.registry));
  const registry = run.registries.find((r) => hosts.has(r.server));
  const spec = buildStackObjects(
    { id: run.stackId, services },
    { namespace, ...(registry ? { registry } : {}) },
  );
  let last = '';
  const result = await kube.target.apply(spec, {
    timeoutMs: run.timeoutMs,
    onProgress: (detail) => {
      if (detail === last) return;
      last = detail;
      void run.log(detail);
    },
  });
  for (const pruned of result.pruned) await run.log(`${pruned}: pruned (no longer in the stack)`);
  const statuses = await kube.target.status(namespace, spec.owner);
  const outcomes: StackServiceOutcome[] = services.map((service) => {
    const status = statuses.find((s) => s.name === service.name);
    const ok = result.outcome === 'succeeded' && status?.verdict.state === 'complete';
    return {
      name: service.name,
      outcome: ok ? 'succeeded' : 'failed',
      image: service.image,
      ...(status ? { running: status.ready, desired: status.desired } : {}),
      ...(!ok && status?.verdict.state === 'failed' ? { reason: status.verdict.reason } : {}),
    };
  });
  return {
    outcome: result.outcome === 'cancelled' ? 'failed' : result.outcome,
    ...(result.reason ? { reason: result.reason } : {}),
    restored: result.restored,
    services: outcomes,
  };
}

export async function removeStackFromKubernetes(
  kube: StackKubernetes,
  stackId: string,
  stackName: string,
): Promise<{ deleted: number }> {
  const { deleted } = await kube.target.remove(stackNamespace(stackName), {
    kind: 'stack',
    id: stackId,
  });
  return { deleted: deleted.length };
}
