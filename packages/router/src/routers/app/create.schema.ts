import { z } from 'zod';
import { clusterId, organizationId } from '../../schemas/common.ts';
import { restOutput } from '../../schemas/rest.ts';
import {
  app,
  appName,
  appSlug,
  appToRestShape,
  buildCommand,
  commandSchema,
  domainSchema,
  envSchema,
  imageReference,
  portSchema,
  projectId,
  registryId,
  replicasSchema,
  repoBranch,
  repoUrl,
  restApp,
} from './schema.ts';

const common = {
  /** Default: the `X-Flotilla-Organization` header, else the caller's only organization. */
  organizationId: organizationId.optional(),
  /** Default: the organization's default project. */
  projectId: projectId.optional(),
  /** Default: the organization's default cluster (cluster.setDefault). */
  clusterId: clusterId.optional(),
  name: appName,
  /** Default: from the name (`My API` → `my-api`). */
  slug: appSlug.optional(),
  /** Where the app listens inside its container; published on the cluster's nodes. */
  port: portSchema.optional(),
  /** The port clients use on the nodes; default the lowest free one of 30000–32767. */
  publishedPort: portSchema.optional(),
  replicas: replicasSchema.default(1),
  /** Replaces the image's CMD (its arguments); default the image's own. */
  command: commandSchema.optional(),
  env: envSchema.default({}),
  /** Like env, but sealed at rest and shown only to those who may manage the app. */
  secretEnv: envSchema.default({}),
  domain: domainSchema.optional(),
  /** Pull and push credentials; default the registry of the image's host, or the default one. */
  registryId: registryId.optional(),
};

export const appCreateInput = z.discriminatedUnion('sourceType', [
  z.object({ ...common, sourceType: z.literal('image'), imageUrl: imageReference }),
  z.object({
    ...common,
    sourceType: z.literal('git'),
    repoUrl,
    repoBranch: repoBranch.default('main'),
    buildCommand: buildCommand.optional(),
  }),
  z.object({ ...common, sourceType: z.literal('upload'), buildCommand: buildCommand.optional() }),
]);
export type AppCreateInput = z.infer<typeof appCreateInput>;
export const appCreateOutput = app;

const restCommon = {
  organization_id: common.organizationId,
  project_id: common.projectId,
  cluster_id: common.clusterId,
  name: common.name,
  slug: common.slug,
  port: common.port,
  published_port: common.publishedPort,
  replicas: common.replicas,
  command: common.command,
  env: common.env,
  secret_env: common.secretEnv,
  domain: common.domain,
  registry_id: common.registryId,
};

/** `POST /api/v1/apps` with the page's fields (`source_type`, `image_url`, `repo_url`, …). */
export const appCreateRestInput = z
  .discriminatedUnion('source_type', [
    z.object({ ...restCommon, source_type: z.literal('image'), image_url: imageReference }),
    z.object({
      ...restCommon,
      source_type: z.literal('git'),
      repo_url: repoUrl,
      repo_branch: repoBranch.default('main'),
      build_command: buildCommand.optional(),
    }),
    z.object({
      ...restCommon,
      source_type: z.literal('upload'),
      build_command: buildCommand.optional(),
    }),
  ])
  .transform((rest): AppCreateInput => {
    const common = {
      organizationId: rest.organization_id,
      projectId: rest.project_id,
      clusterId: rest.cluster_id,
      name: rest.name,
      slug: rest.slug,
      port: rest.port,
      publishedPort: rest.published_port,
      replicas: rest.replicas,
      command: rest.command,
      env: rest.env,
      secretEnv: rest.secret_env,
      domain: rest.domain,
      registryId: rest.registry_id,
    };
    if (rest.source_type === 'image') {
      return { ...common, sourceType: 'image', imageUrl: rest.image_url };
    }
    if (rest.source_type === 'git') {
      return {
        ...common,
        sourceType: 'git',
        repoUrl: rest.repo_url,
        repoBranch: rest.repo_branch,
        buildCommand: rest.build_command,
      };
    }
    return { ...common, sourceType: 'upload', buildCommand: rest.build_command };
  });

/** An app as the apps page shows it. */
export const appToRest = restOutput(restApp, appToRestShape);
