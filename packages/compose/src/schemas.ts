// The shapes @flotilla/compose produces and takes, as zod schemas: the single source of truth for
// the router's inputs and outputs, the OpenAPI document and the dashboard. This module has no Node
// imports, so the dashboard can import it (`@flotilla/compose/schemas`).
import { z } from 'zod';

/** Largest compose file accepted (the API's JSON body limit is 1 MiB; a real file is a few KiB). */
export const maxComposeBytes = 512 * 1024;

export const orchestratorSchema = z.enum(['swarm', 'kubernetes']);
export type Orchestrator = z.infer<typeof orchestratorSchema>;

/**
 * What happens to a part of a compose file on a target:
 * - `ok`: carried over as written;
 * - `changed`: carried over in another form, or ignored because it has no meaning there while the
 *   app still works as the file intends (the reason says which);
 * - `dropped`: a feature the file asks for is left out; importing needs the user's consent
 *   (`drop: true`);
 * - `blocker`: it cannot be deployed until the file is changed.
 */
export const severitySchema = z.enum(['ok', 'changed', 'dropped', 'blocker']);
export type Severity = z.infer<typeof severitySchema>;

/** A problem at one place of a compose file: dotted path (`services.web.ports.0`) and line. */
export const composeIssueSchema = z.object({
  path: z.string(),
  message: z.string(),
  /** 1-based line in the file, when the path exists there (not for merged or generated values). */
  line: z.number().int().positive().optional(),
});
export type ComposeIssue = z.infer<typeof composeIssueSchema>;

/** One verdict of the analysis: a key of the file and what becomes of it on each orchestrator. */
export const findingSchema = z.object({
  path: z.string(),
  /** The service it belongs to; absent for top-level keys. */
  service: z.string().optional(),
  key: z.string(),
  swarm: severitySchema,
  kubernetes: severitySchema,
  /** What Flotilla does with it and, when it is not `ok`, what the user can do. */
  reason: z.string(),
  line: z.number().int().positive().optional(),
});
export type Finding = z.infer<typeof findingSchema>;

const severityCountsSchema = z.object({
  ok: z.number().int(),
  changed: z.number().int(),
  dropped: z.number().int(),
  blocker: z.number().int(),
});

export const analysisSchema = z.object({
  /** SHA-256 of the interpolated file: `normalize` refuses an analysis of another file. */
  digest: z.string(),
  services: z.array(
    z.object({
      name: z.string(),
      image: z.string().optional(),
      findings: z.array(findingSchema),
    }),
  ),
  /** Verdicts on the top-level keys (networks, volumes, secrets, configs, version, …). */
  findings: z.array(findingSchema),
  counts: z.object({ swarm: severityCountsSchema, kubernetes: severityCountsSchema }),
  /** No blocker on that orchestrator (dropped items still need consent). */
  deployable: z.object({ swarm: z.boolean(), kubernetes: z.boolean() }),
  /** Variables the file uses that were not given (compose substitutes an empty string). */
  warnings: z.array(composeIssueSchema),
});
export type Analysis = z.infer<typeof analysisSchema>;

// --- The stack definition Flotilla stores and deploys ----------------------------------------

const durationMs = z
  .number()
  .int()
  .min(0)
  .max(7 * 24 * 3600_000);
const portNumber = z.number().int().min(1).max(65_535);
const envName = z.string().regex(/^[^=\s]+$/, 'no "=" or whitespace');
const containerPath = z.string().regex(/^\//, 'an absolute path in the container').max(4096);
/** Compose's own rule for service, volume and network names, and Swarm's 63 characters. */
export const stackResourceName = z
  .string()
  .regex(
    /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/,
    'letters, digits, ".", "_" and "-", starting with a letter or digit, at most 63',
  );

export const stackPortSchema = z.object({
  /** The port the service listens on inside its containers. */
  target: portNumber,
  /** The port on the nodes; Swarm picks one (30000–32767) when absent. */
  published: portNumber.optional(),
  protocol: z.enum(['tcp', 'udp']).default('tcp'),
  /**
   * `ingress`: the routing mesh answers on every node (the production default; needs IPVS).
   * `host`: each node running a task answers on its own address.
   */
  mode: z.enum(['ingress', 'host']).default('ingress'),
});
export type StackPort = z.infer<typeof stackPortSchema>;

export const stackMountSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('volume'),
    /** A volume of the stack's `volumes`; absent: an anonymous volume per task. */
    source: stackResourceName.optional(),
    target: containerPath,
    readOnly: z.boolean().default(false),
  }),
  z.object({
    type: z.literal('tmpfs'),
    target: containerPath,
    sizeBytes: z.number().int().positive().optional(),
  }),
]);
export type StackMount = z.infer<typeof stackMountSchema>;

