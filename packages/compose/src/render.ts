// A stack definition as the compose file `docker stack deploy` takes. docker stack deploy reads the
// legacy version 3 format, not the whole compose specification: the file says version 3.8, which
// the Docker 20.10 CLI on the servers reads, and uses only keys that version defines.
import { stringify } from 'yaml';
import type { StackDefinition, StackService } from './schemas.ts';
import { formatBytes, formatDurationMs } from './units.ts';

export const renderedComposeVersion = '3.8';

type Json = Record<string, unknown>;

function compact<T extends Json>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(
      ([, item]) =>
        item !== undefined &&
        !(Array.isArray(item) && item.length === 0) &&
        !(
          item !== null &&
          typeof item === 'object' &&
          !Array.isArray(item) &&
          Object.keys(item).length === 0
        ),
    ),
  ) as T;
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

function amounts(resources: { cpus?: number; memoryBytes?: number } | undefined): Json | undefined {
  if (!resources) return undefined;
  // Version 3.8 takes CPUs as a string.
  return compact({
    cpus: resources.cpus === undefined ? undefined : String(resources.cpus),
    memory: resources.memoryBytes === undefined ? undefined : formatBytes(resources.memoryBytes),
  });
}

function updateConfig(update: StackService['update']): Json {
  return {
    parallelism: update.parallelism,
    delay: formatDurationMs(update.delayMs),
    failure_action: update.failureAction,
    monitor: formatDurationMs(update.monitorMs),
    max_failure_ratio: update.maxFailureRatio,
    order: update.order,
  };
}

function renderService(service: StackService): Json {
  const health = service.healthcheck;
  return compact({
    image: service.image,
    entrypoint: service.entrypoint,
    command: service.command,
    environment: sorted(service.env),
    ports: service.ports.map((port) =>
      compact({
        target: port.target,
        published: port.published,
        protocol: port.protocol,
        mode: port.mode,
      }),
    ),
    volumes: service.volumes.map((mount) =>
      mount.type === 'volume'
        ? compact({
            type: 'volume',
            source: mount.source,
            target: mount.target,
            read_only: mount.readOnly || undefined,
          })
        : compact({
            type: 'tmpfs',
            target: mount.target,
            tmpfs: mount.sizeBytes ? { size: mount.sizeBytes } : undefined,
          }),
    ),
    healthcheck: health
      ? compact({
          test: health.test,
          interval:
            health.intervalMs === undefined ? undefined : formatDurationMs(health.intervalMs),
          timeout: health.timeoutMs === undefined ? undefined : formatDurationMs(health.timeoutMs),
          retries: health.retries,
          start_period:
            health.startPeriodMs === undefined ? undefined : formatDurationMs(health.startPeriodMs),
        })
      : undefined,
    networks: Object.keys(service.networks).length
      ? Object.fromEntries(
          Object.entries(service.networks).map(([name, network]) => [
            name,
            network.aliases.length ? { aliases: network.aliases } : null,
          ]),
        )
      : undefined,
    labels: sorted(service.labels),
    secrets: service.secrets.map((reference) => compact({ ...reference })),
    configs: service.configs.map((reference) => compact({ ...reference })),
    user: service.user,
    working_dir: service.workingDir,
    hostname: service.hostname,
    extra_hosts: service.extraHosts,
    init: service.init,
    read_only: service.readOnly,
    cap_add: service.capAdd,
    cap_drop: service.capDrop,
    stop_grace_period:
      service.stopGracePeriodMs === undefined
        ? undefined
        : formatDurationMs(service.stopGracePeriodMs),
    stop_signal: service.stopSignal,
    logging: service.logging
      ? compact({ driver: service.logging.driver, options: service.logging.options })
      : undefined,
    deploy: compact({
      mode: service.mode,
      replicas: service.mode === 'replicated' ? service.replicas : undefined,
      endpoint_mode: service.endpointMode,
      labels: sorted(service.deployLabels),
      resources: service.resources
        ? compact({
            limits: amounts(service.resources.limits),
            reservations: amounts(service.resources.reservations),
          })
        : undefined,
      restart_policy: compact({
        condition: service.restart.condition,
        delay: formatDurationMs(service.restart.delayMs),
        max_attempts: service.restart.maxAttempts,
        window:
          service.restart.windowMs === undefined
            ? undefined
            : formatDurationMs(service.restart.windowMs),
      }),
      update_config: updateConfig(service.update),
      rollback_config: updateConfig(service.rollback),
      placement: service.placement
        ? compact({
            constraints: service.placement.constraints,
            preferences: service.placement.preferences.map((spread) => ({ spread })),
            max_replicas_per_node: service.placement.maxReplicasPerNode,
          })
        : undefined,
    }),
  });
}

/** The compose object for `docker stack deploy` (version 3.8). */
export function renderStackObject(definition: StackDefinition): Json {
  const external = (entry: { external: boolean; name?: string | undefined }) =>
    entry.external ? compact({ external: true, name: entry.name }) : undefined;
  return compact({
    version: renderedComposeVersion,
    services: Object.fromEntries(
      Object.entries(definition.services).map(([name, service]) => [name, renderService(service)]),
    ),
    networks: Object.fromEntries(
      Object.entries(definition.networks).map(([name, network]) => [
        name,
        external(network) ??
          compact({
            driver: 'overlay',
            name: network.name,
            attachable: network.attachable,
            internal: network.internal,
            labels: sorted(network.labels),
          }),
      ]),
    ),
    volumes: Object.fromEntries(
      Object.entries(definition.volumes).map(([name, volume]) => [
        name,
        external(volume) ??
          (compact({
            name: volume.name,
            driver: volume.driver,
            driver_opts: sorted(volume.driverOpts),
            labels: sorted(volume.labels),
          }) as Json),
      ]),
    ),
    secrets: Object.fromEntries(
      Object.entries(definition.secrets).map(([name, secret]) => [
        name,
        compact({ external: true, name: secret.name }),
      ]),
    ),
    configs: Object.fromEntries(
      Object.entries(definition.configs).map(([name, config]) => [
        name,
        compact({ external: true, name: config.name }),
      ]),
    ),
  });
}

/**
 * docker stack deploy substitutes `${VAR}` in the file it reads, as parseCompose did already: every
 * "$" of a value is written "$$" so that a password like "pa$word" arrives as written.
 */
function escapeDollars(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('$', '$$$$');
  if (Array.isArray(value)) return value.map(escapeDollars);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, escapeDollars(item)]),
    );
  }
  return value;
}

/** The compose YAML for `docker stack deploy -c - NAME`. */
export function renderStack(definition: StackDefinition): string {
  // lineWidth 0: never fold long strings (commands, environment values) across lines. compat:
  // quote what a YAML 1.1 reader would take for something else (`yes`, `on`, `0755`), as the
  // Docker 20.10 CLI reads the file with YAML 1.1 rules.
  return stringify(escapeDollars(renderStackObject(definition)), {
    lineWidth: 0,
    compat: 'yaml-1.1',
  });
}
