// The shapes stack.* procedures share: a stack, its versions and runs, a service's outcome, and
// the rules for names and compose input. Each procedure's own input and result are in
// `<name>.schema.ts`. Only zod here: the dashboard imports it.
import { analysisSchema, composeSourceSchema, stackPortSchema } from '@flotilla/compose/schemas';
import { z } from 'zod';
import { clusterId, idSchema, isoDate, organizationId, text } from '../../schemas/common.ts';
import { slugOf } from '../app/schema.ts';

export const stackId = idSchema;
export const stackRunId = idSchema;
const projectId = idSchema;

export const stackStatusSchema = z.enum(['draft', 'published', 'archived']);
export const stackRunStatusSchema = z.enum(['queued', 'deploying', 'succeeded', 'failed']);
export const stackRunTriggerSchema = z.enum(['deploy', 'restore']);

export const stackName = text(1, 63);
export const stackDescription = text(0, 1000);

/**
 * The stack's name on its cluster: `docker stack deploy … <name>` prefixes every service with
 * it, and on Kubernetes it names the namespace `stack-<name>`, so a DNS label short enough for
 * both.
 */
export const stackClusterName = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
    'lower-case letters, digits and inner hyphens only (it prefixes every service on the cluster)',
  );

/** `My Shop` → `my-shop`: what `stackClusterName` accepts, or '' when nothing is left. */
export const stackClusterNameOf = slugOf;

/** The bytes of an uploaded compose file as they arrive (multipart/form-data field `file`). */
export const composeFile = z.custom<AsyncIterable<Uint8Array>>(
  (value) =>
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function',
  'the compose file (multipart/form-data field "file")',
);

// Form fields of a multipart upload arrive as text: "true", a JSON object, "a,b".
export const formBoolean = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean(),
);
const formJson = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }, schema);
const formList = <S extends z.ZodType>(schema: S) =>
  z.preprocess(
    (value) => (typeof value === 'string' ? value.split(',').filter(Boolean) : value),
    schema,
  );

/**
 * A compose file as stack procedures take it: its text (`compose`, JSON) or the file itself
 * (`file`, multipart/form-data, other fields as form fields), the values of its `${VARIABLES}`,
 * its profiles, and consent to leave out what does not carry over.
 */
export const composeUploadFields = {
  compose: composeSourceSchema.shape.compose.optional(),
  file: composeFile.optional(),
  variables: formJson(composeSourceSchema.shape.variables),
  profiles: formList(composeSourceSchema.shape.profiles),
  /**
   * Leave out what the analysis calls `dropped` (bind mounts, `privileged`, …); without it a
   * file with such parts is refused, naming each.
   */
  drop: formBoolean.default(false),
};

/** Exactly one of `compose` and `file`. */
export function oneComposeSource(
  value: { compose?: string | undefined; file?: unknown },
  context: z.RefinementCtx,
): void {
  if (value.compose === undefined && value.file === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['compose'],
      message: 'is required: the compose file as text (or as the multipart field "file")',
    });
  } else if (value.compose !== undefined && value.file !== undefined) {
    context.addIssue({ code: 'custom', path: ['file'], message: 'give compose or file, not both' });
  }
}

/** A version by its number (1, 2, …), as the dashboard and the API show it. */
export const versionNumber = z.coerce.number().int().min(1).max(1_000_000);

export const stackRef = z.object({ stackId });

/** What the stack's definition holds, service by service, without env values. */
export const stackServiceSummary = z.object({
  name: z.string(),
  image: z.string(),
  mode: z.enum(['replicated', 'global']),
  replicas: z.number().int(),
  ports: z.array(stackPortSchema),
  /** Names only: values may be secrets. */
  envNames: z.array(z.string()),
});

export const stackServiceOutcome = z.object({
  name: z.string(),
  outcome: z.enum(['succeeded', 'failed', 'pending', 'removed']),
  image: z.string().optional(),
  running: z.number().int().optional(),
  desired: z.number().int().optional(),
  reason: z.string().optional(),
});

export const stackRun = z.object({
  id: z.string(),
  stackId: z.string(),
  ordinal: z.number().int(),
  /** The version number it deployed. */
  version: z.number().int(),
  trigger: stackRunTriggerSchema,
  status: stackRunStatusSchema,
  reason: z.string().nullable(),
  /** Each service as the servers reported it at the end (empty while the run is under way). */
  services: z.array(stackServiceOutcome),
  /** After a failure the version that ran before was put back and serves. */
  restored: z.boolean(),
  createdBy: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
  deadlineAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  createdAt: isoDate,
});
export type StackRunOut = z.infer<typeof stackRun>;

export const stackVersionSummary = z.object({
  id: z.string(),
  /** 1, 2, … per stack. */
  version: z.number().int(),
  /** sha256 of the file `docker stack deploy` took. */
  digest: z.string(),
  services: z.array(z.string()),
  variableNames: z.array(z.string()),
  /** The version the servers run now. */
  current: z.boolean(),
  createdBy: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
  createdAt: isoDate,
});

export const stack = z.object({
  id: z.string(),
  organizationId: z.string(),
  projectId: z.string(),
  clusterId: z.string(),
  name: z.string(),
  /** The name of the stack on its cluster (services are `<stackName>_<service>`). */
  stackName: z.string(),
  description: z.string(),
  status: stackStatusSchema,
  /** The draft's compose file as written; null until the first save. */
  compose: z.string().nullable(),
  profiles: z.array(z.string()),
  drop: z.boolean(),
  /** Names of the variables given for the compose file; their values are sealed and never shown. */
  variableNames: z.array(z.string()),
  /** The draft's services. */
  services: z.array(stackServiceSummary),
  /** The version the servers run (number), null before the first successful run. */
  currentVersion: z.number().int().nullable(),
  lastRun: stackRun.nullable(),
  /** stack.remove was asked: the services are being taken off the cluster. */
  removing: z.boolean(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type StackOut = z.infer<typeof stack>;

/** A stack with what the analysis of its draft said (what carried over, what was left out). */
export const stackWithAnalysis = stack.extend({ analysis: analysisSchema.nullable() });

export const stackPlacement = {
  /** Default: the `X-Flotilla-Organization` header, else the caller's only organization. */
  organizationId: organizationId.optional(),
  /** Default: the organization's default project. */
  projectId: projectId.optional(),
  /** Default: the organization's default cluster (cluster.setDefault). */
  clusterId: clusterId.optional(),
  name: stackName,
  /** Default: from the name (`My Shop` → `my-shop`). */
  stackName: stackClusterName.optional(),
  description: stackDescription.default(''),
};