export const stackHealthcheckSchema = z.object({
  /** Docker's form: ["CMD", argv…], ["CMD-SHELL", "command"], or ["NONE"] (the image's is off). */
  test: z.array(z.string()).min(1),
  intervalMs: durationMs.optional(),
  timeoutMs: durationMs.optional(),
  retries: z.number().int().min(0).max(100).optional(),
  startPeriodMs: durationMs.optional(),
});

const resourceAmounts = z.object({
  cpus: z.number().positive().max(1024).optional(),
  memoryBytes: z.number().int().positive().optional(),
});

const updateSchema = z.object({
  parallelism: z.number().int().min(0).max(1000),
  delayMs: durationMs,
  order: z.enum(['start-first', 'stop-first']),
  failureAction: z.enum(['rollback', 'pause', 'continue']),
  monitorMs: durationMs,
  maxFailureRatio: z.number().min(0).max(1),
});

const fileReferenceSchema = z.object({
  source: stackResourceName,
  /** Where it appears in the container (default: /run/secrets/<source> or /<source>). */
  target: z.string().max(4096).optional(),
  mode: z.number().int().min(0).max(0o777).optional(),
});

export const stackServiceSchema = z.object({
  image: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[^\s]+$/, 'no whitespace'),
  /** Replaces the image's CMD. */
  command: z.array(z.string()).max(1000).optional(),
  /** Replaces the image's ENTRYPOINT. */
  entrypoint: z.array(z.string()).max(1000).optional(),
  env: z.record(envName, z.string().max(65_536)).default({}),
  mode: z.enum(['replicated', 'global']).default('replicated'),
  /** Ignored in global mode (one task per eligible node). */
  replicas: z.number().int().min(0).max(100).default(1),
  ports: z.array(stackPortSchema).max(100).default([]),
  volumes: z.array(stackMountSchema).max(100).default([]),
  healthcheck: stackHealthcheckSchema.optional(),
  resources: z
    .object({ limits: resourceAmounts.optional(), reservations: resourceAmounts.optional() })
    .optional(),
  restart: z.object({
    condition: z.enum(['none', 'on-failure', 'any']),
    delayMs: durationMs,
    /** 0: no limit. */
    maxAttempts: z.number().int().min(0).max(10_000),
    windowMs: durationMs.optional(),
  }),
  /** How an update replaces tasks: Flotilla's defaults are start-first and rollback on failure. */
  update: updateSchema,
  rollback: updateSchema,
  placement: z
    .object({
      constraints: z.array(z.string().max(512)).max(50).default([]),
      /** Spread descriptors (`node.labels.zone`). */
      preferences: z.array(z.string().max(512)).max(10).default([]),
      maxReplicasPerNode: z.number().int().positive().optional(),
    })
    .optional(),
  endpointMode: z.enum(['vip', 'dnsrr']).optional(),
  /** The stack's networks the service joins, with extra DNS names on each. */
  networks: z
    .record(stackResourceName, z.object({ aliases: z.array(z.string().max(253)).default([]) }))
    .default({}),
  /** Container labels. */
  labels: z.record(z.string().max(256), z.string().max(4096)).default({}),
  /** Service labels (compose `deploy.labels`). */
  deployLabels: z.record(z.string().max(256), z.string().max(4096)).default({}),
  secrets: z.array(fileReferenceSchema).default([]),
  configs: z.array(fileReferenceSchema).default([]),
  user: z.string().max(256).optional(),
  workingDir: z.string().max(4096).optional(),
  hostname: z.string().max(253).optional(),
  /** "host:address" lines for /etc/hosts. */
  extraHosts: z.array(z.string().max(300)).default([]),
  init: z.boolean().optional(),
  readOnly: z.boolean().optional(),
  capAdd: z.array(z.string().max(64)).default([]),
  capDrop: z.array(z.string().max(64)).default([]),
  stopGracePeriodMs: durationMs.optional(),
  stopSignal: z.string().max(32).optional(),
  /** Only drivers whose logs the Engine API can read back (json-file, journald, local). */
  logging: z
    .object({
      driver: z.enum(['json-file', 'journald', 'local']),
      options: z.record(z.string(), z.string()).default({}),
    })
    .optional(),
});
export type StackService = z.infer<typeof stackServiceSchema>;
export type StackServiceInput = z.input<typeof stackServiceSchema>;

const externalObjectSchema = z.object({
  /** It exists on the cluster already; Flotilla neither creates nor removes it. */
  external: z.boolean().default(false),
  /** Its name on the cluster, when not `<stack>_<key>`. */
  name: z.string().max(255).optional(),
  labels: z.record(z.string().max(256), z.string().max(4096)).default({}),
});

