// A failed Engine API call as a FlotillaError: the code says what a caller can do about it
// (a missing service, a version conflict, a daemon that does not answer), the message carries
// the daemon's own words.
import { type ErrorCode, FlotillaError } from '@flotilla/errors';

function codeFor(status: number | undefined): ErrorCode {
  if (status === undefined) return 'unreachable';
  if (status === 404) return 'notFound';
  if (status === 409) return 'conflict';
  if (status === 400) return 'invalid';
  if (status === 401 || status === 403) return 'invalid';
  return 'commandFailed';
}

export class DockerApiError extends FlotillaError {
  override name = 'DockerApiError';
  constructor(
    /** "POST /services/create on 10.0.0.5" */
    readonly request: string,
    message: string,
    /** The daemon's HTTP status; undefined when no answer came (stream lost, timeout). */
    readonly statusCode: number | undefined,
    options: { cause?: unknown; code?: ErrorCode } = {},
  ) {
    super(options.code ?? codeFor(statusCode), `${request}: ${message}`, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
  }

  /** From docker-modem's error (which carries statusCode and the daemon's JSON message). */
  static from(request: string, error: unknown, timedOut: boolean): DockerApiError {
    if (error instanceof DockerApiError) return error;
    const e = error as Error & { statusCode?: number; json?: { message?: string } | null };
    if (timedOut) {
      return new DockerApiError(request, 'no answer in time', undefined, {
        cause: error,
        code: 'commandTimedOut',
      });
    }
    if (e?.name === 'AbortError') {
      return new DockerApiError(request, 'cancelled', undefined, { cause: error, code: 'stopped' });
    }
    const daemonMessage =
      e?.json && typeof e.json === 'object' && typeof e.json.message === 'string'
        ? e.json.message
        : undefined;
    return new DockerApiError(
      request,
      daemonMessage ?? e?.message ?? String(error),
      e?.statusCode,
      {
        cause: error,
      },
    );
  }
}
