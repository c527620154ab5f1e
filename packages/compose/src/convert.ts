// One pass over a validated compose file that both judges every key (the analysis) and builds the
// stack definition from what carries over, so what `analyze` says and what `normalize` does cannot
// drift apart. Rules follow what `docker stack deploy` does with each key (docker/cli's
// UnsupportedProperties and ForbiddenProperties) and what Flotilla's Kubernetes path can express.
import type { PathSegment } from './errors.ts';
import { pathString } from './errors.ts';
import type { ComposeFile } from './parse.ts';
import type { Finding, Severity, StackDefinitionInput, StackServiceInput } from './schemas.ts';
import {
  commandWords,
  isHostPath,
  type PortSpec,
  parseBytes,
  parseDurationMs,
  parsePorts,
  parseVolume,
} from './units.ts';

export interface ConvertOptions {
  /** Active profiles: a service with `profiles` is deployed only when one of them is active. */
  profiles?: readonly string[];
  lineOf?: (path: readonly PathSegment[]) => number | undefined;
}

export interface Conversion {
  findings: Finding[];
  services: { name: string; image?: string; findings: Finding[] }[];
  /** What carries over to Swarm (dropped and blocked parts left out), before schema defaults. */
  definition: StackDefinitionInput;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Swarm's defaults for a task that exits, as Flotilla states them explicitly. */
const defaultRestart = { condition: 'any', delayMs: 5_000, maxAttempts: 0 } as const;
/** Docker's healthcheck defaults, for the update monitor window. */
const dockerHealthDefaults = { intervalMs: 30_000, retries: 3, startPeriodMs: 0 };
const swarmMonitorMs = 5_000;

const kubernetesName = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const logDrivers = new Set(['json-file', 'journald', 'local']);

interface Verdict {
  swarm: Severity;
  kubernetes: Severity;
  reason: string;
}

const both = (severity: Severity, reason: string): Verdict => ({
  swarm: severity,
  kubernetes: severity,
  reason,
});

/** Keys nothing in Flotilla carries over; the reason says what to do instead. */
const unsupportedServiceKeys: Record<string, Verdict> = {
  annotations: both('dropped', 'container annotations are not supported by Swarm services'),
  blkio_config: both('dropped', 'block I/O limits are not supported by Swarm services'),
  cgroup: both('dropped', 'cgroup namespaces cannot be chosen for Swarm services'),
  cgroup_parent: both('dropped', 'the cgroup parent cannot be chosen for Swarm services'),
  cpu_count: both('dropped', 'set deploy.resources.limits.cpus instead'),
  cpu_percent: both('dropped', 'set deploy.resources.limits.cpus instead'),
  cpu_period: both('dropped', 'set deploy.resources.limits.cpus instead'),
  cpu_quota: both('dropped', 'set deploy.resources.limits.cpus instead'),
  cpu_rt_period: both('dropped', 'real-time CPU scheduling is not supported by Swarm services'),
  cpu_rt_runtime: both('dropped', 'real-time CPU scheduling is not supported by Swarm services'),
  cpu_shares: both('dropped', 'set deploy.resources.reservations.cpus instead'),
  cpuset: both('dropped', 'CPU pinning is not supported by Swarm services'),
  credential_spec: both('dropped', 'credential specs are for Windows containers'),
  device_cgroup_rules: both('dropped', 'Swarm services cannot be given host devices'),
  devices: both(
    'dropped',
    'Swarm services cannot be given host devices; a service that needs one has to run outside the stack on the node that has it',
  ),
  dns: both(
    'dropped',
    'custom DNS servers are not carried over; services resolve each other through the stack network',
  ),
  dns_opt: both('dropped', 'custom DNS options are not carried over'),
  dns_search: both('dropped', 'custom DNS search domains are not carried over'),
  domainname: both('dropped', 'the domain name cannot be set for Swarm services'),
  env_file: both(
    'dropped',
    'the env file is on your machine, not on the cluster: copy its variables into `environment` (or pass them as variables)',
  ),
  external_links: both(
    'dropped',
    'containers outside the file do not exist on the cluster: attach the service to an external network instead',
  ),
  gpus: both('dropped', 'GPUs cannot be given to Swarm services by Flotilla yet'),
  group_add: both('dropped', 'supplementary groups are not carried over; set `user` instead'),
  ipc: both(
    'dropped',
    'Swarm services cannot share an IPC namespace (with the host or another container)',
  ),
  isolation: both('dropped', 'isolation modes are for Windows containers'),
  label_file: both('dropped', 'the label file is on your machine: copy its labels into `labels`'),
  mac_address: both('dropped', 'a fixed MAC address cannot be set on an overlay network'),
  memswap_limit: both(
    'dropped',
    'swap limits are not supported by Swarm services; set deploy.resources.limits.memory',
  ),
  mem_swappiness: both('dropped', 'swappiness cannot be set for Swarm services'),
  models: both('dropped', 'AI models (`models`) are run by Docker Desktop, not by a cluster'),
  oom_kill_disable: both('dropped', 'the OOM killer cannot be turned off for Swarm services'),
  oom_score_adj: both('dropped', 'the OOM score cannot be set for Swarm services'),
  pid: both(
    'dropped',
    'Swarm services cannot share a PID namespace (with the host or another container)',
  ),
  pids_limit: both('dropped', 'PID limits are not carried over by Flotilla yet'),
  platform: both(
    'dropped',
    'add a placement constraint such as `node.platform.arch == x86_64` to choose the nodes instead',
  ),
  post_start: both(
    'dropped',
    'lifecycle hooks are not supported by Swarm services; run the step in the entrypoint',
  ),
  pre_stop: both(
    'dropped',
    'lifecycle hooks are not supported by Swarm services; handle the stop signal instead',
  ),
  runtime: both('dropped', 'the container runtime cannot be chosen for Swarm services'),
  security_opt: both(
    'dropped',
    'security options (seccomp, AppArmor, SELinux labels) are not supported by Swarm services',
  ),
  shm_size: both(
    'dropped',
    'the size of /dev/shm cannot be set for Swarm services; mount a tmpfs at /dev/shm instead',
  ),
  storage_opt: both('dropped', 'storage driver options cannot be set for Swarm services'),
  sysctls: both('dropped', 'kernel parameters are not carried over by Flotilla yet'),
  ulimits: both(
    'dropped',
    'ulimits are not carried over (Swarm supports them only from Docker 23)',
  ),
  use_api_socket: both(
    'dropped',
    'the Docker API socket of your machine is not available on the cluster',
  ),
  userns_mode: both('dropped', 'user namespace modes are not supported by Swarm services'),
  uts: both('dropped', 'Swarm services cannot share the host UTS namespace'),
  volumes_from: both('dropped', 'share data between services through a named volume instead'),
  attach: both('changed', 'ignored: Flotilla collects the logs of every service'),
  develop: both('changed', 'ignored: `develop` (watch) is for local development'),
  expose: both('changed', 'ignored: services reach each other on any port of the stack network'),
  stdin_open: both('changed', 'ignored: a service runs without an attached terminal'),
  tty: both('changed', 'ignored: a service runs without an attached terminal'),
  pull_refresh_after: both(
    'changed',
    'ignored: Flotilla resolves the image to a digest at every deploy',
  ),
};

class Collector {
  readonly findings: Finding[] = [];
  constructor(
    private readonly options: ConvertOptions,
    private readonly service?: string,
  ) {}

