import { isUniqueViolation, newId } from '@flotilla/db';
import { sshKeyContext } from '@flotilla/secrets';
import { TRPCError } from '@trpc/server';
import type { AuthedContext } from '../../trpc.ts';
import type { KeyPair } from './keyPairs.ts';

type KeyRow = { id: string; name: string; publicKey: string; fingerprint: string; createdAt: Date };

export const keyOut = (row: KeyRow) => ({
  id: row.id,
  name: row.name,
  publicKey: row.publicKey,
  fingerprint: row.fingerprint,
  createdAt: row.createdAt.toISOString(),
});

/** Stores a key pair, the private half sealed for the new row's id. */
export async function storeKey(
  ctx: AuthedContext,
  organizationId: string,
  name: string,
  pair: KeyPair,
) {
  const id = newId('key');
  Object.assign(ctx.audit, { targetType: 'sshKey', targetId: id });
  try {
    const row = await ctx.db.sshKey.create({
      data: {
        id,
        organizationId,
        name,
        publicKey: pair.publicKey,
        fingerprint: pair.fingerprint,
        privateKeyEncrypted: ctx.sealer.seal(pair.privateKey, sshKeyContext(id)),
        createdById: ctx.principal.userId,
      },
    });
    return keyOut(row);
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new TRPCError({ code: 'CONFLICT', message: `An SSH key named "${name}" exists` });
    }
    throw error;
  }
}
