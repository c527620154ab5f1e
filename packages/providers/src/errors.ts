import { FlotillaError } from '@flotilla/errors';

/**
 * A provider refused or failed a request. `message` is the provider's own words (what the user
 * should read); `retryable` says whether trying again later can help (rate limits, 5xx, network):
 * `providerUnavailable` then, `providerRejected` otherwise.
 */
export class ProviderError extends FlotillaError {
  override name = 'ProviderError';
  readonly provider: string;
  readonly status: number | undefined;
  /** The provider's machine-readable error id (`unauthorized`, `InvalidKeyPair.NotFound`, …). */
  readonly providerCode: string | undefined;

  constructor(options: {
    provider: string;
    message: string;
    status?: number | undefined;
    code?: string | undefined;
    retryable: boolean;
    cause?: unknown;
  }) {
    super(options.retryable ? 'providerUnavailable' : 'providerRejected', options.message, {
      cause: options.cause,
      retryable: options.retryable,
    });
    this.provider = options.provider;
    this.status = options.status;
    this.providerCode = options.code;
  }
}
