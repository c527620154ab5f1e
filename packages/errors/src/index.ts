// Failures that cross a package boundary carry a stable code and whether trying again can help,
// so callers decide on values, never on the wording of a message (unkey's BaseError and
// documenso's AppError follow the same idea). The router maps codes to HTTP/tRPC statuses in one
// table; the worker maps `retryable` to BullMQ's retry or UnrecoverableError; a node's failure is
// stored as its code (`Node.failureKind`) next to the human-readable reason.

/**
 * Every code, with whether a retry of the same work can succeed. A code is part of the API and of
 * the database: add codes, never rename them.
 */
export const errorCodes = {
  /** The server did not answer, refused, or went away mid-command: it may come back. */
  unreachable: { retryable: true },
  /** The server presented another host key than the pinned one: nothing was run. */
  hostKeyChanged: { retryable: false },
  /**
   * A command on a server that does answer exited non-zero or did not do what it should. Its job
   * tries again within its attempts (a package mirror or a manager may be briefly unavailable);
   * once they are spent the node waits for the user, never for the health check.
   */
  commandFailed: { retryable: true },
  /** A command on a server that does answer outlived its timeout; retried like commandFailed. */
  commandTimedOut: { retryable: true },
  /** Taking a node out (drain, leave, destroy) failed; the user retries it as a removal. */
  removalFailed: { retryable: false },
  /** A cloud provider refused the request (bad token, quota, unknown image). */
  providerRejected: { retryable: false },
  /** A cloud provider failed for now (rate limit, 5xx, network). */
  providerUnavailable: { retryable: true },
  /** The thing asked for does not exist (or is not the caller's). */
  notFound: { retryable: false },
  /** The request conflicts with the current state (a status change the state machine refuses). */
  conflict: { retryable: false },
  /** It exists already (a unique name, an idempotency key). */
  alreadyExists: { retryable: false },
  /** Input or configuration that no retry can fix. */
  invalid: { retryable: false },
  /** The work was called off: its cluster is being deleted or its node removed. */
  stopped: { retryable: false },
  /** Postgres or Redis is not answering: the same request can succeed shortly. */
  unavailable: { retryable: true },
  /** A bug or an unexpected answer: details go to the log, never to a caller. */
  internal: { retryable: false },
  /**
   * A cluster's status judged from its nodes: no manager is running (down, or failed). The
   * health check brings the cluster back once one runs again.
   */
  noManagerRunning: { retryable: true },
} as const satisfies Record<string, { retryable: boolean }>;

export type ErrorCode = keyof typeof errorCodes;

export const errorCodeList = Object.keys(errorCodes) as ErrorCode[];

export interface FlotillaErrorOptions {
  cause?: unknown;
  /** Overrides the code's default (a provider's 429 is `providerUnavailable` and retryable anyway). */
  retryable?: boolean;
}

/** The base of every error that another package decides on. */
export class FlotillaError extends Error {
  override name = 'FlotillaError';
  readonly retryable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: FlotillaErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? errorCodes[code].retryable;
  }
}

export function isFlotillaError(error: unknown): error is FlotillaError {
  return error instanceof FlotillaError;
}

/** The code of any thrown value: a FlotillaError's own, else `internal`. */
export function codeOf(error: unknown): ErrorCode {
  return error instanceof FlotillaError ? error.code : 'internal';
}

/** Whether trying the same work again can help: a FlotillaError says so; anything else may. */
export function isRetryable(error: unknown): boolean {
  return error instanceof FlotillaError ? error.retryable : true;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
