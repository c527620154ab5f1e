// An app row → the AppSpec @flotilla/deploy applies, and the applied spec ↔ the deployment row.
// The service carries the id of the deployment that applied it as a label: after a crash, what
// the servers hold says which deployment they run. Secret env values never go into the stored
// spec: they are sealed on the deployment row (its own context), and merged back to re-apply.

import type { Prisma } from '@flotilla/db';
import { type AppSpec, appSpecSchema, type StoredSpec } from '@flotilla/deploy';
import type { ServiceSpec } from '@flotilla/docker';
import { deploymentSecretEnvContext } from '@flotilla/secrets';
import type { Engine } from '../engine.ts';
import { PermanentError } from '../errors.ts';
import { type AppRow, appSecretEnv, plainEnv } from './records.ts';

/**
 * On the service, the deployment whose spec it runs; on its tasks (container labels), the
 * deployment that made them — what tells, after a crash, that a spec was applied and then rolled
 * back (Swarm's own rollback keeps no trace of it on the service).
 */
export const deploymentLabel = 'dev.flotilla.deployment-id';

export function deploymentOf(spec: ServiceSpec | undefined | null): string | undefined {
  return spec?.Labels?.[deploymentLabel];
}

/** The spec, labelled as applied by `deploymentId` (service and container labels). */
export function markedAs(stored: StoredSpec, deploymentId: string): StoredSpec {
  const { spec } = stored;
  return {
    ...stored,
    spec: {
      ...spec,
      Labels: { ...spec.Labels, [deploymentLabel]: deploymentId },
      TaskTemplate: {
        ...spec.TaskTemplate,
        ContainerSpec: {
          ...spec.TaskTemplate.ContainerSpec,
          Labels: { ...spec.TaskTemplate.ContainerSpec.Labels, [deploymentLabel]: deploymentId },
        },
      },
    },
  };
}

/** `networks`: those of the managed databases bound to the app, where it reaches them. */
export function appSpecOf(
  engine: Engine,
  app: AppRow,
  image: string,
  networks: string[] = [],
): AppSpec {
  return appSpecSchema.parse({
    name: app.serviceName,
    networks,
    appId: app.id,
    image,
    env: { ...plainEnv(app.env), ...appSecretEnv(engine, app) },
    replicas: app.replicas,
    ...(app.command.length > 0 ? { command: app.command } : {}),
    ...(app.port
      ? {
          port: {
            target: app.port,
            ...(app.publishedPort ? { published: app.publishedPort.port } : {}),
            mode: engine.settings.apps.publishMode,
          },
        }
      : {}),
  });
}

const envKey = (entry: string) => entry.slice(0, entry.indexOf('='));

function withEnv(spec: ServiceSpec, env: string[]): ServiceSpec {
  const { Env: _dropped, ...container } = spec.TaskTemplate.ContainerSpec;
  return {
    ...spec,
    TaskTemplate: {
      ...spec.TaskTemplate,
      ContainerSpec: { ...container, ...(env.length ? { Env: env } : {}) },
    },
  };
}

/** What the deployment row keeps: the spec without secret values, and those sealed apart. */
export function sealStoredSpec(
  engine: Engine,
  deploymentId: string,
  stored: StoredSpec,
  secretNames: readonly string[],
): { spec: Prisma.InputJsonValue; secretEnvEncrypted: string | null } {
  const secret = new Set(secretNames);
  const env = stored.spec.TaskTemplate.ContainerSpec.Env ?? [];
  const kept = env.filter((entry) => !secret.has(envKey(entry)));
  const sealed = Object.fromEntries(
    env
      .filter((entry) => secret.has(envKey(entry)))
      .map((entry) => [envKey(entry), entry.slice(entry.indexOf('=') + 1)]),
  );
  return {
    spec: { ...stored, spec: withEnv(stored.spec, kept) } as unknown as Prisma.InputJsonValue,
    secretEnvEncrypted:
      Object.keys(sealed).length > 0
        ? engine.sealer.seal(JSON.stringify(sealed), deploymentSecretEnvContext(deploymentId))
        : null,
  };
}

/**
 * The stored spec of a deployment row, its secret values merged back (ordered as built), and
 * the names of those values.
 */
export function openStoredSpec(
  engine: Engine,
  row: { id: string; spec: Prisma.JsonValue; secretEnvEncrypted: string | null },
): { stored: StoredSpec; secretNames: string[] } {
  const stored = row.spec as unknown as StoredSpec | null;
  if (stored?.orchestrator !== 'swarm' || !stored.spec?.TaskTemplate) {
    throw new PermanentError(`deployment ${row.id} has no stored Swarm spec`);
  }
  if (!row.secretEnvEncrypted) return { stored, secretNames: [] };
  const secret = JSON.parse(
    engine.sealer.open(row.secretEnvEncrypted, deploymentSecretEnvContext(row.id)),
  ) as Record<string, string>;
  const env = [
    ...(stored.spec.TaskTemplate.ContainerSpec.Env ?? []),
    ...Object.entries(secret).map(([key, value]) => `${key}=${value}`),
  ].sort((a, b) => envKey(a).localeCompare(envKey(b)));
  return {
    stored: { ...stored, spec: withEnv(stored.spec, env) },
    secretNames: Object.keys(secret),
  };
}

/**
 * A stored spec applied again by a later deployment (a rollback): labelled with that deployment,
 * at the replica count the app has now — a rollback takes back a release, not a scale.
 */
export function reappliedAs(
  stored: StoredSpec,
  deploymentId: string,
  replicas: number,
): StoredSpec {
  const marked = markedAs(stored, deploymentId);
  return { ...marked, spec: { ...marked.spec, Mode: { Replicated: { Replicas: replicas } } } };
}

/** The secret variable names of the app (what a stored spec leaves out). */
export function secretNamesOf(engine: Engine, app: AppRow): string[] {
  return Object.keys(appSecretEnv(engine, app));
}
