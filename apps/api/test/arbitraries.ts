// fast-check arbitraries generated from a procedure's JSON schema (itself generated from its zod
// input): mostly well-formed values with the right shape, mixed with wrong types, out-of-range
// numbers, junk strings and unknown keys, so requests reach deep into the handlers.
import fc from 'fast-check';

type Schema = Record<string, unknown>;

const junk = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '-oProxyCommand=x',
    '../../etc/passwd',
    "'; drop table x;--",
    '%',
    '1e309',
    '__proto__',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue(), { maxKeys: 3 }),
);

export function arbitraryFor(
  schema: Schema,
  realValues: Record<string, string[]> = {},
  depth = 0,
): fc.Arbitrary<unknown> {
  const wellFormed = wellFormedFor(schema, realValues, depth);
  return fc.oneof({ weight: 6, arbitrary: wellFormed }, { weight: 1, arbitrary: junk });
}

function wellFormedFor(
  schema: Schema,
  realValues: Record<string, string[]>,
  depth: number,
): fc.Arbitrary<unknown> {
  if (depth > 5) return junk;
  const options = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (options)
    return fc.oneof(...options.map((option) => arbitraryFor(option, realValues, depth + 1)));
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schema.type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, property] of Object.entries(properties)) {
        const real = realValues[key];
        const value = arbitraryFor(property, realValues, depth + 1);
        shape[key] = real?.length
          ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...real) }, value)
          : value;
      }
      const record = fc.record(shape, { requiredKeys: [] });
      return fc
        .tuple(record, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 2 }))
        .map(([known, extra]) => ({ ...extra, ...known }));
    }
    case 'array': {
      const items = (schema.items ?? {}) as Schema;
      return fc.array(arbitraryFor(items, realValues, depth + 1), { maxLength: 4 });
    }
    case 'string': {
      const pattern = typeof schema.pattern === 'string' ? schema.pattern : undefined;
      const maxLength =
        typeof schema.maxLength === 'number' ? Math.min(schema.maxLength + 2, 300) : 60;
      const shaped = pattern ? fc.stringMatching(new RegExp(pattern)) : fc.string({ maxLength });
      return fc.oneof(shaped, fc.string({ maxLength }));
    }
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000;
      const max =
        typeof schema.maximum === 'number' ? Math.min(schema.maximum, 2 ** 40) : 1_000_000;
      return fc.oneof(
        fc.integer({ min: Math.max(min, -(2 ** 40)), max }),
        fc.constantFrom(min - 1, max + 1, 0, -1, 2 ** 53, 1.5),
      );
    }
    case 'boolean':
      return fc.boolean();
    default:
      return fc.jsonValue();
  }
}

/** A GET input as query parameters: every value as text, as a browser or curl would send it. */
export function asQuery(value: unknown): Record<string, string> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const query: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    query[key] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return query;
}
