// The rows stack jobs work from: a run with its version and stack, the sealed parts opened here,
// and the registries whose credentials go to the servers (never logged).
import { renderStack, type StackDefinition, stackDefinitionSchema } from '@flotilla/compose';
import type { LogLevel, Prisma } from '@flotilla/db';
import { parseImageReference, type RegistryCredentials } from '@flotilla/deploy';
import { appendStackRunLog, type StackRunRef, type StackServiceOutcome } from '@flotilla/lifecycle';
import {
  registryPasswordContext,
  stackVersionDefinitionContext,
  stackVersionRenderedContext,
} from '@flotilla/secrets';
import type { Engine } from '../engine.ts';

export const runSelect = {
  id: true,
  stackId: true,
  versionId: true,
  ordinal: true,
  trigger: true,
  status: true,
  pinnedImages: true,
  deadlineAt: true,
  startedAt: true,
  version: {
    select: { id: true, ordinal: true, definitionEncrypted: true, renderedEncrypted: true },
  },
  stack: {
    select: {
      id: true,
      organizationId: true,
      clusterId: true,
      name: true,
      stackName: true,
      currentVersionId: true,
      removeRequestedAt: true,
      cluster: { select: { orchestrator: true, status: true } },
    },
  },
} satisfies Prisma.StackRunSelect;

export type RunRow = Prisma.StackRunGetPayload<{ select: typeof runSelect }>;

export function loadRun(engine: Engine, runId: string): Promise<RunRow | null> {
  return engine.db.stackRun.findUnique({ where: { id: runId }, select: runSelect });
}

export function runRef(run: RunRow): StackRunRef {
  return { clusterId: run.stack.clusterId, stackId: run.stackId, runId: run.id };
}

/** One line of the run's log, announced live; a lost line never fails the run. */
export function runLogger(engine: Engine, run: RunRow) {
  const ref = runRef(run);
  return (message: string, level: LogLevel = 'info', service?: string) =>
    appendStackRunLog(engine.db, ref, { message, level, service: service ?? null }).catch((error) =>
      engine.log.warn({ runId: run.id, err: error }, 'stack run log line lost'),
    );
}

export function openDefinition(
  engine: Engine,
  version: { id: string; definitionEncrypted: string },
): StackDefinition {
  const json = engine.sealer.open(
    version.definitionEncrypted,
    stackVersionDefinitionContext(version.id),
  );
  return stackDefinitionSchema.parse(JSON.parse(json));
}

export function openRendered(
  engine: Engine,
  version: { id: string; renderedEncrypted: string },
): string {
  return engine.sealer.open(version.renderedEncrypted, stackVersionRenderedContext(version.id));
}

/** service → image as a run recorded it (pinned by digest where the orchestrator pinned it). */
export function imagesOf(services: Prisma.JsonValue): Record<string, string> {
  if (!Array.isArray(services)) return {};
  const images: Record<string, string> = {};
  for (const entry of services as unknown as StackServiceOutcome[]) {
    if (entry && typeof entry.name === 'string' && typeof entry.image === 'string') {
      images[entry.name] = entry.image;
    }
  }
  return images;
}

/** StackRun.pinnedImages: service → image, as stack.restore stored it. */
export function pinnedMap(value: Prisma.JsonValue | null): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

/** The definition with the given services' images replaced (a restore runs what ran). */
export function pinImages(
  definition: StackDefinition,
  images: Record<string, string>,
): StackDefinition {
  return {
    ...definition,
    services: Object.fromEntries(
      Object.entries(definition.services).map(([name, service]) => [
        name,
        images[name] ? { ...service, image: images[name] } : service,
      ]),
    ),
  };
}

/** What a version deploys: its stored file, or, with pinned images, the file rendered anew. */
export function renderedFor(
  engine: Engine,
  version: { id: string; definitionEncrypted: string; renderedEncrypted: string },
  pinned: Record<string, string>,
): { definition: StackDefinition; rendered: string } {
  const stored = openDefinition(engine, version);
  if (Object.keys(pinned).length === 0) {
    return { definition: stored, rendered: openRendered(engine, version) };
  }
  const definition = pinImages(stored, pinned);
  return { definition, rendered: renderStack(definition) };
}

/** The images a version last ran with: its newest run that succeeded. */
export async function lastRunImages(
  engine: Engine,
  versionId: string,
): Promise<Record<string, string>> {
  const run = await engine.db.stackRun.findFirst({
    where: { versionId, status: 'succeeded' },
    orderBy: { ordinal: 'desc' },
    select: { services: true },
  });
  return run ? imagesOf(run.services) : {};
}

/** Credentials of the organization's registries that serve the definition's images. */
export async function registriesFor(
  engine: Engine,
  organizationId: string,
  definition: StackDefinition,
): Promise<RegistryCredentials[]> {
  const servers = [
    ...new Set(
      Object.values(definition.services)
        .map((s) => parseImageReference(s.image)?.registry)
        .filter((server): server is string => server !== undefined),
    ),
  ];
  if (servers.length === 0) return [];
  const rows = await engine.db.registry.findMany({
    where: { organizationId, server: { in: servers }, username: { not: null } },
    orderBy: { createdAt: 'asc' },
    select: { id: true, server: true, username: true, passwordEncrypted: true },
  });
  const byServer = new Map<string, RegistryCredentials>();
  for (const row of rows) {
    if (byServer.has(row.server) || !row.username || !row.passwordEncrypted) continue;
    byServer.set(row.server, {
      server: row.server,
      username: row.username,
      password: engine.sealer.open(row.passwordEncrypted, registryPasswordContext(row.id)),
    });
  }
  return [...byServer.values()];
}
