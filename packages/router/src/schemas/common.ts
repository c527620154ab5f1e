import { z } from 'zod';

/** Ids as `newId` makes them (`org_…`, `cls_…`); bounded so junk never reaches a query. */
export const idSchema = z
  .string()
  .min(1, 'is required')
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be an id (letters, digits, _ and -)');

export const organizationId = idSchema;
export const clusterId = idSchema;
export const nodeId = idSchema;
export const userId = idSchema;
export const sshKeyId = idSchema;
export const tokenId = idSchema;

/**
 * Free text that ends up in Postgres: NUL is the one character a text column refuses, so it
 * is a 400 here rather than a database error later.
 */
export const text = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters');

/** Dates travel as ISO-8601 strings (no superjson on the wire). */
export const isoDate = z.iso.datetime();

export const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email('must be an email address'))
  .transform((value) => value.toLowerCase());

export const orgRole = z.enum(['owner', 'admin', 'member']);

/**
 * List parameters shared by every list (query strings arrive as text, hence the coercion).
 * `sort` is validated against each list's own whitelist.
 */
export function listInput<S extends readonly [string, ...string[]]>(
  sortFields: S,
  defaultSort: S[number],
) {
  return z.object({
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    sort: z.enum(sortFields).default(defaultSort as never),
    order: z.enum(['asc', 'desc']).default('desc'),
    search: text(0, 100).optional(),
  });
}

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    page: z.number().int(),
    limit: z.number().int(),
  });
}
