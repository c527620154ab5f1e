// Pure builders: an app, a managed database or a stack → the Kubernetes objects that run it,
// typed by kubernetes-models and validated before they are returned. No I/O here, so what would
// be applied can be shown, stored with a deployment and applied again later as it was.
//
// Every object carries `app.kubernetes.io/managed-by: flotilla`, the owner's id label
// (`flotilla.dev/app|database|stack`) and `flotilla.dev/owner: <kind>.<id>`, the label pruning
// and removal select by: Flotilla only ever deletes objects that name their owner this way.
import { createHash } from 'node:crypto';
import { FlotillaError } from '@flotilla/errors';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { type AppSpec, parseImageReference, type RegistryCredentials } from '../app.ts';
import { type DatabaseEngine, engineProfiles } from '../databases/engines.ts';
import type { KubeObject } from './resources.ts';
import { validateObject } from './validate.ts';

export const labelKeys = {
  managedBy: 'app.kubernetes.io/managed-by',
  name: 'app.kubernetes.io/name',
  app: 'flotilla.dev/app',
  database: 'flotilla.dev/database',
  stack: 'flotilla.dev/stack',
  owner: 'flotilla.dev/owner',
} as const;

export const annotationKeys = {
  /** On the pod template: a ConfigMap or Secret change alone then rolls the pods. */
  configHash: 'flotilla.dev/config-hash',
  /** What `kubectl rollout restart` sets on the pod template. */
  restartedAt: 'kubectl.kubernetes.io/restartedAt',
  /**
   * On the pod template beside `restartedAt`: which restart request set it, so a restart asked
   * for once (and resumed after a crash) replaces the pods once.
   */
  restartGeneration: 'flotilla.dev/restart-generation',
  /**
   * On a Deployment (not its pod template): the Flotilla deployment whose objects it runs, so a
   * resumed deploy knows whether an earlier attempt applied them.
   */
  deploymentId: 'flotilla.dev/deployment-id',
} as const;

/** Where Flotilla's apps run on a Kubernetes cluster (service names are unique per cluster). */
export const appsNamespace = 'flotilla-apps';

export type OwnerKind = 'app' | 'database' | 'stack';

/** Who an object belongs to: Flotilla's app, managed database or stack. */
export interface Owner {
  kind: OwnerKind;
  id: string;
}

export const ownerValue = (owner: Owner) => `${owner.kind}.${owner.id}`;
export const ownerSelector = (owner: Owner) => `${labelKeys.owner}=${ownerValue(owner)}`;

export function ownerLabels(owner: Owner): Record<string, string> {
  return {
    [labelKeys.managedBy]: 'flotilla',
    [labelKeys[owner.kind]]: owner.id,
    [labelKeys.owner]: ownerValue(owner),
  };
}

/** What a deployment row keeps: the objects exactly as applied, to apply again (rollback). */
export interface KubernetesStoredSpec {
  orchestrator: 'kubernetes';
  namespace: string;
  owner: Owner;
  /**
   * In apply order, each validated. Secrets' values are in here (base64, as the API holds
   * them): a stored spec is sealed at rest like any other secret.
   */
  objects: KubeObject[];
}

const json = (model: { toJSON(): unknown }) => model.toJSON() as KubeObject;

