// Exit codes are part of the CLI's interface: scripts branch on them, so each failure a user can
// act on differently gets its own, and they never change meaning.
import { TRPCClientError } from '@flotilla/client';

export const exitCodes = {
  /** Done. */
  ok: 0,
  /** The operation failed: the server refused it (conflict), or the cluster ended in error. */
  failure: 1,
  /** The command line was wrong (unknown flag, missing argument), or the server named bad input. */
  usage: 2,
  /** Not logged in, the token was refused, or the caller lacks the permission. */
  auth: 3,
  /** The cluster, node or key named does not exist (or belongs to another organization). */
  notFound: 4,
  /** The API could not be reached, or asked to try again later (503, 429). */
  unavailable: 5,
  /** Interrupted with Ctrl-C (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** The text `flotilla --help` and the README show, so the table exists once. */
export const exitCodeHelp = `Exit codes:
  0    done
  1    failed (the server refused the operation, the cluster ended in error or degraded,
       or a deployment failed)
  2    usage error (bad flags or arguments, or input the server rejected)
  3    not logged in, token refused, or permission denied
  4    not found
  5    API unreachable or busy (try again later)
  130  interrupted (Ctrl-C)`;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, exitCodes.usage);
export const notFound = (message: string) => new CliError(message, exitCodes.notFound);
export const failure = (message: string) => new CliError(message, exitCodes.failure);

interface ErrorData {
  code?: string;
  httpStatus?: number;
  issues?: { path: string; message: string }[] | null;
}

/** The procedure the server does not have, if that is what the error says (an older server). */
export function missingProcedure(error: unknown): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  return /No procedure found on path "([^"]+)"/.exec(error.message)?.[1];
}

/**
 * Why fetch could not talk to the server at all (ECONNREFUSED, ENOTFOUND, a blocked port…), from
 * the `cause` chain under undici's "fetch failed"; undefined when the server did answer.
 */
function networkReason(error: unknown): string | undefined {
  let current: unknown = error;
  let fetchFailed = false;
  let innermost: string | undefined;
  for (let depth = 0; current && depth < 6; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && /^E[A-Z]+/.test(code)) {
      return typeof message === 'string' && message ? message : code;
    }
    if (current instanceof TypeError && message === 'fetch failed') fetchFailed = true;
    else if (fetchFailed && typeof message === 'string') innermost = message;
    current = (current as { cause?: unknown }).cause;
  }
  return fetchFailed ? (innermost ?? 'fetch failed') : undefined;
}

/**
 * What a failed call means for the user and for scripts: the server's message, the field paths
 * it named, and the exit code of its kind. `url` names the server in messages.
 */
export function cliErrorOf(error: unknown, url: string): CliError {
  if (error instanceof CliError) return error;
  const unreachable = networkReason(error);
  if (unreachable) {
    return new CliError(
      `cannot reach the Flotilla API at ${url} (${unreachable})`,
      exitCodes.unavailable,
    );
  }
  if (!(error instanceof TRPCClientError)) {
    return failure(error instanceof Error ? error.message : String(error));
  }
  const data = (error.data ?? {}) as ErrorData;
  const missing = missingProcedure(error);
  if (missing) {
    return failure(`the server at ${url} does not offer ${missing} (it runs an older Flotilla)`);
  }
  if (!data.code) {
    // Not a tRPC answer at all: something else listens at that address.
    return failure(`unexpected answer from ${url}: ${error.message}`);
  }
  const issues = data.issues?.length
    ? data.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')
    : undefined;
  switch (data.code) {
    case 'UNAUTHORIZED':
      return new CliError(
        `${error.message} (run \`flotilla login\`, or set FLOTILLA_TOKEN)`,
        exitCodes.auth,
      );
    case 'FORBIDDEN':
      return new CliError(error.message, exitCodes.auth);
    case 'NOT_FOUND':
      return notFound(error.message);
    case 'BAD_REQUEST':
      return usageError(issues ? `the server refused the input: ${issues}` : error.message);
    case 'SERVICE_UNAVAILABLE':
    case 'TOO_MANY_REQUESTS':
      return new CliError(`${error.message} (try again shortly)`, exitCodes.unavailable);
    default:
      return failure(error.message);
  }
}

/** The field paths of a BAD_REQUEST, for commands that can name the flag behind each one. */
export function fieldIssues(error: unknown): { path: string; message: string }[] | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data = (error.data ?? {}) as ErrorData;
  return data.code === 'BAD_REQUEST' && data.issues?.length ? data.issues : undefined;
}
