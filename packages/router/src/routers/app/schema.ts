// The shapes app.* procedures share: an app, a deployment, the rules for names, images, ports
// and env, and the same shapes as the apps REST page spells them (snake_case). Each procedure's
// own input and result are in `<name>.schema.ts`. Only zod here: the dashboard imports it.
import { parseImageReference } from '@flotilla/deploy/app';
import { z } from 'zod';
import { idSchema, isoDate, text } from '../../schemas/common.ts';

export const appId = idSchema;
export const deploymentId = idSchema;
export const projectId = idSchema;
export const registryId = idSchema;

export const appSourceTypes = ['image', 'git', 'upload'] as const;
export const appSourceTypeSchema = z.enum(appSourceTypes);
export const appStatusSchema = z.enum([
  'created',
  'building',
  'deploying',
  'running',
  'failed',
  'deleting',
]);
export const deploymentStatusSchema = z.enum([
  'queued',
  'building',
  'deploying',
  'active',
  'superseded',
  'failed',
  'cancelled',
]);
export const deploymentTriggerSchema = z.enum(['create', 'deploy', 'upload', 'rollback']);
export const buildStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);

/** Display name; the slug (a DNS label) is derived from it unless given. */
export const appName = text(1, 63);

/**
 * The slug names the app's service on its cluster (and the subdomain): a DNS label short
 * enough that the orchestrator's task and pod names built from it stay under 63 characters.
 */
export const appSlug = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
    'lower-case letters, digits and inner hyphens only (it names the service and the subdomain)',
  );

/** `My API v2` → `my-api-v2`: what `appSlug` accepts, or '' when nothing is left. */
export function slugOf(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

/** An image reference as Docker's reference grammar (the deploy package's parser) reads it. */
export const imageReference = z
  .string()
  .trim()
  .min(1)
  .max(512)
  .refine(
    (value) => parseImageReference(value) !== null,
    'not an image reference ([registry[:port]/]name[:tag][@sha256:digest], lower-case name)',
  );

export const maxReplicas = 100;
export const replicasSchema = z.coerce
  .number()
  .int('must be a whole number')
  .min(0)
  .max(maxReplicas, `at most ${maxReplicas}`);
export const portSchema = z.coerce
  .number()
  .int('must be a whole number')
  .min(1, 'must be 1–65535')
  .max(65_535, 'must be 1–65535');

/** Ports published on a cluster's nodes when a request asks for none (like Kubernetes NodePorts). */
export const publishedPortRange = { min: 30_000, max: 32_767 } as const;

/** What the shell and Docker accept as a variable name. */
export const envName = z
  .string()
  .max(255)
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'must be a variable name (letters, digits, _; not first a digit)',
  );
const envValue = z
  .string()
  .max(32_768)
  .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters');
export const maxEnvEntries = 200;

/** `{NAME: value}`; each bad name is reported at its own key. */
export const envSchema = z
  .record(envName, envValue)
  .refine((env) => Object.keys(env).length <= maxEnvEntries, `at most ${maxEnvEntries} variables`);
/** A change to env: `null` removes the variable, other keys are kept. */
export const envPatchSchema = z
  .record(envName, envValue.nullable())
  .refine((env) => Object.keys(env).length <= maxEnvEntries, `at most ${maxEnvEntries} variables`);

/** A git URL: syntax here, reachability (http(s)/ssh, the network policy) in the handler. */
export const repoUrl = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  // \s covers every whitespace; NUL is not whitespace but ends a C string in git's argv.
  .refine((value) => !/\s/.test(value) && !value.includes('\0'), 'must not contain whitespace');
/** A branch as git accepts it (`git check-ref-format --branch`), conservatively. */
export const repoBranch = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9._/-]+$/, 'letters, digits, ".", "_", "/" and "-" only')
  .refine(
    (value) =>
      !value.startsWith('-') &&
      !value.startsWith('/') &&
      !value.endsWith('/') &&
      !value.endsWith('.lock') &&
      !value.includes('..') &&
      !value.includes('//'),
    'not a git branch name',
  );
export const buildCommand = text(1, 1000);
/**
 * Replaces the image's CMD (its arguments, as `docker service create IMAGE ARG…` takes them):
 * each argument any text but NUL.
 */
export const commandSchema = z
  .array(
    z
      .string()
      .max(32_768)
      .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters'),
  )
  .min(1)
  .max(100);
export const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .pipe(z.hostname('must be a DNS name'));

