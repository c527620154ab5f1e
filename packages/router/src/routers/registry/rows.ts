import type { Prisma } from '@flotilla/db';
import type { z } from 'zod';
import type { registry } from './schema.ts';

export const registrySelect = {
  id: true,
  organizationId: true,
  name: true,
  server: true,
  username: true,
  passwordEncrypted: true,
  caCert: true,
  lastTestedAt: true,
  lastTestError: true,
  createdAt: true,
  updatedAt: true,
  defaultOf: { select: { id: true } },
} satisfies Prisma.RegistrySelect;

export type RegistryRow = Prisma.RegistryGetPayload<{ select: typeof registrySelect }>;

export function registryOut(row: RegistryRow): z.infer<typeof registry> {
  return {
    id: row.id,
    organizationId: row.organizationId,
    name: row.name,
    server: row.server,
    username: row.username,
    hasPassword: row.passwordEncrypted !== null,
    isDefault: row.defaultOf !== null,
    caCert: row.caCert,
    lastTestedAt: row.lastTestedAt?.toISOString() ?? null,
    lastTestError: row.lastTestError,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
