import type { CredentialCheck } from './client.ts';
import { ProviderError } from './errors.ts';

/** Turns the provider's refusal into what the user has to fix. */
export function describeCredentialError(label: string, error: unknown): CredentialCheck {
  if (!(error instanceof ProviderError)) throw error;
  if (error.status === 401) {
    return {
      ok: false,
      problem: 'bad-token',
      message: `${label} rejected the token: ${error.message}`,
    };
  }
  if (error.status === 403) {
    return {
      ok: false,
      problem: 'read-only',
      message: `${label} token lacks permission: ${error.message}`,
    };
  }
  if (error.status === undefined) {
    return { ok: false, problem: 'unreachable', message: error.message };
  }
  return { ok: false, problem: 'provider-error', message: `${label}: ${error.message}` };
}
