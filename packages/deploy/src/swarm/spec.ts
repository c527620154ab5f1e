// Pure builders: an app's desired state → the Swarm ServiceSpec that runs it. No I/O here (the
// image digest comes in resolved), so every rule is a unit test away, as Kamal keeps its command
// builders apart from SSH.
import type { RegistryAuth, ServiceSpec, UpdateConfig } from '@flotilla/docker';
import { type AppSpec, pinnedImage, type RegistryCredentials } from '../app.ts';

const ms = 1_000_000;

/** Labels on the service and its containers: how Flotilla finds (and only touches) its own. */
export const ownerLabels = {
  managed: 'dev.flotilla.managed',
  app: 'dev.flotilla.app-id',
} as const;

/** Swarm's own default monitor; a task that dies within it fails the update. */
const defaultMonitorMs = 5_000;

/**
 * How long each new task is watched for failure: never less than the time a healthcheck needs to
 * call the task unhealthy (start period + interval × retries), or a task that never becomes
 * healthy would pass the update before its healthcheck could fail it.
 */
export function monitorMs(app: AppSpec): number {
  const health = app.healthcheck
    ? app.healthcheck.startPeriodMs + app.healthcheck.intervalMs * app.healthcheck.retries
    : 0;
  return Math.max(app.update.monitorMs ?? defaultMonitorMs, health);
}

/**
 * start-first keeps the old task serving until its replacement runs. A host-mode published port
 * can be held by one task per node only, so there start-first stalls as soon as every eligible
 * node runs a task ("no suitable node (host-mode port already in use on N nodes)", measured on
 * the testbed): host mode updates stop-first unless the app says otherwise.
 */
export function updateOrder(app: AppSpec): 'start-first' | 'stop-first' {
  if (app.update.order) return app.update.order;
  return app.port?.mode === 'host' ? 'stop-first' : 'start-first';
}

export function updateConfig(app: AppSpec): UpdateConfig {
  return {
    Parallelism: app.update.parallelism,
    Delay: app.update.delayMs * ms,
    // Swarm's default is `pause`, which leaves a half-updated service; roll back instead.
    FailureAction: 'rollback',
    Monitor: monitorMs(app) * ms,
    MaxFailureRatio: 0,
    Order: updateOrder(app),
  };
}

export function rollbackConfig(app: AppSpec): UpdateConfig {
  return {
    Parallelism: app.update.parallelism,
    Delay: 0,
    // A rollback cannot roll back; pausing keeps what is left running for a person to look at.
    FailureAction: 'pause',
    Monitor: monitorMs(app) * ms,
    MaxFailureRatio: 0,
    Order: updateOrder(app),
  };
}

export interface BuildOptions {
  /** The manifest digest the image reference resolved to: the spec pins it. */
  digest: string;
  /** Carried over from the live service so an unchanged spec restarts nothing. */
  forceUpdate?: number;
}

export function buildServiceSpec(app: AppSpec, options: BuildOptions): ServiceSpec {
  const owner = { [ownerLabels.managed]: 'true', [ownerLabels.app]: app.appId };
  const env = Object.entries(app.env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`);
  const spec: ServiceSpec = {
    Name: app.name,
    Labels: { ...app.labels, ...owner },
    TaskTemplate: {
      ContainerSpec: {
        Image: pinnedImage(app.image, options.digest),
        Labels: owner,
        ...(env.length ? { Env: env } : {}),
        ...(app.entrypoint ? { Command: app.entrypoint } : {}),
        ...(app.command ? { Args: app.command } : {}),
        ...(app.stopGracePeriodMs !== undefined
          ? { StopGracePeriod: app.stopGracePeriodMs * ms }
          : {}),
        ...(app.healthcheck
          ? {
              Healthcheck: {
                Test: ['CMD-SHELL', app.healthcheck.command],
                Interval: app.healthcheck.intervalMs * ms,
                Timeout: app.healthcheck.timeoutMs * ms,
                Retries: app.healthcheck.retries,
                StartPeriod: app.healthcheck.startPeriodMs * ms,
              },
            }
          : {}),
      },
      RestartPolicy: {
        Condition: app.restart.condition,
        Delay: app.restart.delayMs * ms,
        MaxAttempts: app.restart.maxAttempts,
      },
      ...(app.resources
        ? {
            Resources: {
              Limits: {
                ...(app.resources.cpus ? { NanoCPUs: Math.round(app.resources.cpus * 1e9) } : {}),
                ...(app.resources.memoryBytes ? { MemoryBytes: app.resources.memoryBytes } : {}),
              },
            },
          }
        : {}),
      ...(app.networks.length
        ? { Networks: [...app.networks].sort().map((Target) => ({ Target })) }
        : {}),
      ForceUpdate: options.forceUpdate ?? 0,
    },
    Mode: { Replicated: { Replicas: app.replicas } },
    UpdateConfig: updateConfig(app),
    RollbackConfig: rollbackConfig(app),
    ...(app.port
      ? {
          EndpointSpec: {
            Ports: [
              {
                Protocol: app.port.protocol,
                TargetPort: app.port.target,
                ...(app.port.published ? { PublishedPort: app.port.published } : {}),
                PublishMode: app.port.mode,
              },
            ],
          },
        }
      : {}),
  };
  return spec;
}

/** The X-Registry-Auth payload for a registry's credentials (Swarm hands it to the nodes). */
export function registryAuth(credentials: RegistryCredentials): RegistryAuth {
  return {
    username: credentials.username,
    password: credentials.password,
    serveraddress: credentials.server,
  };
}

/** The replica count a spec asks for (0 for anything but a replicated service). */
export function desiredReplicas(spec: ServiceSpec): number {
  return spec.Mode?.Replicated?.Replicas ?? 0;
}
