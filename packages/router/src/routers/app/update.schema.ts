import type { z } from 'zod';
import {
  app,
  appName,
  appRef,
  buildCommand,
  commandSchema,
  domainSchema,
  envPatchSchema,
  imageReference,
  portSchema,
  registryId,
  replicasSchema,
  repoBranch,
  repoUrl,
  restAppPath,
} from './schema.ts';

const changes = {
  name: appName.optional(),
  /** Image apps; applies on the next deploy. */
  imageUrl: imageReference.optional(),
  /** Git apps; apply on the next deploy. */
  repoUrl: repoUrl.optional(),
  repoBranch: repoBranch.optional(),
  buildCommand: buildCommand.nullable().optional(),
  /** null: publish nothing (and give the published port back). */
  port: portSchema.nullable().optional(),
  publishedPort: portSchema.optional(),
  /** Scales the running service at once. */
  replicas: replicasSchema.optional(),
  /** Replaces the image's CMD on the next deploy; null: the image's own again. */
  command: commandSchema.nullable().optional(),
  /** Merged into env: a name with `null` is removed. Applies on the next deploy, no rebuild. */
  env: envPatchSchema.optional(),
  /** Merged into the secret env the same way. */
  secretEnv: envPatchSchema.optional(),
  domain: domainSchema.nullable().optional(),
  registryId: registryId.nullable().optional(),
};

export const appUpdateInput = appRef.extend(changes);
export type AppUpdateInput = z.infer<typeof appUpdateInput>;
export const appUpdateOutput = app;

/** `PATCH /api/v1/apps/{id}` with the page's fields. */
export const appUpdateRestInput = restAppPath
  .extend({
    name: changes.name,
    image_url: changes.imageUrl,
    repo_url: changes.repoUrl,
    repo_branch: changes.repoBranch,
    build_command: changes.buildCommand,
    port: changes.port,
    published_port: changes.publishedPort,
    replicas: changes.replicas,
    command: changes.command,
    env: changes.env,
    secret_env: changes.secretEnv,
    domain: changes.domain,
    registry_id: changes.registryId,
  })
  .transform(
    (rest): AppUpdateInput => ({
      appId: rest.id,
      name: rest.name,
      imageUrl: rest.image_url,
      repoUrl: rest.repo_url,
      repoBranch: rest.repo_branch,
      buildCommand: rest.build_command,
      port: rest.port,
      publishedPort: rest.published_port,
      replicas: rest.replicas,
      command: rest.command,
      env: rest.env,
      secretEnv: rest.secret_env,
      domain: rest.domain,
      registryId: rest.registry_id,
    }),
  );
