// Reading stacks: the selects, the sealed draft opened, and row → API mappers.
import { type StackDefinition, stackDefinitionSchema } from '@flotilla/compose';
import type { Prisma } from '@flotilla/db';
import {
  type Sealer,
  stackDefinitionContext,
  stackVariablesContext,
  stackVersionDefinitionContext,
  stackVersionRenderedContext,
} from '@flotilla/secrets';
import type { z } from 'zod';
import type { StackOut, StackRunOut, stackServiceOutcome, stackServiceSummary } from './schema.ts';

type Db = Pick<Prisma.TransactionClient, 'user'>;
type Person = { id: string; name: string; email: string };

export const runSelect = {
  id: true,
  stackId: true,
  ordinal: true,
  trigger: true,
  status: true,
  reason: true,
  services: true,
  restored: true,
  createdById: true,
  deadlineAt: true,
  startedAt: true,
  finishedAt: true,
  createdAt: true,
  version: { select: { ordinal: true } },
} satisfies Prisma.StackRunSelect;

export type RunRow = Prisma.StackRunGetPayload<{ select: typeof runSelect }>;

export const stackSelect = {
  id: true,
  organizationId: true,
  projectId: true,
  clusterId: true,
  name: true,
  stackName: true,
  description: true,
  status: true,
  compose: true,
  profiles: true,
  dropUnsupported: true,
  variablesEncrypted: true,
  definitionEncrypted: true,
  currentVersionId: true,
  removeRequestedAt: true,
  createdAt: true,
  updatedAt: true,
  currentVersion: { select: { ordinal: true } },
  runs: { orderBy: { ordinal: 'desc' }, take: 1, select: runSelect },
} satisfies Prisma.StackSelect;

export type StackRow = Prisma.StackGetPayload<{ select: typeof stackSelect }>;

export async function peopleOf(db: Db, ids: (string | null)[]): Promise<Map<string, Person>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const users = await db.user.findMany({
    where: { id: { in: wanted } },
    select: { id: true, name: true, email: true },
  });
  return new Map(users.map((user) => [user.id, user]));
}

export function openVariables(
  sealer: Sealer,
  stackId: string,
  envelope: string | null,
): Record<string, string> {
  if (!envelope) return {};
  return JSON.parse(sealer.open(envelope, stackVariablesContext(stackId))) as Record<
    string,
    string
  >;
}

export function sealVariables(
  sealer: Sealer,
  stackId: string,
  values: Record<string, string>,
): string | null {
  if (Object.keys(values).length === 0) return null;
  return sealer.seal(JSON.stringify(values), stackVariablesContext(stackId));
}

export function openDraft(
  sealer: Sealer,
  stackId: string,
  envelope: string | null,
): StackDefinition | null {
  if (!envelope) return null;
  return stackDefinitionSchema.parse(
    JSON.parse(sealer.open(envelope, stackDefinitionContext(stackId))),
  );
}

export function sealDraft(sealer: Sealer, stackId: string, definition: StackDefinition): string {
  return sealer.seal(JSON.stringify(definition), stackDefinitionContext(stackId));
}

export function openVersionDefinition(
  sealer: Sealer,
  version: { id: string; definitionEncrypted: string },
): StackDefinition {
  return stackDefinitionSchema.parse(
    JSON.parse(sealer.open(version.definitionEncrypted, stackVersionDefinitionContext(version.id))),
  );
}

export function openVersionRendered(
  sealer: Sealer,
  version: { id: string; renderedEncrypted: string },
): string {
  return sealer.open(version.renderedEncrypted, stackVersionRenderedContext(version.id));
}

export function servicesOf(
  definition: StackDefinition | null,
): z.infer<typeof stackServiceSummary>[] {
  if (!definition) return [];
  return Object.entries(definition.services).map(([name, service]) => ({
    name,
    image: service.image,
    mode: service.mode,
    replicas: service.replicas,
    ports: service.ports,
    envNames: Object.keys(service.env).sort(),
  }));
}

function outcomesOf(value: Prisma.JsonValue): z.infer<typeof stackServiceOutcome>[] {
  return Array.isArray(value) ? (value as unknown as z.infer<typeof stackServiceOutcome>[]) : [];
}

export function runOut(row: RunRow, people: Map<string, Person>): StackRunOut {
  return {
    id: row.id,
    stackId: row.stackId,
    ordinal: row.ordinal,
    version: row.version.ordinal,
    trigger: row.trigger,
    status: row.status,
    reason: row.reason,
    services: outcomesOf(row.services),
    restored: row.restored,
    createdBy: row.createdById ? (people.get(row.createdById) ?? null) : null,
    deadlineAt: row.deadlineAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

export function stackOut(sealer: Sealer, row: StackRow, people: Map<string, Person>): StackOut {
  const lastRun = row.runs[0];
  return {
    id: row.id,
    organizationId: row.organizationId,
    projectId: row.projectId,
    clusterId: row.clusterId,
    name: row.name,
    stackName: row.stackName,
    description: row.description,
    status: row.status,
    compose: row.compose,
    profiles: row.profiles,
    drop: row.dropUnsupported,
    variableNames: Object.keys(openVariables(sealer, row.id, row.variablesEncrypted)).sort(),
    services: servicesOf(openDraft(sealer, row.id, row.definitionEncrypted)),
    currentVersion: row.currentVersion?.ordinal ?? null,
    lastRun: lastRun ? runOut(lastRun, people) : null,
    removing: row.removeRequestedAt !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A stack as procedures answer it, read again (in the caller's transaction, if any). */
export async function readStack(
  db: Pick<Prisma.TransactionClient, 'stack' | 'user'>,
  sealer: Sealer,
  stackId: string,
): Promise<StackOut> {
  const row = await db.stack.findUniqueOrThrow({ where: { id: stackId }, select: stackSelect });
  const people = await peopleOf(db, [row.runs[0]?.createdById ?? null]);
  return stackOut(sealer, row, people);
}
