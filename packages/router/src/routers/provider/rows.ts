// Stored provider credentials: the columns read, opening the sealed secret, and the row as
// answered (never the secret).
import type { CloudProvider } from '@flotilla/providers';
import { credentialHint, openProviderCredentials } from '@flotilla/providers/credentials';
import type { z } from 'zod';
import type { Context } from '../../context.ts';
import type { providerCredential } from './schema.ts';

export interface CredentialRow {
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

export const credentialSelect = {
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

export function openCredentials(ctx: Context, row: CredentialRow) {
  return openProviderCredentials(
    ctx.sealer,
    row.id,
    row.provider as CloudProvider,
    row.secretEncrypted,
  );
}

/** A row sealed under another master key still lists (so it can be replaced or removed). */
function hintOf(ctx: Context, row: CredentialRow): string {
  try {
    return credentialHint(openCredentials(ctx, row));
  } catch (error) {
    ctx.log.warn({ err: error, providerCredentialId: row.id }, 'provider credentials do not open');
    return 'unreadable: stored under another master key, set them again';
  }
}

export function credentialOut(
  ctx: Context,
  row: CredentialRow,
): z.infer<typeof providerCredential> {
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
