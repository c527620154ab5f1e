import type { Prisma } from '@flotilla/db';
import { TRPCError } from '@trpc/server';

export const versionSelect = {
  id: true,
  ordinal: true,
  compose: true,
  profiles: true,
  variableNames: true,
  definitionEncrypted: true,
  renderedEncrypted: true,
  digest: true,
  services: true,
  createdById: true,
  createdAt: true,
} satisfies Prisma.StackVersionSelect;

/** Version `ordinal` of the stack, or a 404 that says which one does not exist. */
export async function versionOf(
  db: Pick<Prisma.TransactionClient, 'stackVersion'>,
  stackId: string,
  ordinal: number,
  field = 'version',
) {
  const version = await db.stackVersion.findUnique({
    where: { stackId_ordinal: { stackId, ordinal } },
    select: versionSelect,
  });
  if (!version) {
    const newest = await db.stackVersion.findFirst({
      where: { stackId },
      orderBy: { ordinal: 'desc' },
      select: { ordinal: true },
    });
    throw new TRPCError({
      code: 'NOT_FOUND',
      message: `${field}: the stack has no version ${ordinal}${newest ? ` (its versions are 1–${newest.ordinal})` : ' (it was never deployed)'}`,
    });
  }
  return version;
}