  /** Replaces an earlier verdict on the same path: the last word on a place is the one shown. */
  note(path: readonly PathSegment[], verdict: Verdict): void {
    const line = this.options.lineOf?.(path);
    const key = String(path.findLast((segment) => typeof segment === 'string') ?? path.at(-1));
    const earlier = this.findings.findIndex((finding) => finding.path === pathString(path));
    if (earlier !== -1) this.findings.splice(earlier, 1);
    this.findings.push({
      path: pathString(path),
      ...(this.service === undefined ? {} : { service: this.service }),
      key,
      swarm: verdict.swarm,
      kubernetes: verdict.kubernetes,
      reason: verdict.reason,
      ...(line ? { line } : {}),
    });
  }
}

/** What a top-level `volumes` / `networks` / `secrets` / `configs` entry became. */
interface TopLevel {
  volumes: Map<string, { kept: boolean; local: boolean }>;
  networks: Set<string>;
  secrets: Set<string>;
  configs: Set<string>;
}

export function convert(compose: ComposeFile, options: ConvertOptions = {}): Conversion {
  const top = new Collector(options);
  const definition: StackDefinitionInput &
    Required<Pick<StackDefinitionInput, 'networks' | 'volumes' | 'secrets' | 'configs'>> = {
    services: {},
    networks: {},
    volumes: {},
    secrets: {},
    configs: {},
  };
  const kept: TopLevel = {
    volumes: new Map(),
    networks: new Set(),
    secrets: new Set(),
    configs: new Set(),
  };

  for (const key of Object.keys(compose)) {
    const value = compose[key];
    switch (key) {
      case 'version':
        top.note(
          [key],
          both('changed', 'ignored: `version` is obsolete in the compose specification'),
        );
        break;
      case 'name':
        top.note(
          [key],
          both('changed', 'ignored: the stack is named when it is created in Flotilla'),
        );
        break;
      case 'include':
        top.note(
          [key],
          both(
            'blocker',
            'Flotilla imports one file: merge the included files first (`docker compose config` prints the merged file)',
          ),
        );
        break;
      case 'models':
        top.note([key], unsupportedServiceKeys.models!);
        break;
      case 'services':
        break;
      case 'networks':
        for (const [name, network] of Object.entries((value ?? {}) as Json)) {
          convertNetwork(top, name, isObject(network) ? network : {}, definition, kept);
        }
        break;
      case 'volumes':
        for (const [name, volume] of Object.entries((value ?? {}) as Json)) {
          convertVolume(top, name, isObject(volume) ? volume : {}, definition, kept);
        }
        break;
      case 'secrets':
      case 'configs':
        for (const [name, entry] of Object.entries((value ?? {}) as Json)) {
          convertFileObject(top, key, name, isObject(entry) ? entry : {}, definition, kept);
        }
        break;
      default:
        if (key.startsWith('x-')) {
          top.note(
            [key],
            both(
              'changed',
              'extension field: it serves the file (anchors), it is not deployed itself',
            ),
          );
        }
    }
  }

  const services = (isObject(compose.services) ? compose.services : {}) as Record<string, unknown>;
  if (Object.keys(services).length === 0) {
    top.note(
      ['services'],
      both('blocker', 'the file defines no services: a stack needs at least one'),
    );
  }

  const active = new Set(options.profiles ?? []);
  const serviceResults: Conversion['services'] = [];
  const published: {
    service: string;
    path: PathSegment[];
    port: PortSpec;
    collector: Collector;
  }[] = [];
  for (const [name, raw] of Object.entries(services)) {
    const service = isObject(raw) ? raw : {};
    const collector = new Collector(options, name);
    const profiles = Array.isArray(service.profiles) ? service.profiles.map(String) : [];
    if (profiles.length && !profiles.some((profile) => active.has(profile))) {
      collector.note(
        ['services', name, 'profiles'],
        both(
          'changed',
          `not deployed: its profiles (${profiles.join(', ')}) are not active, as with docker compose; enable one to deploy it`,
        ),
      );
      serviceResults.push({ name, ...imageOf(service), findings: collector.findings });
      continue;
    }
    const draft = convertService(collector, name, service, kept, published);
    if (draft) definition.services[name] = draft;
    serviceResults.push({ name, ...imageOf(service), findings: collector.findings });
  }

  // Two tasks cannot publish one port of a node: the second service's tasks would stay pending.
  const byPort = new Map<string, typeof published>();
  for (const entry of published) {
    const key = `${entry.port.published}/${entry.port.protocol}`;
    byPort.set(key, [...(byPort.get(key) ?? []), entry]);
  }
  for (const [port, entries] of byPort) {
    if (entries.length < 2) continue;
    for (const entry of entries) {
      const others = entries
        .filter((other) => other !== entry)
        .map((other) =>
          other.service === entry.service
            ? 'another entry of this service'
            : `service "${other.service}"`,
        );
      entry.collector.note(
        entry.path,
        both(
          'blocker',
          `published port ${port} is also published by ${[...new Set(others)].join(' and ')}: publish each port once`,
        ),
      );
    }
  }

  return { findings: top.findings, services: serviceResults, definition };
}

function imageOf(service: Json): { image?: string } {
  return typeof service.image === 'string' ? { image: service.image } : {};
}

function convertNetwork(
  top: Collector,
  name: string,
  network: Json,
  definition: { networks: NonNullable<StackDefinitionInput['networks']> },
  kept: TopLevel,
): void {
  const path = ['networks', name];
  const driver = typeof network.driver === 'string' ? network.driver : undefined;
  if (network.external === true || (isObject(network.external) && network.external)) {
    const externalName = typeof network.name === 'string' ? network.name : undefined;
    definition.networks[name] = { external: true, ...(externalName ? { name: externalName } : {}) };
    kept.networks.add(name);
    top.note(path, {
      swarm: 'ok',
      kubernetes: 'changed',
      reason:
        'an existing network of the cluster: it must exist (an overlay network) before the deploy',
    });
    return;
  }
  if (driver === 'host' || driver === 'none') {
    top.note(
      path,
      both(
        'dropped',
        `a "${driver}" network cannot be created by a stack; services that use it join the stack network instead`,
      ),
    );
    return;
  }
  const notes: string[] = [];
  if (driver && driver !== 'overlay')
    notes.push(`driver "${driver}" becomes overlay (networks span the nodes)`);
  for (const ignored of ['ipam', 'driver_opts', 'enable_ipv4', 'enable_ipv6']) {
    if (network[ignored] !== undefined) notes.push(`\`${ignored}\` is ignored`);
  }
  definition.networks[name] = {
    ...(typeof network.name === 'string' ? { name: network.name } : {}),
    ...(typeof network.attachable === 'boolean' ? { attachable: network.attachable } : {}),
    ...(typeof network.internal === 'boolean' ? { internal: network.internal } : {}),
    labels: labelsOf(network.labels),
  };
  kept.networks.add(name);
  top.note(path, {
    swarm: notes.length ? 'changed' : 'ok',
    kubernetes: 'changed',
    reason: [
      notes.length ? notes.join('; ') : 'an overlay network of the stack',
      'on Kubernetes all services of the stack share one namespace',
    ].join('; '),
  });
}

function convertVolume(
  top: Collector,
  name: string,
  volume: Json,
  definition: { volumes: NonNullable<StackDefinitionInput['volumes']> },
  kept: TopLevel,
): void {
  const path = ['volumes', name];
  const driver = typeof volume.driver === 'string' ? volume.driver : undefined;
  const options = isObject(volume.driver_opts) ? volume.driver_opts : {};
  const external = volume.external === true || (isObject(volume.external) && !!volume.external);
  const externalName = typeof volume.name === 'string' ? volume.name : undefined;
  // `driver_opts: {type: none, o: bind, device: /srv/data}` is a bind mount in disguise.
  const disguisedBind =
    (driver === undefined || driver === 'local') &&
    (String(options.o ?? '')
      .split(',')
      .includes('bind') ||
      String(options.type ?? '') === 'none') &&
    typeof options.device === 'string' &&
    isHostPath(options.device);
  if (disguisedBind) {
    top.note(
      path,
      both(
        'dropped',
        `a bind mount of the host path ${String(options.device)}, which does not exist on the cluster's nodes: remove its driver_opts to make it a named volume`,
      ),
    );
    kept.volumes.set(name, { kept: false, local: true });
    return;
  }
  definition.volumes[name] = {
    ...(external ? { external: true } : {}),
    ...(externalName ? { name: externalName } : {}),
    ...(driver ? { driver } : {}),
    driverOpts: Object.fromEntries(
      Object.entries(options).map(([key, value]) => [key, String(value)]),
    ),
    labels: labelsOf(volume.labels),
  };
  const local = !external && (driver === undefined || driver === 'local');
  kept.volumes.set(name, { kept: true, local });
  top.note(path, {
    swarm: 'ok',
    kubernetes: 'changed',
    reason: external
      ? 'an existing volume: it must exist on every node where a task of its services may run'
      : local
        ? 'a local volume, created on each node where a task of its services runs (data stays on that node); on Kubernetes a PersistentVolumeClaim'
        : `a volume of the "${driver}" driver, which must be installed on the nodes; on Kubernetes a PersistentVolumeClaim`,
  });
}

function convertFileObject(
  top: Collector,
  kind: 'secrets' | 'configs',
  name: string,
  entry: Json,
  definition: {
    secrets: NonNullable<StackDefinitionInput['secrets']>;
    configs: NonNullable<StackDefinitionInput['configs']>;
  },
  kept: TopLevel,
): void {
  const path = [kind, name];
  const singular = kind === 'secrets' ? 'secret' : 'config';
  if (entry.external === true || (isObject(entry.external) && !!entry.external)) {
    const externalName = typeof entry.name === 'string' ? entry.name : undefined;
    definition[kind][name] = externalName ? { name: externalName } : {};
    kept[kind].add(name);
    top.note(path, {
      swarm: 'ok',
      kubernetes: 'changed',
      reason: `an existing ${singular} of the cluster (\`docker ${singular} create\`); on Kubernetes a ${kind === 'secrets' ? 'Secret' : 'ConfigMap'} of that name`,
    });
    return;
  }
  const from =
    typeof entry.file === 'string'
      ? `the file ${entry.file} on your machine`
      : typeof entry.environment === 'string'
        ? `the variable ${entry.environment} of your shell`
        : entry.content !== undefined
          ? 'content written in the file'
          : 'a source Flotilla does not read';
  top.note(
    path,
    both(
      'dropped',
      `its value comes from ${from}, which Flotilla does not carry to the cluster: create the ${singular} on the cluster and declare it \`external: true\``,
    ),
  );
}

function labelsOf(value: unknown): Record<string, string> {
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map((item) => {
        const [key, ...rest] = String(item).split('=');
        return [key!, rest.join('=')];
      }),
    );
  }
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, item === null ? '' : String(item)]),
    );
  }
  return {};
}