export const stackDefinitionSchema = z
  .object({
    services: z.record(stackResourceName, stackServiceSchema),
    networks: z
      .record(
        stackResourceName,
        externalObjectSchema.extend({
          attachable: z.boolean().optional(),
          internal: z.boolean().optional(),
        }),
      )
      .default({}),
    volumes: z
      .record(
        stackResourceName,
        externalObjectSchema.extend({
          driver: z.string().max(255).optional(),
          driverOpts: z.record(z.string(), z.string()).default({}),
        }),
      )
      .default({}),
    /** Only secrets and configs that exist on the cluster (`external`) are carried over. */
    secrets: z
      .record(stackResourceName, z.object({ name: z.string().max(255).optional() }))
      .default({}),
    configs: z
      .record(stackResourceName, z.object({ name: z.string().max(255).optional() }))
      .default({}),
  })
  .superRefine((definition, context) => {
    const known = {
      networks: new Set(Object.keys(definition.networks)),
      volumes: new Set(Object.keys(definition.volumes)),
      secrets: new Set(Object.keys(definition.secrets)),
      configs: new Set(Object.keys(definition.configs)),
    };
    for (const [name, service] of Object.entries(definition.services)) {
      for (const network of Object.keys(service.networks)) {
        if (network !== 'default' && !known.networks.has(network)) {
          context.addIssue({
            code: 'custom',
            path: ['services', name, 'networks', network],
            message: `network "${network}" is not defined in the stack's networks`,
          });
        }
      }
      service.volumes.forEach((mount, index) => {
        if (mount.type === 'volume' && mount.source && !known.volumes.has(mount.source)) {
          context.addIssue({
            code: 'custom',
            path: ['services', name, 'volumes', index, 'source'],
            message: `volume "${mount.source}" is not defined in the stack's volumes`,
          });
        }
      });
      for (const kind of ['secrets', 'configs'] as const) {
        service[kind].forEach((reference, index) => {
          if (!known[kind].has(reference.source)) {
            context.addIssue({
              code: 'custom',
              path: ['services', name, kind, index, 'source'],
              message: `"${reference.source}" is not defined in the stack's ${kind}`,
            });
          }
        });
      }
    }
  });
export type StackDefinition = z.infer<typeof stackDefinitionSchema>;
export type StackDefinitionInput = z.input<typeof stackDefinitionSchema>;

// --- Comparing two definitions ---------------------------------------------------------------

export const fieldChangeSchema = z.discriminatedUnion('kind', [
  /** A value that may be shown (image, replicas, ports, …): before and after. */
  z.object({ kind: z.literal('value'), field: z.string(), from: z.unknown(), to: z.unknown() }),
  /** Environment variables: names only, never values (they may be secrets). */
  z.object({
    kind: z.literal('env'),
    field: z.literal('env'),
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(z.string()),
  }),
]);
export type FieldChange = z.infer<typeof fieldChangeSchema>;

export const serviceDiffSchema = z.object({
  name: z.string(),
  change: z.enum(['added', 'removed', 'changed']),
  /** The image of the added or removed service, or the new one of a changed service. */
  image: z.string(),
  /** For `changed`: each field that differs. */
  fields: z.array(fieldChangeSchema),
});
export type ServiceDiff = z.infer<typeof serviceDiffSchema>;

const namesChangeSchema = z.object({
  added: z.array(z.string()),
  removed: z.array(z.string()),
  changed: z.array(z.string()),
});

export const stackDiffSchema = z.object({
  /** Added, removed and changed services, by name; unchanged ones are listed apart. */
  services: z.array(serviceDiffSchema),
  unchanged: z.array(z.string()),
  networks: namesChangeSchema,
  volumes: namesChangeSchema,
  secrets: namesChangeSchema,
  configs: namesChangeSchema,
});
export type StackDiff = z.infer<typeof stackDiffSchema>;

// --- What procedures take --------------------------------------------------------------------

/** A compose file as a procedure takes it: its text and the variables it may interpolate. */
export const composeSourceSchema = z.object({
  compose: z
    .string()
    .min(1, 'the compose file is empty')
    .max(maxComposeBytes, `at most ${maxComposeBytes} bytes`),
  /** Values for `${VAR}` in the file (compose reads them from the shell or an .env file). */
  variables: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and underscores'),
      z.string().max(65_536),
    )
    .default({}),
  /** Profiles to enable: services with other profiles are not deployed (as `--profile`). */
  profiles: z.array(z.string().max(64)).max(20).default([]),
});
export type ComposeSource = z.infer<typeof composeSourceSchema>;