const base64 = (text: string) => Buffer.from(text).toString('base64');

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stable((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const hashOf = (value: unknown) =>
  createHash('sha256').update(stable(value)).digest('hex').slice(0, 16);

function stored(namespace: string, owner: Owner, objects: KubeObject[]): KubernetesStoredSpec {
  return { orchestrator: 'kubernetes', namespace, owner, objects: objects.map(validateObject) };
}

/** The `.dockerconfigjson` data of an image pull secret for `registry`. */
export function pullSecretData(registry: RegistryCredentials): Record<string, string> {
  const auth = base64(`${registry.username}:${registry.password}`);
  const config = {
    auths: {
      [registry.server]: { username: registry.username, password: registry.password, auth },
    },
  };
  return { '.dockerconfigjson': base64(JSON.stringify(config)) };
}

/** An image pull secret for the registry the image names (credentials for others are not handed out). */
function pullSecret(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  image: string,
  registry: RegistryCredentials | undefined,
): KubeObject | undefined {
  if (!registry || parseImageReference(image)?.registry !== registry.server) return undefined;
  return json(
    new Secret({
      metadata: { name, namespace, labels },
      type: 'kubernetes.io/dockerconfigjson',
      data: pullSecretData(registry),
    }),
  );
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function readinessOf(app: AppSpec): IProbe | undefined {
  const check = app.healthcheck;
  if (!check) return undefined;
  return {
    exec: { command: ['/bin/sh', '-c', check.command] },
    periodSeconds: seconds(check.intervalMs),
    timeoutSeconds: seconds(check.timeoutMs),
    failureThreshold: check.retries,
    ...(check.startPeriodMs ? { initialDelaySeconds: Math.floor(check.startPeriodMs / 1000) } : {}),
  };
}

export interface KubernetesAppOptions {
  namespace: string;
  /** Env keys whose values are sealed at rest: they go into a Secret, the others into a ConfigMap. */
  secretEnv?: readonly string[];
  /** Served by an Ingress (k3s ships Traefik) to the app's port. */
  domain?: string;
  /** Default `traefik`, k3s's bundled ingress controller. */
  ingressClassName?: string;
  /** A rollout without progress this long is failed by the controller; default 600 (Kubernetes'). */
  progressDeadlineSeconds?: number;
  /** Credentials for the image's registry, handed to the nodes as an image pull secret. */
  registry?: RegistryCredentials;
}

/** An app's objects, owned by `owner` (the app itself, or the stack it is a service of). */
function appObjects(app: AppSpec, options: KubernetesAppOptions, owner: Owner): KubeObject[] {
  const { namespace } = options;
  const labels = { ...ownerLabels(owner), [labelKeys.name]: app.name };
  // The selector is immutable once created: only what never changes for this workload.
  const selector = { [labelKeys.owner]: ownerValue(owner), [labelKeys.name]: app.name };
  const secretKeys = new Set(options.secretEnv ?? []);
  const entries = Object.entries(app.env).sort(([a], [b]) => a.localeCompare(b));
  const plain = Object.fromEntries(entries.filter(([key]) => !secretKeys.has(key)));
  const sealed = Object.fromEntries(
    entries.filter(([key]) => secretKeys.has(key)).map(([k, v]) => [k, base64(v)]),
  );
  const envName = `${app.name}-env`;
  const objects: KubeObject[] = [];

  if (Object.keys(plain).length) {
    objects.push(
      json(new ConfigMap({ metadata: { name: envName, namespace, labels }, data: plain })),
    );
  }
  if (Object.keys(sealed).length) {
    objects.push(
      json(
        new Secret({
          metadata: { name: envName, namespace, labels },
          type: 'Opaque',
          data: sealed,
        }),
      ),
    );
  }
  const registrySecret = pullSecret(
    `${app.name}-registry`,
    namespace,
    labels,
    app.image,
    options.registry,
  );
  if (registrySecret) objects.push(registrySecret);

  if (options.domain && !app.port) {
    throw new FlotillaError(
      'invalid',
      'port: an app served on a domain needs the port it listens on',
    );
  }
  const servicePort = app.port ? (app.port.published ?? app.port.target) : undefined;
  if (app.port) {
    objects.push(
      json(
        new Service({
          metadata: { name: app.name, namespace, labels },
          spec: {
            // A published port is answered on every node (k3s's ServiceLB), like Swarm's mesh.
            type: app.port.published ? 'LoadBalancer' : 'ClusterIP',
            selector,
            ports: [
              {
                name: 'main',
                port: servicePort!,
                targetPort: app.port.target,
                protocol: app.port.protocol === 'udp' ? 'UDP' : 'TCP',
              },
            ],
          },
        }),
      ),
    );
  }

  const readiness = readinessOf(app);
  const container: IContainer = {
    name: app.name,
    image: app.image,
    ...(app.entrypoint ? { command: app.entrypoint } : {}),
    ...(app.command ? { args: app.command } : {}),
    ...(Object.keys(plain).length || Object.keys(sealed).length
      ? {
          envFrom: [
            ...(Object.keys(plain).length ? [{ configMapRef: { name: envName } }] : []),
            ...(Object.keys(sealed).length ? [{ secretRef: { name: envName } }] : []),
          ],
        }
      : {}),
    ...(app.port
      ? {
          ports: [
            {
              containerPort: app.port.target,
              protocol: app.port.protocol === 'udp' ? 'UDP' : 'TCP',
            },
          ],
        }
      : {}),
    ...(readiness ? { readinessProbe: readiness } : {}),
    ...(app.resources
      ? {
          resources: {
            limits: {
              ...(app.resources.cpus ? { cpu: String(app.resources.cpus) } : {}),
              ...(app.resources.memoryBytes ? { memory: String(app.resources.memoryBytes) } : {}),
            },
          },
        }
      : {}),
  };
  objects.push(
    json(
      new Deployment({
        metadata: {
          name: app.name,
          namespace,
          labels,
          // Free-form labels of the app fit annotations (label values are limited to 63 characters).
          ...(Object.keys(app.labels).length ? { annotations: app.labels } : {}),
        },
        spec: {
          replicas: app.replicas,
          selector: { matchLabels: selector },
          // Never below the replicas asked for: a new pod must be ready before an old one goes;
          // the app's update parallelism (default 1) is how many new pods start at once.
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: { maxUnavailable: 0, maxSurge: app.update.parallelism },
          },
          progressDeadlineSeconds: options.progressDeadlineSeconds ?? 600,
          revisionHistoryLimit: 5,
          template: {
            metadata: {
              labels: { ...labels, ...selector },
              annotations: {
                [annotationKeys.configHash]: hashOf({
                  plain,
                  sealed,
                  registry: registrySecret?.data,
                }),
              },
            },
            spec: {
              containers: [container],
              ...(registrySecret
                ? { imagePullSecrets: [{ name: registrySecret.metadata.name }] }
                : {}),
              ...(app.stopGracePeriodMs !== undefined
                ? { terminationGracePeriodSeconds: Math.ceil(app.stopGracePeriodMs / 1000) }
                : {}),
            },
          },
        },
      }),
    ),
  );

  if (options.domain) {
    objects.push(
      json(
        new Ingress({
          metadata: { name: app.name, namespace, labels },
          spec: {
            ingressClassName: options.ingressClassName ?? 'traefik',
            rules: [
              {
                host: options.domain,
                http: {
                  paths: [
                    {
                      path: '/',
                      pathType: 'Prefix',
                      backend: { service: { name: app.name, port: { number: servicePort! } } },
                    },
                  ],
                },
              },
            ],
          },
        }),
      ),
    );
  }
  return objects;
}

/** Deployment, Service, Ingress (with a domain), ConfigMap/Secret for env, pull secret. */
export function buildAppObjects(app: AppSpec, options: KubernetesAppOptions): KubernetesStoredSpec {
  const owner: Owner = { kind: 'app', id: app.appId };
  return stored(options.namespace, owner, appObjects(app, options, owner));
}

export interface KubernetesStackSpec {
  /** The stack's id: its objects are owned by `stack.<id>`. */
  id: string;
  /**
   * One app spec per service. Service names stay as written: give each stack a namespace of its
   * own and services find each other by those names, as on a Swarm stack network.
   */
  services: AppSpec[];
  /** Service name → domain served by an Ingress. */
  domains?: Record<string, string>;
  /** Service name → env keys sealed at rest. */
  secretEnv?: Record<string, readonly string[]>;
}

/** The objects of every service of a stack, all owned by the stack (pruned as one set). */
export function buildStackObjects(
  stack: KubernetesStackSpec,
  options: Omit<KubernetesAppOptions, 'domain' | 'secretEnv'>,
): KubernetesStoredSpec {
  const owner: Owner = { kind: 'stack', id: stack.id };
  const seen = new Set<string>();
  const objects = stack.services.flatMap((service, index) => {
    if (seen.has(service.name)) {
      throw new FlotillaError('invalid', `services[${index}].name: ${service.name} is used twice`);
    }
    seen.add(service.name);
    const domain = stack.domains?.[service.name];
    const secretEnv = stack.secretEnv?.[service.name];
    return appObjects(
      service,
      { ...options, ...(domain ? { domain } : {}), ...(secretEnv ? { secretEnv } : {}) },
      owner,
    );
  });
  return stored(options.namespace, owner, objects);
}

export interface KubernetesDatabaseSpec {
  /** The database's id: its objects are owned by `database.<id>`. */
  id: string;
  /** StatefulSet and Service name (the host apps connect to); at most 52 characters. */
  name: string;
  engine: DatabaseEngine;
  image: string;
  /** Generated by the caller and sealed at rest; only ever sent inside a Secret. */
  password: string;
  /** Postgres role and database; default `postgres` and the database's name. */
  user?: string;
  database?: string;
  /** Size of the volume claim; default 1Gi. */
  storage?: string;
}

export const databasePorts = { postgres: 5432, redis: 6379 } as const;

/** Where the password Secret is mounted in a database's pod (a file, as on Swarm). */
export const databaseSecretsPath = '/run/secrets/flotilla';

/**
 * One replica of the engine with its own volume claim (the claim stays with ordinal 0 wherever
 * the pod runs), a Secret with the password, and a headless Service giving the pod a stable name.
 * The container is the one the Swarm path runs (`engineProfiles`): the image's own entrypoint,
 * the password as a 0400 file it reads through `POSTGRES_PASSWORD_FILE` / `REDIS_PASSWORD_FILE`
 * (never an environment value or an argument `ps` would show), and the same probe as readiness
 * probe: the pod is Ready only when `pg_isready` / `redis-cli ping` answers inside it.
 */
export function buildDatabaseObjects(
  db: KubernetesDatabaseSpec,
  options: { namespace: string; registry?: RegistryCredentials },
): KubernetesStoredSpec {
  const { namespace } = options;
  const owner: Owner = { kind: 'database', id: db.id };
  const labels = { ...ownerLabels(owner), [labelKeys.name]: db.name };
  const selector = { [labelKeys.owner]: ownerValue(owner), [labelKeys.name]: db.name };
  const profile = engineProfiles[db.engine];
  const port = databasePorts[db.engine];
  const secretName = `${db.name}-credentials`;
  const names = { user: db.user ?? 'postgres', database: db.database ?? db.name };
  const objects: KubeObject[] = [
    json(
      new Secret({
        metadata: { name: secretName, namespace, labels },
        type: 'Opaque',
        data: { password: base64(db.password) },
      }),
    ),
  ];
  const registrySecret = pullSecret(
    `${db.name}-registry`,
    namespace,
    labels,
    db.image,
    options.registry,
  );
  if (registrySecret) objects.push(registrySecret);
  objects.push(
    json(
      new Service({
        metadata: { name: db.name, namespace, labels },
        spec: { clusterIP: 'None', selector, ports: [{ name: db.engine, port, targetPort: port }] },
      }),
    ),
  );
  const container: IContainer = {
    name: db.engine,
    image: db.image,
    env: [
      ...Object.entries(profile.env(names)).map(([name, value]) => ({ name, value })),
      {
        name: profile.passwordFile.variable,
        value: `${databaseSecretsPath}/${profile.passwordFile.name}`,
      },
    ],
    ports: [{ name: db.engine, containerPort: port }],
    readinessProbe: {
      exec: { command: profile.probe(names) },
      periodSeconds: 5,
      // pg_isready waits up to 5 s itself.
      timeoutSeconds: 6,
      failureThreshold: 3,
    },
    ...(profile.stopSignal
      ? {
          // The kubelet stops with SIGTERM, which postgres takes as a "smart" shutdown waiting
          // for every client until the grace period's SIGKILL; its fast shutdown is SIGINT, as
          // the Swarm service's StopSignal says. The entrypoint execs the server as PID 1.
          lifecycle: {
            preStop: {
              exec: {
                command: ['/bin/sh', '-c', `kill -${profile.stopSignal.replace(/^SIG/, '')} 1`],
              },
            },
          },
        }
      : {}),
    volumeMounts: [
      { name: 'data', mountPath: profile.dataPath },
      { name: 'password', mountPath: databaseSecretsPath, readOnly: true },
    ],
  };
  objects.push(
    json(
      new StatefulSet({
        metadata: { name: db.name, namespace, labels },
        spec: {
          replicas: 1,
          serviceName: db.name,
          selector: { matchLabels: selector },
          podManagementPolicy: 'OrderedReady',
          updateStrategy: { type: 'RollingUpdate' },
          template: {
            metadata: { labels: { ...labels, ...selector } },
            spec: {
              containers: [container],
              volumes: [
                {
                  name: 'password',
                  secret: {
                    secretName,
                    // Read by the entrypoint (root) before it drops to the engine's user.
                    defaultMode: 0o400,
                    items: [{ key: 'password', path: profile.passwordFile.name }],
                  },
                },
              ],
              // A database talks to no Kubernetes API: no service account token in it.
              automountServiceAccountToken: false,
              ...(registrySecret
                ? { imagePullSecrets: [{ name: registrySecret.metadata.name }] }
                : {}),
              terminationGracePeriodSeconds: 30,
            },
          },
          volumeClaimTemplates: [
            {
              // The claim carries the owner's labels, so removing the database finds its data.
              metadata: { name: 'data', labels },
              spec: {
                accessModes: ['ReadWriteOnce'],
                resources: { requests: { storage: db.storage ?? '1Gi' } },
              },
            },
          ],
        },
      }),
    ),
  );
  return stored(namespace, owner, objects);
}