function convertService(
  collector: Collector,
  name: string,
  service: Json,
  kept: TopLevel,
  published: { service: string; path: PathSegment[]; port: PortSpec; collector: Collector }[],
): StackServiceInput | undefined {
  const base: PathSegment[] = ['services', name];
  const at = (...rest: PathSegment[]) => [...base, ...rest];
  const draft: StackServiceInput & {
    env: Record<string, string>;
    ports: NonNullable<StackServiceInput['ports']>;
    volumes: NonNullable<StackServiceInput['volumes']>;
    networks: NonNullable<StackServiceInput['networks']>;
  } = {
    image: '',
    env: {},
    ports: [],
    volumes: [],
    networks: {},
    restart: { ...defaultRestart },
    // Filled in below, once the healthcheck and ports are known.
    update: undefined as never,
    rollback: undefined as never,
  };
  let blocked = false;
  const block = (path: PathSegment[], reason: string) => {
    collector.note(path, both('blocker', reason));
    blocked = true;
  };

  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(name)) {
    block(
      base,
      'a service name must start with a letter or digit and have at most 63 characters (it names the Swarm service): rename it',
    );
  } else if (!kubernetesName.test(name)) {
    collector.note(base, {
      swarm: 'ok',
      kubernetes: 'blocker',
      reason:
        'on Kubernetes a service name must be lower-case letters, digits and "-" (it names the objects): rename it',
    });
  }

  // --- the image ---
  const image = typeof service.image === 'string' ? service.image.trim() : '';
  if (service.build !== undefined) {
    if (image) {
      collector.note(
        at('build'),
        both(
          'changed',
          `the image ${image} is deployed and \`build\` is ignored: build and push it to your registry first`,
        ),
      );
    } else {
      block(
        at('build'),
        'Flotilla deploys images and this service only has `build`: build the image, push it to your registry and set `image`',
      );
    }
  }
  if (service.provider !== undefined) {
    block(
      at('provider'),
      'a provider service is run by a compose plugin on your machine, not by a cluster',
    );
  }
  if (image) {
    draft.image = image;
    const firstPart = image.split('/')[0] ?? '';
    const hasRegistry =
      image.includes('/') &&
      (firstPart.includes('.') || firstPart.includes(':') || firstPart === 'localhost');
    collector.note(
      at('image'),
      both(
        'ok',
        hasRegistry
          ? 'deployed pinned to its digest, resolved at each deploy'
          : 'deployed pinned to its digest; without a registry host the nodes pull it from Docker Hub (name your registry when the cluster has no internet access)',
      ),
    );
  } else if (service.build === undefined && service.provider === undefined) {
    block(at('image'), 'the service has no `image`: Flotilla deploys images, so name one');
  }
  if (service.pull_policy !== undefined) {
    if (service.pull_policy === 'build' && !image) {
      // Already blocked by `build`.
    } else {
      collector.note(
        at('pull_policy'),
        both(
          'changed',
          'ignored: Flotilla resolves the image to a digest and pins it at every deploy',
        ),
      );
    }
  }
  if (service.extends !== undefined) {
    block(
      at('extends'),
      'Flotilla does not resolve `extends`: import the resolved file that `docker compose config` prints',
    );
  }

  // --- command, environment, labels ---
  for (const key of ['command', 'entrypoint'] as const) {
    if (service[key] === undefined || service[key] === null) continue;
    try {
      const words = commandWords(service[key]) ?? [];
      const what = key === 'command' ? 'CMD' : 'ENTRYPOINT';
      if (words.length === 0) {
        // Swarm reads an empty list as "the image's own", so it cannot clear it as compose does.
        collector.note(
          at(key),
          both(
            'dropped',
            `an empty ${key} cannot clear the image's ${what} on Swarm: the image's own runs`,
          ),
        );
        continue;
      }
      draft[key] = words;
      collector.note(at(key), both('ok', `replaces the image's ${what}`));
    } catch (error) {
      block(at(key), `cannot be split into words: ${(error as Error).message}`);
    }
  }
  if (service.environment !== undefined) {
    const unset: string[] = [];
    const entries: [string, unknown][] = Array.isArray(service.environment)
      ? service.environment.map((item) => {
          const text = String(item);
          const equals = text.indexOf('=');
          return equals === -1 ? [text, null] : [text.slice(0, equals), text.slice(equals + 1)];
        })
      : Object.entries(service.environment as Json);
    for (const [key, value] of entries) {
      if (value === null || value === undefined) unset.push(key);
      else draft.env[key] = String(value);
    }
    collector.note(
      at('environment'),
      unset.length
        ? both(
            'changed',
            `${unset.join(', ')} ${unset.length === 1 ? 'has' : 'have'} no value here (compose would read your shell): left out; give a value or pass it as a variable`,
          )
        : both('ok', 'set in every task (values are sealed at rest in Flotilla)'),
    );
  }
  if (service.labels !== undefined) {
    draft.labels = labelsOf(service.labels);
    collector.note(at('labels'), both('ok', 'container labels'));
  }

  // --- ports ---
  if (Array.isArray(service.ports)) {
    service.ports.forEach((entry, index) => {
      const path = at('ports', index);
      let specs: PortSpec[];
      try {
        specs = parsePorts(entry);
      } catch (error) {
        block(path, `not a port mapping Swarm can publish: ${(error as Error).message}`);
        return;
      }
      if (specs.some((spec) => spec.hostIp)) {
        collector.note(
          path,
          both(
            'dropped',
            `Swarm publishes a port on every address of the nodes and cannot bind it to ${specs[0]!.hostIp}: it is not published (other services still reach it on the stack network); remove the address to publish it everywhere`,
          ),
        );
        return;
      }
      for (const spec of specs) {
        draft.ports.push({
          target: spec.target,
          ...(spec.published ? { published: spec.published } : {}),
          protocol: spec.protocol,
          mode: spec.mode,
        });
        if (spec.published) published.push({ service: name, path, port: spec, collector });
      }
      const first = specs[0]!;
      collector.note(path, {
        swarm: 'ok',
        kubernetes: 'changed',
        reason: [
          first.published === undefined
            ? 'published on a port Swarm picks (30000–32767)'
            : first.mode === 'host'
              ? 'published in host mode: each node running a task answers on its own address'
              : 'published through the routing mesh (ingress): every node answers',
          'on Kubernetes a Service, published ports as NodePorts (30000–32767)',
        ].join('; '),
      });
    });
  }

  // --- volumes and tmpfs ---
  if (Array.isArray(service.volumes)) {
    service.volumes.forEach((entry, index) => {
      const path = at('volumes', index);
      let volume: ReturnType<typeof parseVolume>;
      try {
        volume = parseVolume(entry);
      } catch (error) {
        block(path, (error as Error).message);
        return;
      }
      if (!volume.target.startsWith('/')) {
        block(path, `the mount target "${volume.target}" is not an absolute path in the container`);
        return;
      }
      switch (volume.type) {
        case 'bind': {
          const socket = volume.source?.endsWith('docker.sock');
          collector.note(
            path,
            both(
              'dropped',
              socket
                ? `the Docker socket ${volume.source} would give the container control of a node's Docker engine; Flotilla does not mount it`
                : `the host path ${volume.source} does not exist on the cluster's nodes: use a named volume (e.g. \`data:${volume.target}\`) and load the files into it, or bake them into the image`,
            ),
          );
          return;
        }
        case 'volume': {
          if (volume.source) {
            const declared = kept.volumes.get(volume.source);
            if (!declared) {
              block(
                path,
                `the volume "${volume.source}" is not declared under the top-level \`volumes\`: declare it`,
              );
              return;
            }
            if (!declared.kept) {
              collector.note(
                path,
                both(
                  'dropped',
                  `the volume "${volume.source}" is a host bind mount (see volumes.${volume.source})`,
                ),
              );
              return;
            }
          }
          draft.volumes.push({
            type: 'volume',
            ...(volume.source ? { source: volume.source } : {}),
            target: volume.target,
            readOnly: volume.readOnly,
          });
          const placement =
            isObject(service.deploy) && isObject(service.deploy.placement)
              ? service.deploy.placement
              : {};
          const pinned = Array.isArray(placement.constraints) && placement.constraints.length > 0;
          const local = volume.source ? kept.volumes.get(volume.source)?.local : true;
          collector.note(path, {
            swarm: 'ok',
            kubernetes: 'changed',
            reason: !volume.source
              ? 'an anonymous volume, new for each task'
              : local && !pinned
                ? `the named volume "${volume.source}" is local to the node where a task runs: add a placement constraint (e.g. node.hostname == …) so the service does not move away from its data`
                : `the named volume "${volume.source}"`,
          });
          return;
        }
        case 'tmpfs':
          draft.volumes.push({
            type: 'tmpfs',
            target: volume.target,
            ...(volume.sizeBytes ? { sizeBytes: volume.sizeBytes } : {}),
          });
          collector.note(path, {
            swarm: 'ok',
            kubernetes: 'changed',
            reason: 'a tmpfs mount; on Kubernetes a memory-backed emptyDir',
          });
          return;
        default:
          collector.note(
            path,
            both('dropped', `"${volume.type}" mounts are not supported by Swarm services`),
          );
      }
    });
  }
  if (service.tmpfs !== undefined) {
    const targets = Array.isArray(service.tmpfs)
      ? service.tmpfs.map(String)
      : [String(service.tmpfs)];
    for (const target of targets) {
      const [path = '', options = ''] = target.split(':');
      const size = /(?:^|,)size=([^,]+)/.exec(options)?.[1];
      const sizeBytes = size ? parseBytes(size) : undefined;
      draft.volumes.push({ type: 'tmpfs', target: path, ...(sizeBytes ? { sizeBytes } : {}) });
    }
    collector.note(
      at('tmpfs'),
      both('changed', 'becomes tmpfs mounts (the long `volumes` form Swarm takes)'),
    );
  }

  // --- networks and names ---
  const aliases: string[] = [];
  if (typeof service.container_name === 'string') {
    aliases.push(service.container_name);
    collector.note(at('container_name'), {
      swarm: 'changed',
      kubernetes: 'dropped',
      reason: `Swarm names containers itself: "${service.container_name}" becomes a DNS alias of the service on its networks`,
    });
  }
  if (service.network_mode !== undefined) {
    const mode = String(service.network_mode);
    collector.note(
      at('network_mode'),
      both(
        'dropped',
        mode === 'host'
          ? 'Swarm services do not use the host network mode here: the service joins the stack network; publish the ports it listens on instead'
          : mode.startsWith('service:') || mode.startsWith('container:')
            ? `Swarm services cannot share another container's network (${mode}): the service joins the stack network and reaches the other by name`
            : `network mode "${mode}" is not supported by Swarm services: the service joins the stack network`,
      ),
    );
  }
  if (service.networks !== undefined) {
    const entries: [string, unknown][] = Array.isArray(service.networks)
      ? service.networks.map((network) => [String(network), null])
      : Object.entries(service.networks as Json);
    const ignored = new Set<string>();
    for (const [network, settings] of entries) {
      if (network !== 'default' && !kept.networks.has(network)) {
        block(
          at('networks', network),
          `the network "${network}" is not declared (or not carried over) under the top-level \`networks\``,
        );
        continue;
      }
      const own =
        isObject(settings) && Array.isArray(settings.aliases) ? settings.aliases.map(String) : [];
      if (isObject(settings)) {
        for (const key of Object.keys(settings))
          if (key !== 'aliases' && !key.startsWith('x-')) ignored.add(key);
      }
      draft.networks[network] = { aliases: own };
    }
    collector.note(at('networks'), {
      swarm: ignored.size ? 'changed' : 'ok',
      kubernetes: 'changed',
      reason: [
        ignored.size
          ? `${[...ignored].join(', ')} ignored (addresses are assigned by the overlay network)`
          : 'joins these networks of the stack',
        'on Kubernetes all services of the stack share one namespace',
      ].join('; '),
    });
  }
  if (aliases.length) {
    if (Object.keys(draft.networks).length === 0) draft.networks.default = { aliases: [] };
    for (const network of Object.values(draft.networks))
      network.aliases = [...(network.aliases ?? []), ...aliases];
  }
  if (service.links !== undefined) {
    const links = Array.isArray(service.links) ? service.links.map(String) : [];
    const renamed = links.filter((link) => link.includes(':'));
    collector.note(
      at('links'),
      renamed.length
        ? both(
            'dropped',
            `link aliases (${renamed.join(', ')}) are not created: services reach each other by service name; add the alias as a network alias of the linked service`,
          )
        : both(
            'changed',
            'ignored: services reach each other by service name on the stack network',
          ),
    );
  }
  if (service.depends_on !== undefined) {
    const conditions = isObject(service.depends_on)
      ? Object.entries(service.depends_on).map(([dependency, settings]) => ({
          dependency,
          condition: isObject(settings)
            ? String(settings.condition ?? 'service_started')
            : 'service_started',
        }))
      : (service.depends_on as unknown[]).map((dependency) => ({
          dependency: String(dependency),
          condition: 'service_started',
        }));
    const completed = conditions.filter(
      (entry) => entry.condition === 'service_completed_successfully',
    );
    collector.note(
      at('depends_on'),
      completed.length
        ? both(
            'dropped',
            `Swarm starts all services at once and does not wait for ${completed.map((entry) => entry.dependency).join(', ')} to complete: run that one-off step before deploying (or in this service's entrypoint)`,
          )
        : both(
            'changed',
            'Swarm starts all services at once: the service is restarted until what it needs answers (make sure it exits when a dependency is missing, and give dependencies a healthcheck)',
          ),
    );
  }
  if (typeof service.hostname === 'string') {
    draft.hostname = service.hostname;
    collector.note(at('hostname'), {
      swarm: 'ok',
      kubernetes: 'dropped',
      reason: 'the container hostname; on Kubernetes pods are named by the cluster',
    });
  }
  if (service.extra_hosts !== undefined) {
    const hosts = Array.isArray(service.extra_hosts)
      ? service.extra_hosts.map((entry) => String(entry).replace('=', ':'))
      : Object.entries(service.extra_hosts as Json).flatMap(([host, address]) =>
          (Array.isArray(address) ? address : [address]).map((item) => `${host}:${String(item)}`),
        );
    draft.extraHosts = hosts;
    collector.note(at('extra_hosts'), {
      swarm: 'ok',
      kubernetes: 'changed',
      reason: 'lines of /etc/hosts; on Kubernetes hostAliases',
    });
  }

  // --- privileges and process settings ---
  if (service.privileged === true || service.privileged === 'true') {
    collector.note(
      at('privileged'),
      both(
        'dropped',
        'Swarm services cannot run privileged: grant only the capabilities the service needs with `cap_add`',
      ),
    );
  } else if (service.privileged !== undefined) {
    collector.note(at('privileged'), both('ok', 'not privileged (the default)'));
  }
  for (const key of ['cap_add', 'cap_drop'] as const) {
    if (!Array.isArray(service[key])) continue;
    const capabilities = (service[key] as unknown[]).map(String);
    if (key === 'cap_add') draft.capAdd = capabilities;
    else draft.capDrop = capabilities;
    const broad = capabilities.filter((capability) => /^(CAP_)?(ALL|SYS_ADMIN)$/i.test(capability));
    collector.note(
      at(key),
      both(
        'ok',
        key === 'cap_add'
          ? broad.length
            ? `capabilities granted (${broad.join(', ')} is close to privileged: grant narrower ones if you can)`
            : 'capabilities granted to the container'
          : 'capabilities taken from the container',
      ),
    );
  }
  if (typeof service.user === 'string' || typeof service.user === 'number') {
    draft.user = String(service.user);
    collector.note(at('user'), {
      swarm: 'ok',
      kubernetes: /^\d+(:\d+)?$/.test(String(service.user)) ? 'ok' : 'dropped',
      reason: /^\d+(:\d+)?$/.test(String(service.user))
        ? 'the user the process runs as'
        : 'the user the process runs as; Kubernetes needs a numeric uid (runAsUser)',
    });
  }
  if (typeof service.working_dir === 'string') {
    draft.workingDir = service.working_dir;
    collector.note(at('working_dir'), both('ok', 'the working directory'));
  }
  for (const key of ['init', 'read_only'] as const) {
    if (service[key] === undefined) continue;
    const value = service[key] === true || service[key] === 'true';
    if (key === 'init') draft.init = value;
    else draft.readOnly = value;
    collector.note(
      at(key),
      key === 'init'
        ? {
            swarm: 'ok',
            kubernetes: value ? 'dropped' : 'ok',
            reason: 'an init process reaps zombies; Kubernetes has no such option',
          }
        : both('ok', 'read-only root filesystem'),
    );
  }
  if (service.stop_grace_period !== undefined) {
    const ms = parseDurationMs(service.stop_grace_period);
    if (ms === undefined)
      block(
        at('stop_grace_period'),
        `"${String(service.stop_grace_period)}" is not a duration (e.g. 30s, 1m30s)`,
      );
    else {
      draft.stopGracePeriodMs = ms;
      collector.note(
        at('stop_grace_period'),
        both('ok', 'time between the stop signal and SIGKILL'),
      );
    }
  }
  if (typeof service.stop_signal === 'string') {
    draft.stopSignal = service.stop_signal;
    collector.note(at('stop_signal'), {
      swarm: 'ok',
      kubernetes: 'dropped',
      reason: 'the stop signal; Kubernetes always sends SIGTERM',
    });
  }
  if (isObject(service.logging)) {
    const driver =
      typeof service.logging.driver === 'string' ? service.logging.driver : 'json-file';
    if (logDrivers.has(driver)) {
      draft.logging = {
        driver: driver as 'json-file' | 'journald' | 'local',
        options: Object.fromEntries(
          Object.entries(isObject(service.logging.options) ? service.logging.options : {}).map(
            ([key, value]) => [key, String(value)],
          ),
        ),
      };
      collector.note(at('logging'), {
        swarm: 'ok',
        kubernetes: 'changed',
        reason: 'log driver and options; on Kubernetes the kubelet keeps logs',
      });
    } else {
      collector.note(
        at('logging'),
        both(
          'dropped',
          `Flotilla reads logs through the Engine API, which cannot read the "${driver}" driver: the default json-file driver is used`,
        ),
      );
    }
  }

  // --- healthcheck ---
  if (isObject(service.healthcheck)) {
    const check = service.healthcheck;
    const durations: Record<string, number> = {};
    for (const [key, field] of [
      ['interval', 'intervalMs'],
      ['timeout', 'timeoutMs'],
      ['start_period', 'startPeriodMs'],
    ] as const) {
      if (check[key] === undefined) continue;
      const ms = parseDurationMs(check[key]);
      if (ms === undefined)
        block(
          at('healthcheck', key),
          `"${String(check[key])}" is not a duration (e.g. 10s, 1m30s)`,
        );
      else durations[field] = ms;
    }
    const test =
      check.disable === true
        ? ['NONE']
        : typeof check.test === 'string'
          ? ['CMD-SHELL', check.test]
          : Array.isArray(check.test)
            ? check.test.map(String)
            : undefined;
    if (test) {
      draft.healthcheck = {
        test,
        ...durations,
        ...(check.retries !== undefined ? { retries: Number(check.retries) } : {}),
      };
      collector.note(at('healthcheck'), {
        swarm: 'ok',
        kubernetes: 'changed',
        reason:
          'a task counts as running only once healthy, and deploys wait for it; on Kubernetes an exec readiness and liveness probe',
      });
    } else {
      collector.note(
        at('healthcheck'),
        both('changed', "no test given: the image's own healthcheck applies"),
      );
    }
    if (check.start_interval !== undefined) {
      collector.note(
        at('healthcheck', 'start_interval'),
        both('changed', 'ignored: `start_interval` needs Docker 25'),
      );
    }
  }

  // --- resources outside deploy (compose's legacy keys) ---
  const deploy = isObject(service.deploy) ? service.deploy : {};
  const resources = isObject(deploy.resources) ? deploy.resources : {};
  const limits: { cpus?: number; memoryBytes?: number } = {};
  const reservations: { cpus?: number; memoryBytes?: number } = {};
  if (service.cpus !== undefined) {
    const cpus = Number(service.cpus);
    if (cpus > 0) limits.cpus = cpus;
    collector.note(at('cpus'), both('changed', 'becomes deploy.resources.limits.cpus'));
  }
  if (service.mem_limit !== undefined) {
    const bytes = parseBytes(service.mem_limit);
    if (bytes) limits.memoryBytes = bytes;
    collector.note(at('mem_limit'), both('changed', 'becomes deploy.resources.limits.memory'));
  }
  if (service.mem_reservation !== undefined) {
    const bytes = parseBytes(service.mem_reservation);
    if (bytes) reservations.memoryBytes = bytes;
    collector.note(
      at('mem_reservation'),
      both('changed', 'becomes deploy.resources.reservations.memory'),
    );
  }

  // --- restart ---
  if (service.restart !== undefined) {
    const restart = String(service.restart);
    if (isObject(deploy.restart_policy)) {
      collector.note(at('restart'), both('changed', 'ignored: deploy.restart_policy applies'));
    } else {
      const [policy, attempts] = restart.split(':');
      const condition = policy === 'no' ? 'none' : policy === 'on-failure' ? 'on-failure' : 'any';
      draft.restart = {
        ...defaultRestart,
        condition,
        ...(attempts ? { maxAttempts: Number(attempts) || 0 } : {}),
      };
      collector.note(
        at('restart'),
        both('changed', `becomes deploy.restart_policy with condition "${condition}"`),
      );
    }
  }

  // --- deploy ---
  let replicas: number | undefined;
  if (service.scale !== undefined) {
    replicas = Number(service.scale);
    collector.note(
      at('scale'),
      both(
        'changed',
        deploy.replicas === undefined
          ? 'becomes deploy.replicas'
          : 'ignored: deploy.replicas applies',
      ),
    );
  }
  for (const [key, value] of Object.entries(deploy)) {
    const path = at('deploy', key);
    if (key.startsWith('x-')) continue;
    switch (key) {
      case 'mode': {
        const mode = String(value);
        if (mode === 'replicated' || mode === 'global') {
          draft.mode = mode;
          collector.note(path, {
            swarm: 'ok',
            kubernetes: mode === 'global' ? 'changed' : 'ok',
            reason:
              mode === 'global'
                ? 'one task on every eligible node; on Kubernetes a DaemonSet'
                : 'a number of replicas',
          });
        } else {
          collector.note(
            path,
            both(
              'blocker',
              `"${mode}" services (one-off jobs) are not supported by Flotilla stacks yet`,
            ),
          );
          blocked = true;
        }
        break;
      }
      case 'replicas': {
        const count = Number(value);
        if (deploy.mode === 'global') {
          collector.note(
            path,
            both('changed', 'ignored: a global service runs one task on every eligible node'),
          );
        } else if (!Number.isInteger(count) || count < 0 || count > 100) {
          block(path, `"${String(value)}" replicas: a whole number from 0 to 100`);
        } else {
          replicas = count;
          collector.note(path, both('ok', 'the number of tasks kept running'));
        }
        break;
      }
      case 'resources':
        convertResources(
          collector,
          at('deploy', 'resources'),
          resources,
          limits,
          reservations,
          block,
        );
        break;
      case 'restart_policy': {
        const policy = isObject(value) ? value : {};
        const restart = { ...defaultRestart } as NonNullable<StackServiceInput['restart']>;
        if (policy.condition !== undefined) {
          const condition = String(policy.condition);
          if (condition === 'none' || condition === 'on-failure' || condition === 'any')
            restart.condition = condition;
          else block([...path, 'condition'], `"${condition}": none, on-failure or any`);
        }
        for (const [field, target] of [
          ['delay', 'delayMs'],
          ['window', 'windowMs'],
        ] as const) {
          if (policy[field] === undefined) continue;
          const ms = parseDurationMs(policy[field]);
          if (ms === undefined)
            block([...path, field], `"${String(policy[field])}" is not a duration`);
          else restart[target] = ms;
        }
        if (policy.max_attempts !== undefined) restart.maxAttempts = Number(policy.max_attempts);
        draft.restart = restart;
        collector.note(path, {
          swarm: 'ok',
          kubernetes: 'changed',
          reason: 'when Swarm restarts a task; on Kubernetes pods always restart',
        });
        break;
      }
      case 'update_config':
      case 'rollback_config':
        collector.note(path, {
          swarm: 'ok',
          kubernetes: 'changed',
          reason:
            key === 'update_config'
              ? 'how an update replaces tasks (Flotilla defaults: start-first, roll back on failure); on Kubernetes a rolling update'
              : 'how a rollback replaces tasks; on Kubernetes Flotilla re-applies the previous version',
        });
        break;
      case 'placement': {
        const placement = isObject(value) ? value : {};
        const constraints = Array.isArray(placement.constraints)
          ? placement.constraints.map(String)
          : [];
        const preferences = Array.isArray(placement.preferences)
          ? placement.preferences.flatMap((preference) =>
              isObject(preference) && typeof preference.spread === 'string'
                ? [preference.spread]
                : [],
            )
          : [];
        draft.placement = {
          constraints,
          preferences,
          ...(placement.max_replicas_per_node !== undefined
            ? { maxReplicasPerNode: Number(placement.max_replicas_per_node) }
            : {}),
        };
        const labelOnly = constraints.every((constraint) =>
          /^node\.labels\.[^=!\s]+\s*==\s*\S+$/.test(constraint),
        );
        collector.note(path, {
          swarm: 'ok',
          kubernetes: labelOnly ? 'changed' : 'dropped',
          reason: labelOnly
            ? 'where tasks may run; on Kubernetes a nodeSelector on the same labels'
            : 'where tasks may run; on Kubernetes only node.labels.X == Y constraints carry over (as a nodeSelector)',
        });
        break;
      }
      case 'endpoint_mode': {
        const mode = String(value);
        if (mode === 'vip' || mode === 'dnsrr') draft.endpointMode = mode;
        collector.note(path, {
          swarm: 'ok',
          kubernetes: 'changed',
          reason:
            mode === 'dnsrr'
              ? 'DNS round robin between tasks; on Kubernetes a headless Service'
              : 'one virtual IP for the service',
        });
        break;
      }
      case 'labels':
        draft.deployLabels = labelsOf(value);
        collector.note(path, both('ok', 'labels of the service'));
        break;
      default:
        collector.note(path, both('dropped', `deploy.${key} is not supported by Flotilla`));
    }
  }
  if (replicas !== undefined && deploy.mode !== 'global') draft.replicas = replicas;
  if (Object.keys(limits).length || Object.keys(reservations).length) {
    draft.resources = {
      ...(Object.keys(limits).length ? { limits } : {}),
      ...(Object.keys(reservations).length ? { reservations } : {}),
    };
  }

  // --- secrets and configs ---
  for (const kind of ['secrets', 'configs'] as const) {
    if (!Array.isArray(service[kind])) continue;
    const references: NonNullable<StackServiceInput['secrets']> = [];
    (service[kind] as unknown[]).forEach((entry, index) => {
      const reference = isObject(entry) ? entry : { source: String(entry) };
      const source = String(reference.source);
      const path = at(kind, index);
      if (!kept[kind].has(source)) {
        collector.note(
          path,
          both(
            'dropped',
            `the ${kind === 'secrets' ? 'secret' : 'config'} "${source}" is not carried over (see ${kind}.${source}): the service gets no such file`,
          ),
        );
        return;
      }
      const mode = reference.mode === undefined ? undefined : Number(reference.mode);
      references.push({
        source,
        ...(typeof reference.target === 'string' ? { target: reference.target } : {}),
        ...(mode !== undefined && Number.isInteger(mode) ? { mode } : {}),
      });
      collector.note(
        path,
        both(
          'ok',
          `mounted as a file (${kind === 'secrets' ? '/run/secrets/' : '/'}${typeof reference.target === 'string' ? reference.target : source} by default)`,
        ),
      );
    });
    draft[kind] = references;
  }

  // --- every other key ---
  const handled = new Set([
    'image',
    'build',
    'provider',
    'pull_policy',
    'extends',
    'command',
    'entrypoint',
    'environment',
    'labels',
    'ports',
    'volumes',
    'tmpfs',
    'container_name',
    'network_mode',
    'networks',
    'links',
    'depends_on',
    'hostname',
    'extra_hosts',
    'privileged',
    'cap_add',
    'cap_drop',
    'user',
    'working_dir',
    'init',
    'read_only',
    'stop_grace_period',
    'stop_signal',
    'logging',
    'healthcheck',
    'cpus',
    'mem_limit',
    'mem_reservation',
    'restart',
    'scale',
    'deploy',
    'secrets',
    'configs',
    'profiles',
  ]);
  for (const key of Object.keys(service)) {
    if (handled.has(key) || key.startsWith('x-')) continue;
    collector.note(
      at(key),
      unsupportedServiceKeys[key] ?? both('dropped', `\`${key}\` is not supported by Flotilla`),
    );
  }

  // Flotilla's update rules, stated explicitly in the definition (see @flotilla/deploy): start-first
  // keeps the old task serving until the new one runs, except with host-mode ports, which one task
  // per node can hold; a failed update rolls back; each new task is watched at least as long as
  // its healthcheck needs to call it unhealthy.
  const health =
    draft.healthcheck && draft.healthcheck.test[0] !== 'NONE' ? draft.healthcheck : undefined;
  const healthWindow = health
    ? (health.startPeriodMs ?? dockerHealthDefaults.startPeriodMs) +
      (health.intervalMs ?? dockerHealthDefaults.intervalMs) *
        (health.retries ?? dockerHealthDefaults.retries)
    : 0;
  const hostPorts = draft.ports.some((port) => port.mode === 'host');
  const update = isObject(deploy.update_config) ? deploy.update_config : {};
  const rollback = isObject(deploy.rollback_config) ? deploy.rollback_config : {};
  draft.update = updatePolicy(
    update,
    'rollback',
    hostPorts,
    healthWindow,
    at('deploy', 'update_config'),
    block,
  );
  draft.rollback = updatePolicy(
    rollback,
    'pause',
    hostPorts,
    healthWindow,
    at('deploy', 'rollback_config'),
    block,
  );

  return blocked ? undefined : draft;
}

