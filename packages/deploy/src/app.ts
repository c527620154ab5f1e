// An app's desired state, orchestrator-neutral: what the router stores and the worker deploys.
// One zod schema, so the router, the jobs and the dashboard validate the same thing.
import { z } from 'zod';

// Docker's reference grammar, simplified to what a registry accepts: [host[:port]/]path[:tag][@digest].
const referencePattern =
  /^(?:(?<registry>[a-zA-Z0-9.-]+(?::\d+)?)\/)?(?<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[\w][\w.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

export interface ImageReference {
  /** "registry.example.com:5000"; undefined for Docker Hub names. */
  registry?: string;
  /** "team/api" */
  path: string;
  tag?: string;
  digest?: string;
}

export function parseImageReference(reference: string): ImageReference | null {
  const match = referencePattern.exec(reference);
  if (!match?.groups) return null;
  const { registry, path, tag, digest } = match.groups;
  // "localhost/x" and "host.name/x" name a registry; a bare first component ("team/x") does not.
  const first = reference.split('/')[0] ?? '';
  const isRegistry =
    registry !== undefined && (first.includes('.') || first.includes(':') || first === 'localhost');
  return {
    ...(isRegistry ? { registry } : {}),
    path: isRegistry ? path! : `${registry ? `${registry}/` : ''}${path}`,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** "repo:tag@sha256:…" — what `docker service create` pins, keeping the tag for people to read. */
export function pinnedImage(reference: string, digest: string): string {
  const parsed = parseImageReference(reference);
  if (!parsed) throw new Error(`not an image reference: ${reference}`);
  const repository = `${parsed.registry ? `${parsed.registry}/` : ''}${parsed.path}`;
  return `${repository}${parsed.tag ? `:${parsed.tag}` : ''}@${digest}`;
}

const durationMs = z
  .number()
  .int()
  .min(0)
  .max(24 * 3600_000);

export const appSpecSchema = z.object({
  /** The service's name on the cluster (unique there): lower case, digits, dashes. */
  name: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lower-case letters, digits and dashes'),
  /** Who owns it: written as labels on every object Flotilla creates for the app. */
  appId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  image: z
    .string()
    .max(512)
    .refine((value) => parseImageReference(value) !== null, 'not an image reference'),
  env: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and underscores'),
      z.string().max(32_768),
    )
    .default({}),
  replicas: z.number().int().min(0).max(100).default(1),
  /** Replaces the image's CMD. */
  command: z.array(z.string()).max(100).optional(),
  /** Replaces the image's ENTRYPOINT. */
  entrypoint: z.array(z.string()).max(100).optional(),
  port: z
    .object({
      /** The port the app listens on inside its container. */
      target: z.number().int().min(1).max(65_535),
      /** The port clients use on the nodes; the orchestrator picks one when omitted. */
      published: z.number().int().min(1).max(65_535).optional(),
      /**
       * `ingress`: the routing mesh answers on every node and balances (the production default).
       * `host`: each node running a task answers on its own address, for a balancer in front.
       */
      mode: z.enum(['ingress', 'host']).default('ingress'),
      protocol: z.enum(['tcp', 'udp']).default('tcp'),
    })
    .optional(),
  healthcheck: z
    .object({
      /** Run with /bin/sh -c inside the container; exit 0 means healthy. */
      command: z.string().min(1).max(4096),
      intervalMs: durationMs.default(5_000),
      timeoutMs: durationMs.default(3_000),
      retries: z.number().int().min(1).max(100).default(3),
      startPeriodMs: durationMs.default(0),
    })
    .optional(),
  restart: z
    .object({
      condition: z.enum(['none', 'on-failure', 'any']).default('any'),
      delayMs: durationMs.default(5_000),
      /** 0: no limit. */
      maxAttempts: z.number().int().min(0).max(1000).default(0),
    })
    .default({ condition: 'any', delayMs: 5_000, maxAttempts: 0 }),
  /** How an update replaces tasks; `order` defaults from the port mode (see the README). */
  update: z
    .object({
      parallelism: z.number().int().min(1).max(100).default(1),
      delayMs: durationMs.default(0),
      order: z.enum(['start-first', 'stop-first']).optional(),
      /** Watch each new task this long for failure; at least the healthcheck's start time. */
      monitorMs: durationMs.optional(),
    })
    .default({ parallelism: 1, delayMs: 0 }),
  resources: z
    .object({
      cpus: z.number().positive().max(512).optional(),
      memoryBytes: z
        .number()
        .int()
        .min(4 * 1024 * 1024)
        .optional(),
    })
    .optional(),
  stopGracePeriodMs: durationMs.optional(),
  labels: z.record(z.string().max(256), z.string().max(1024)).default({}),
  /**
   * Overlay networks the service joins besides its own (by name): a bound managed database's,
   * where the app reaches it by its service name.
   */
  networks: z
    .array(
      z
        .string()
        .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, 'letters, digits, dots, dashes, underscores'),
    )
    .max(32)
    .default([]),
});

export type AppSpec = z.output<typeof appSpecSchema>;
export type AppSpecInput = z.input<typeof appSpecSchema>;

/** Registry credentials a deploy hands to the nodes (never stored in the spec). */
export interface RegistryCredentials {
  /** host[:port] of the registry, as in the image name. */
  server: string;
  username: string;
  password: string;
}
