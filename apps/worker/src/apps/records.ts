// The rows app jobs work from: the app, a deployment (with its build), and the registry whose
// credentials go to the servers — opened here, never logged.

import type { Prisma } from '@flotilla/db';
import { parseImageReference, type RegistryCredentials } from '@flotilla/deploy';
import { appSecretEnvContext, registryPasswordContext } from '@flotilla/secrets';
import type { Engine } from '../engine.ts';

export const appSelect = {
  id: true,
  organizationId: true,
  clusterId: true,
  name: true,
  slug: true,
  serviceName: true,
  sourceType: true,
  imageUrl: true,
  repoUrl: true,
  repoBranch: true,
  buildCommand: true,
  port: true,
  command: true,
  replicas: true,
  env: true,
  secretEnvEncrypted: true,
  domain: true,
  registryId: true,
  status: true,
  restartGeneration: true,
  scaleGeneration: true,
  publishedPort: { select: { port: true } },
  organization: { select: { defaultRegistryId: true } },
  cluster: { select: { orchestrator: true } },
} satisfies Prisma.AppSelect;

export type AppRow = Prisma.AppGetPayload<{ select: typeof appSelect }>;

export function loadApp(engine: Engine, appId: string): Promise<AppRow | null> {
  return engine.db.app.findUnique({ where: { id: appId }, select: appSelect });
}

export const deploymentSelect = {
  id: true,
  appId: true,
  ordinal: true,
  trigger: true,
  status: true,
  image: true,
  imageDigest: true,
  spec: true,
  secretEnvEncrypted: true,
  sourceDeploymentId: true,
  deadlineAt: true,
  cancelRequestedAt: true,
  startedAt: true,
  build: { select: { id: true, status: true, image: true } },
} satisfies Prisma.DeploymentSelect;

export type DeploymentRow = Prisma.DeploymentGetPayload<{ select: typeof deploymentSelect }>;

export const inFlight = ['queued', 'building', 'deploying'] as const;

export function isInFlight(status: string): boolean {
  return (inFlight as readonly string[]).includes(status);
}

/** The plain env as stored: an object of strings. */
export function plainEnv(value: Prisma.JsonValue): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

export function appSecretEnv(engine: Engine, app: AppRow): Record<string, string> {
  if (!app.secretEnvEncrypted) return {};
  return JSON.parse(
    engine.sealer.open(app.secretEnvEncrypted, appSecretEnvContext(app.id)),
  ) as Record<string, string>;
}

async function credentialsOf(
  engine: Engine,
  where: Prisma.RegistryWhereInput,
): Promise<RegistryCredentials | undefined> {
  const registry = await engine.db.registry.findFirst({
    where,
    orderBy: { createdAt: 'asc' },
    select: { id: true, server: true, username: true, passwordEncrypted: true },
  });
  if (!registry?.username || !registry.passwordEncrypted) return undefined;
  return {
    server: registry.server,
    username: registry.username,
    password: engine.sealer.open(registry.passwordEncrypted, registryPasswordContext(registry.id)),
  };
}

/**
 * The credentials for pulling `image`: the app's registry when it serves the image's host, else
 * any registry of the organization that does. None for public images.
 */
export async function pullCredentials(
  engine: Engine,
  app: AppRow,
  image: string,
): Promise<RegistryCredentials | undefined> {
  const server = parseImageReference(image)?.registry;
  if (!server) return undefined;
  const own = app.registryId
    ? await credentialsOf(engine, { id: app.registryId, server })
    : undefined;
  return own ?? credentialsOf(engine, { organizationId: app.organizationId, server });
}

/** Where builds of the app are pushed: its registry, else the organization's default. */
export async function pushRegistry(
  engine: Engine,
  app: AppRow,
): Promise<{ server: string; username: string | null; credentials?: RegistryCredentials } | null> {
  const id = app.registryId ?? app.organization.defaultRegistryId;
  if (!id) return null;
  const registry = await engine.db.registry.findUnique({
    where: { id },
    select: { server: true, username: true },
  });
  if (!registry) return null;
  const credentials = await credentialsOf(engine, { id });
  return { ...registry, ...(credentials ? { credentials } : {}) };
}
