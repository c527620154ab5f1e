/**
 * A provider refused or failed a request. `message` is the provider's own words (what the user
 * should read); `retryable` says whether trying again later can help (rate limits, 5xx, network).
 */
export class ProviderError extends Error {
  readonly provider: string;
  readonly status: number | undefined;
  /** The provider's machine-readable error id (`unauthorized`, `InvalidKeyPair.NotFound`, …). */
  readonly code: string | undefined;
  readonly retryable: boolean;

  constructor(options: {
    provider: string;
    message: string;
    status?: number | undefined;
    code?: string | undefined;
    retryable: boolean;
    cause?: unknown;
  }) {
    super(options.message, { cause: options.cause });
    this.name = 'ProviderError';
    this.provider = options.provider;
    this.status = options.status;
    this.code = options.code;
    this.retryable = options.retryable;
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
