import { z } from 'zod';
import { isoDate, organizationId, text } from '../../schemas/common.ts';

export const searchKinds = ['cluster', 'node', 'app', 'database', 'stack'] as const;
export const searchKindSchema = z.enum(searchKinds);

export const searchQueryInput = z.object({
  /** Default: the `X-Flotilla-Organization` header, else the caller's only organization. */
  organizationId: organizationId.optional(),
  /** A name or part of one (`shop` finds `webshop-api`); small typos still match. */
  q: text(1, 100),
  /** Only these kinds (a list, or comma-separated in a query string); default all. */
  kinds: z
    .preprocess(
      (value) => (typeof value === 'string' ? value.split(',').filter(Boolean) : value),
      z.array(searchKindSchema).min(1).max(searchKinds.length),
    )
    .optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

export const searchHit = z.object({
  kind: searchKindSchema,
  id: z.string(),
  name: z.string(),
  status: z.string(),
  /** The cluster it is (or runs) on; for a cluster, itself. */
  clusterId: z.string(),
  clusterName: z.string(),
  /**
   * What else matched or helps to tell hits apart: a node's address, an app's image, a database's
   * engine and version, a stack's description.
   */
  detail: z.string().nullable(),
  /** Higher is better: exact and prefix matches first, then by similarity. */
  score: z.number(),
  updatedAt: isoDate,
});

/** Best first. */
export const searchQueryOutput = z.array(searchHit);