export const app = z.object({
  id: z.string(),
  organizationId: z.string(),
  projectId: z.string(),
  clusterId: z.string(),
  name: z.string(),
  slug: z.string(),
  /** The service's name on the cluster. */
  serviceName: z.string(),
  sourceType: appSourceTypeSchema,
  imageUrl: z.string().nullable(),
  repoUrl: z.string().nullable(),
  repoBranch: z.string().nullable(),
  buildCommand: z.string().nullable(),
  port: z.number().int().nullable(),
  /** The port clients use on the cluster's nodes (allocated when not asked for). */
  publishedPort: z.number().int().nullable(),
  /** Replaces the image's CMD; null: the image's own. */
  command: z.array(z.string()).nullable(),
  replicas: z.number().int(),
  /** Plain values. */
  env: z.record(z.string(), z.string()),
  /** Names of the secret variables; their values only through `app.env` (manage, audited). */
  secretEnvNames: z.array(z.string()),
  domain: z.string().nullable(),
  registryId: z.string().nullable(),
  status: appStatusSchema,
  statusReason: z.string().nullable(),
  lastDeployAt: isoDate.nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type AppOut = z.infer<typeof app>;

export const deployment = z.object({
  id: z.string(),
  appId: z.string(),
  ordinal: z.number().int(),
  trigger: deploymentTriggerSchema,
  status: deploymentStatusSchema,
  reason: z.string().nullable(),
  /** The reference asked for or built; null until a build has pushed it. */
  image: z.string().nullable(),
  /** What was applied, pinned by digest. */
  imageDigest: z.string().nullable(),
  sourceDeploymentId: z.string().nullable(),
  buildId: z.string().nullable(),
  createdBy: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
  deadlineAt: isoDate,
  cancelRequestedAt: isoDate.nullable(),
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  createdAt: isoDate,
});
export type DeploymentOut = z.infer<typeof deployment>;

export const appRef = z.object({ appId });

// The same shapes as the apps REST page shows them.
export const restApp = z.object({
  id: z.string(),
  project_id: z.string(),
  cluster_id: z.string(),
  name: z.string(),
  slug: z.string(),
  source_type: appSourceTypeSchema,
  image_url: z.string().nullable(),
  repo_url: z.string().nullable(),
  repo_branch: z.string().nullable(),
  build_command: z.string().nullable(),
  replicas: z.number().int(),
  port: z.number().int().nullable(),
  published_port: z.number().int().nullable(),
  command: z.array(z.string()).nullable(),
  env: z.record(z.string(), z.string()),
  secret_env_names: z.array(z.string()),
  domain: z.string().nullable(),
  status: appStatusSchema,
  status_reason: z.string().nullable(),
  last_deploy_at: isoDate.nullable(),
  created_at: isoDate,
  updated_at: isoDate,
});

export function appToRestShape(a: AppOut): z.infer<typeof restApp> {
  return {
    id: a.id,
    project_id: a.projectId,
    cluster_id: a.clusterId,
    name: a.name,
    slug: a.slug,
    source_type: a.sourceType,
    image_url: a.imageUrl,
    repo_url: a.repoUrl,
    repo_branch: a.repoBranch,
    build_command: a.buildCommand,
    replicas: a.replicas,
    port: a.port,
    published_port: a.publishedPort,
    command: a.command,
    env: a.env,
    secret_env_names: a.secretEnvNames,
    domain: a.domain,
    status: a.status,
    status_reason: a.statusReason,
    last_deploy_at: a.lastDeployAt,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}

export const restDeployment = z.object({
  id: z.string(),
  app_id: z.string(),
  ordinal: z.number().int(),
  trigger: deploymentTriggerSchema,
  status: deploymentStatusSchema,
  reason: z.string().nullable(),
  image: z.string().nullable(),
  image_digest: z.string().nullable(),
  source_deployment_id: z.string().nullable(),
  created_by: z.string().nullable(),
  created_at: isoDate,
  started_at: isoDate.nullable(),
  finished_at: isoDate.nullable(),
});

export function deploymentToRestShape(d: DeploymentOut): z.infer<typeof restDeployment> {
  return {
    id: d.id,
    app_id: d.appId,
    ordinal: d.ordinal,
    trigger: d.trigger,
    status: d.status,
    reason: d.reason,
    image: d.image,
    image_digest: d.imageDigest,
    source_deployment_id: d.sourceDeploymentId,
    created_by: d.createdBy?.name ?? null,
    created_at: d.createdAt,
    started_at: d.startedAt,
    finished_at: d.finishedAt,
  };
}

/** `{id}` of the page's paths is the app's id. */
export const restAppPath = z.object({ id: appId });

/**
 * Camel-case input fields → the page's names, so a 400 raised by a handler (a port taken, a
 * refused git URL) names the field the REST caller sent.
 */
export const restAppFields = {
  appId: 'id',
  organizationId: 'organization_id',
  projectId: 'project_id',
  clusterId: 'cluster_id',
  sourceType: 'source_type',
  imageUrl: 'image_url',
  repoUrl: 'repo_url',
  repoBranch: 'repo_branch',
  buildCommand: 'build_command',
  publishedPort: 'published_port',
  secretEnv: 'secret_env',
  registryId: 'registry_id',
  deploymentId: 'deploymentId',
} as const;