function updatePolicy(
  config: Json,
  failureAction: 'rollback' | 'pause',
  hostPorts: boolean,
  healthWindowMs: number,
  path: PathSegment[],
  block: (path: PathSegment[], reason: string) => void,
): NonNullable<StackServiceInput['update']> {
  const duration = (field: string, fallback: number) => {
    if (config[field] === undefined) return fallback;
    const ms = parseDurationMs(config[field]);
    if (ms === undefined) {
      block([...path, field], `"${String(config[field])}" is not a duration`);
      return fallback;
    }
    return ms;
  };
  const order =
    config.order === 'start-first' || config.order === 'stop-first'
      ? config.order
      : hostPorts
        ? 'stop-first'
        : 'start-first';
  const action = config.failure_action;
  return {
    parallelism: config.parallelism === undefined ? 1 : Number(config.parallelism),
    delayMs: duration('delay', 0),
    order,
    failureAction:
      action === 'rollback' || action === 'pause' || action === 'continue' ? action : failureAction,
    monitorMs: Math.max(duration('monitor', swarmMonitorMs), healthWindowMs),
    maxFailureRatio: config.max_failure_ratio === undefined ? 0 : Number(config.max_failure_ratio),
  };
}

function convertResources(
  collector: Collector,
  path: PathSegment[],
  resources: Json,
  limits: { cpus?: number; memoryBytes?: number },
  reservations: { cpus?: number; memoryBytes?: number },
  block: (path: PathSegment[], reason: string) => void,
): void {
  for (const [kind, target] of [
    ['limits', limits],
    ['reservations', reservations],
  ] as const) {
    const amounts = isObject(resources[kind]) ? resources[kind] : undefined;
    if (!amounts) continue;
    for (const [key, value] of Object.entries(amounts)) {
      const at = [...path, kind, key];
      if (key === 'cpus') {
        const cpus = Number(value);
        if (!(cpus > 0)) block(at, `"${String(value)}" CPUs: a positive number`);
        else target.cpus = cpus;
      } else if (key === 'memory') {
        const bytes = parseBytes(value);
        if (!bytes) block(at, `"${String(value)}" is not a size (e.g. 512M, 1G)`);
        else target.memoryBytes = bytes;
      } else if (!key.startsWith('x-')) {
        collector.note(at, both('dropped', `${kind}.${key} is not carried over by Flotilla`));
      }
    }
  }
  collector.note(path, {
    swarm: 'ok',
    kubernetes: 'changed',
    reason: 'CPU and memory limits and reservations; on Kubernetes resources.limits and requests',
  });
}
