import { randomBytes } from 'node:crypto';

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Prefixed random ids as the contract shows them (`cluster_…`, `org_…`, `node_…`): the prefix
 * tells a reader what an id is; 16 base-36 characters give ~82 bits of randomness.
 */
export function newId(prefix: string): string {
  const bytes = randomBytes(16);
  let out = `${prefix}_`;
  for (const byte of bytes) out += alphabet[byte % 36];
  return out;
}
