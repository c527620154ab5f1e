import { z } from 'zod';

/**
 * A procedure's result reshaped for a REST page: `map` renames (snake_case fields, the page's
 * own names), `schema` documents the result in the OpenAPI document. `map`'s return type is
 * checked against the schema, so the two cannot drift.
 */
export interface RestOutput<T = unknown> {
  schema: z.ZodType;
  map: (data: T) => unknown;
}

export function restOutput<S extends z.ZodType, T>(
  schema: S,
  map: (data: T) => z.input<S>,
): RestOutput<T> {
  return { schema, map };
}

/**
 * A list's `sort` with the REST page's names (`sort=created_at`), given to the procedure as its
 * own (`createdAt`): `names` maps one to the other.
 */
export function restSort<const M extends Record<string, string>>(
  names: M,
  fallback: keyof M & string,
) {
  return z
    .enum(Object.keys(names) as [keyof M & string])
    .default(fallback)
    .transform((sort) => names[sort] as M[keyof M]);
}
