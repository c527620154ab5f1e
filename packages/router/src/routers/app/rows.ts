// Reading apps and deployments: the columns the API shows, and the row → answer mappers.
import type { Prisma } from '@flotilla/db';
import type { AppOut, DeploymentOut } from './schema.ts';

export const appSelect = {
  id: true,
  organizationId: true,
  projectId: true,
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
  statusReason: true,
  lastDeployAt: true,
  createdAt: true,
  updatedAt: true,
  publishedPort: { select: { port: true } },
} satisfies Prisma.AppSelect;

export type AppRow = Prisma.AppGetPayload<{ select: typeof appSelect }>;

/** The plain env as stored: an object of strings (anything else was never written). */
export function plainEnv(value: Prisma.JsonValue): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

/** The names of the secret variables, read without opening the values. */
export function secretNames(
  row: Pick<AppRow, 'secretEnvEncrypted'>,
  open: () => Record<string, string>,
) {
  return row.secretEnvEncrypted ? Object.keys(open()).sort() : [];
}

export function appOut(row: AppRow, secretEnvNames: string[]): AppOut {
  return {
    id: row.id,
    organizationId: row.organizationId,
    projectId: row.projectId,
    clusterId: row.clusterId,
    name: row.name,
    slug: row.slug,
    serviceName: row.serviceName,
    sourceType: row.sourceType,
    imageUrl: row.imageUrl,
    repoUrl: row.repoUrl,
    repoBranch: row.repoBranch,
    buildCommand: row.buildCommand,
    port: row.port,
    publishedPort: row.publishedPort?.port ?? null,
    command: row.command.length > 0 ? row.command : null,
    replicas: row.replicas,
    env: plainEnv(row.env),
    secretEnvNames,
    domain: row.domain,
    registryId: row.registryId,
    status: row.status,
    statusReason: row.statusReason,
    lastDeployAt: row.lastDeployAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export const deploymentSelect = {
  id: true,
  appId: true,
  ordinal: true,
  trigger: true,
  status: true,
  reason: true,
  image: true,
  imageDigest: true,
  sourceDeploymentId: true,
  createdById: true,
  deadlineAt: true,
  cancelRequestedAt: true,
  startedAt: true,
  finishedAt: true,
  createdAt: true,
  build: { select: { id: true } },
} satisfies Prisma.DeploymentSelect;

export type DeploymentRow = Prisma.DeploymentGetPayload<{ select: typeof deploymentSelect }>;

type Person = { id: string; name: string; email: string };

export function deploymentOut(row: DeploymentRow, people: Map<string, Person>): DeploymentOut {
  return {
    id: row.id,
    appId: row.appId,
    ordinal: row.ordinal,
    trigger: row.trigger,
    status: row.status,
    reason: row.reason,
    image: row.image,
    imageDigest: row.imageDigest,
    sourceDeploymentId: row.sourceDeploymentId,
    buildId: row.build?.id ?? null,
    createdBy: (row.createdById && people.get(row.createdById)) || null,
    deadlineAt: row.deadlineAt.toISOString(),
    cancelRequestedAt: row.cancelRequestedAt?.toISOString() ?? null,
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The users named by `ids`, for "who" columns (users may have been deleted since). */
export async function peopleOf(
  db: Prisma.TransactionClient,
  ids: (string | null)[],
): Promise<Map<string, Person>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const users = await db.user.findMany({
    where: { id: { in: wanted } },
    select: { id: true, name: true, email: true },
  });
  return new Map(users.map((user) => [user.id, user]));
}
