import { newId } from '@flotilla/db';
import { sshKeyContext } from '@flotilla/secrets';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { requireOrgAdmin, requireOrgMember } from '../access.ts';
import type { Context } from '../context.ts';
import {
  sshKey,
  sshKeyCreateInput,
  sshKeyGenerateInput,
  sshKeyListInput,
  sshKeyListOutput,
  sshKeyRemoveInput,
} from '../schemas/index.ts';
import { generateKeyPair, type KeyPair, readPrivateKey } from '../ssh-keys.ts';
import { authedProcedure, router } from '../trpc.ts';

type KeyRow = { id: string; name: string; publicKey: string; fingerprint: string; createdAt: Date };

const keyOut = (row: KeyRow) => ({
  id: row.id,
  name: row.name,
  publicKey: row.publicKey,
  fingerprint: row.fingerprint,
  createdAt: row.createdAt.toISOString(),
});

async function store(
  ctx: Context & { principal: { userId: string } },
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
    if ((error as { code?: string }).code === 'P2002') {
      throw new TRPCError({ code: 'CONFLICT', message: `An SSH key named "${name}" exists` });
    }
    throw error;
  }
}

export const sshKeyRouter = router({
  list: authedProcedure
    .meta({ http: { method: 'GET' }, summary: "The organization's SSH keys (public halves only)" })
    .input(sshKeyListInput)
    .output(sshKeyListOutput)
    .query(async ({ ctx, input }) => {
      await requireOrgMember(ctx, input.organizationId);
      const rows = await ctx.db.sshKey.findMany({
        where: { organizationId: input.organizationId },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
      return rows.map(keyOut);
    }),

  create: authedProcedure
    .meta({
      http: { method: 'POST', status: 201 },
      summary: 'Store a private key (encrypted at rest, never returned)',
    })
    .input(sshKeyCreateInput)
    .output(sshKey)
    .mutation(async ({ ctx, input }) => {
      await requireOrgAdmin(ctx, input.organizationId);
      return store(ctx, input.organizationId, input.name, readPrivateKey(input.privateKey));
    }),

  generate: authedProcedure
    .meta({
      http: { method: 'POST', status: 201 },
      summary: 'Generate an Ed25519 key pair; put the public key on your servers',
    })
    .input(sshKeyGenerateInput)
    .output(sshKey)
    .mutation(async ({ ctx, input }) => {
      await requireOrgAdmin(ctx, input.organizationId);
      return store(
        ctx,
        input.organizationId,
        input.name,
        generateKeyPair(`flotilla-${input.name}`),
      );
    }),

  remove: authedProcedure
    .meta({ http: { method: 'DELETE', status: 204 }, summary: 'Delete an SSH key no cluster uses' })
    .input(sshKeyRemoveInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      Object.assign(ctx.audit, { targetType: 'sshKey', targetId: input.sshKeyId });
      const key = await ctx.db.sshKey.findUnique({
        where: { id: input.sshKeyId },
        select: { organizationId: true, _count: { select: { clusters: true } } },
      });
      if (!key) throw new TRPCError({ code: 'NOT_FOUND', message: 'SSH key not found' });
      await requireOrgAdmin(ctx, key.organizationId);
      if (key._count.clusters > 0) {
        throw new TRPCError({
          code: 'CONFLICT',
          message: `The key is used by ${key._count.clusters} cluster(s); delete them first`,
        });
      }
      await ctx.db.sshKey.delete({ where: { id: input.sshKeyId } });
    }),
});
