import { z } from 'zod';
import { registryRef } from './schema.ts';

export const registryTestInput = registryRef;

/**
 * Why a test failed: `unknownAuthority` (TLS: no trusted CA signed the certificate — store the
 * registry's CA), `certificate` (expired, or not for this host), `tls` (no TLS handshake),
 * `unauthorized` (credentials missing or refused), `unreachable`, `refused` (by the network
 * policy), `notRegistry` (an answer no registry gives).
 */
export const registryProblem = z.enum([
  'unknownAuthority',
  'certificate',
  'tls',
  'unauthorized',
  'unreachable',
  'refused',
  'notRegistry',
]);

export const registryTestOutput = z.object({
  ok: z.boolean(),
  /** What the registry said (or why it could not be asked). */
  message: z.string(),
  /** Null when ok. */
  problem: registryProblem.nullable(),
  testedAt: z.iso.datetime(),
});
