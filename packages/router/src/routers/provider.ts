import { newId } from '@flotilla/db';
import {
  type CloudClientOptions,
  type CloudProvider,
  createCloudClient,
  ProviderError,
} from '@flotilla/providers';
import {
  credentialHint,
  openProviderCredentials,
  sealProviderCredentials,
} from '@flotilla/providers/credentials';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { requireOrgAdmin } from '../access.ts';
import type { Context } from '../context.ts';
import {
  providerCredential,
  providerListCredentialsInput,
  providerListCredentialsOutput,
  providerRemoveCredentialsInput,
  providerSetCredentialsInput,
  providerTestInput,
  providerTestOutput,
} from '../schemas/provider.ts';
import type { Principal } from '../session.ts';
import { authedProcedure, router } from '../trpc.ts';

declare module '../context.ts' {
  interface RouterServices {
    /**
     * How provider clients reach their APIs: the base URLs from config (DIGITALOCEAN_API_URL,
     * HETZNER_API_URL, AWS_ENDPOINT_URL_EC2), or the stand-ins in tests. Unset: the public APIs.
     */
    cloudClientOptions?: (provider: CloudProvider) => CloudClientOptions;
  }
}

type Ctx = Context & { principal: Principal };

interface CredentialRow {
  id: string;
  organizationId: string;
  provider: string;
  name: string;
  secretEncrypted: string;
  defaultRegion: string | null;
  createdAt: Date;
  updatedAt: Date;
  _count: { clusters: number };
}

const rowSelect = {
  id: true,
  organizationId: true,
  provider: true,
  name: true,
  secretEncrypted: true,
  defaultRegion: true,
  createdAt: true,
  updatedAt: true,
  _count: { select: { clusters: true } },
} as const;

function open(ctx: Ctx, row: CredentialRow) {
  return openProviderCredentials(
    ctx.sealer,
    row.id,
    row.provider as CloudProvider,
    row.secretEncrypted,
  );
}

/** A row sealed under another master key still lists (so it can be replaced or removed). */
function hintOf(ctx: Ctx, row: CredentialRow): string {
  try {
    return credentialHint(open(ctx, row));
  } catch (error) {
    ctx.log.warn({ err: error, providerCredentialId: row.id }, 'provider credentials do not open');
    return 'unreadable: stored under another master key, set them again';
  }
}

function credentialOut(ctx: Ctx, row: CredentialRow): z.infer<typeof providerCredential> {
  return {
    id: row.id,
    provider: row.provider as CloudProvider,
    name: row.name,
    hint: hintOf(ctx, row),
    defaultRegion: row.defaultRegion,
    clusters: row._count.clusters,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The credential row, if the caller administers its organization (404 otherwise). */
async function adminCredential(ctx: Ctx, providerCredentialId: string): Promise<CredentialRow> {
  Object.assign(ctx.audit, { targetType: 'providerCredential', targetId: providerCredentialId });
  const row = await ctx.db.providerCredential.findUnique({
    where: { id: providerCredentialId },
    select: rowSelect,
  });
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: 'Provider credential not found' });
  await requireOrgAdmin(ctx, row.organizationId);
  return row;
}

export const providerRouter = router({
  setCredentials: authedProcedure
    .meta({
      http: { method: 'POST' },
      summary:
        'Store (or replace, by provider and name) cloud credentials, encrypted at rest and never returned',
    })
    .input(providerSetCredentialsInput)
    .output(providerCredential)
    .mutation(async ({ ctx, input }) => {
      await requireOrgAdmin(ctx, input.organizationId);
      const defaultRegion = input.provider === 'aws' ? input.credentials.region : null;
      const existing = await ctx.db.providerCredential.findUnique({
        where: {
          organizationId_provider_name: {
            organizationId: input.organizationId,
            provider: input.provider,
            name: input.name,
          },
        },
        select: { id: true },
      });
      // Replacing keeps the id (clusters refer to it); the envelope is sealed for that id.
      const id = existing?.id ?? newId('pcred');
      Object.assign(ctx.audit, { targetType: 'providerCredential', targetId: id });
      const secretEncrypted = sealProviderCredentials(ctx.sealer, id, input);
      const row = existing
        ? await ctx.db.providerCredential.update({
            where: { id },
            data: { secretEncrypted, defaultRegion },
            select: rowSelect,
          })
        : await ctx.db.providerCredential
            .create({
              data: {
                id,
                organizationId: input.organizationId,
                provider: input.provider,
                name: input.name,
                secretEncrypted,
                defaultRegion,
                createdById: ctx.principal.userId,
              },
              select: rowSelect,
            })
            .catch((error: unknown) => {
              if ((error as { code?: string }).code === 'P2002') {
                throw new TRPCError({
                  code: 'CONFLICT',
                  message: `${input.provider} credentials named "${input.name}" were stored at the same moment; try again`,
                });
              }
              throw error;
            });
      return credentialOut(ctx, row);
    }),

  listCredentials: authedProcedure
    .meta({
      http: { method: 'GET' },
      summary:
        "The organization's cloud credentials (name, provider, last characters; never secrets)",
    })
    .input(providerListCredentialsInput)
    .output(providerListCredentialsOutput)
    .query(async ({ ctx, input }) => {
      await requireOrgAdmin(ctx, input.organizationId);
      const rows = await ctx.db.providerCredential.findMany({
        where: {
          organizationId: input.organizationId,
          ...(input.provider ? { provider: input.provider } : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        select: rowSelect,
      });
      return rows.map((row) => credentialOut(ctx, row));
    }),

  removeCredentials: authedProcedure
    .meta({
      http: { method: 'DELETE', status: 204 },
      summary: 'Delete cloud credentials that no cluster uses',
    })
    .input(providerRemoveCredentialsInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      const row = await adminCredential(ctx, input.providerCredentialId);
      if (row._count.clusters > 0) {
        throw new TRPCError({
          code: 'CONFLICT',
          message: `These credentials are used by ${row._count.clusters} cluster(s); delete them first`,
        });
      }
      await ctx.db.providerCredential.delete({ where: { id: row.id } });
    }),

  test: authedProcedure
    .meta({
      http: { method: 'POST' },
      summary: 'Check stored credentials against the provider and say what is wrong',
    })
    .input(providerTestInput)
    .output(providerTestOutput)
    .mutation(async ({ ctx, input }) => {
      const row = await adminCredential(ctx, input.providerCredentialId);
      let credentials: ReturnType<typeof open>;
      try {
        credentials = open(ctx, row);
      } catch {
        throw new TRPCError({
          code: 'PRECONDITION_FAILED',
          message:
            'These credentials cannot be read (stored under another master key); set them again',
        });
      }
      const client = createCloudClient(
        credentials.provider,
        credentials.credentials,
        // A person is waiting for the answer: fail fast rather than ride out long backoffs.
        {
          retry: { attempts: 3, maxDelayMs: 5_000, requestTimeoutMs: 10_000 },
          ...ctx.cloudClientOptions?.(credentials.provider),
        },
      );
      try {
        const check = await client.verifyCredentials();
        return check.ok
          ? { ok: true, problem: null, message: check.message }
          : { ok: false, problem: check.problem, message: check.message };
      } catch (error) {
        if (error instanceof ProviderError) {
          return { ok: false, problem: 'provider-error' as const, message: error.message };
        }
        throw error;
      }
    }),
});
