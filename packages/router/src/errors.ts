// One description of an error for both transports: the plain-HTTP envelope and tRPC's error
// shape carry the same code, message and (for bad input) field paths.
import {
  isDatabaseUnavailable,
  isForeignKeyViolation,
  isRecordMissing,
  isUniqueViolation,
} from '@flotilla/db';
import { type ErrorCode, FlotillaError } from '@flotilla/errors';
import { NotFoundError } from '@flotilla/lifecycle';
import { NetworkPolicyError } from '@flotilla/network-policy';
import { type TRPC_ERROR_CODE_KEY, TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { ZodError } from 'zod';
import { QuotaExceededError } from './quota.ts';

export interface FieldIssue {
  path: string;
  message: string;
  /** Where in an uploaded file (a compose file's line), when the field is a file. */
  line?: number;
}

export interface ErrorBody {
  code: string;
  message: string;
  issues?: FieldIssue[];
  /** A quota stood in the way (403): its kind, limit, what the organization has, what was asked. */
  quota?: QuotaExceededError['quota'];
}

/** Thrown by handlers for rules zod cannot express alone (a region of the chosen provider…). */
export class FieldError extends TRPCError {
  constructor(readonly issues: FieldIssue[]) {
    super({
      code: 'BAD_REQUEST',
      message: issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
    });
  }
}

export function fieldError(path: string, message: string): FieldError {
  return new FieldError([{ path, message }]);
}

/** The request conflicts with the current state (a name taken, a cluster being deleted). */
export function conflict(message: string): TRPCError {
  return new TRPCError({ code: 'CONFLICT', message });
}

function zodIssues(error: ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(input)',
    message: issue.message,
  }));
}

/** Bad input as the caller sees it: each offending field named. */
export function describeZodError(error: ZodError): ErrorBody {
  const issues = zodIssues(error);
  const message = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return { code: 'BAD_REQUEST', message: `Invalid input: ${message}`, issues };
}

export function describeError(error: TRPCError): ErrorBody {
  const cause = error.cause;
  if (error instanceof FieldError) {
    return { code: error.code, message: error.message, issues: error.issues };
  }
  if (cause instanceof ZodError) return describeZodError(cause);
  if (error instanceof QuotaExceededError) {
    return { code: error.code, message: error.message, quota: error.quota };
  }
  if (error.code === 'INTERNAL_SERVER_ERROR') {
    // Internals go to the log, never to the caller.
    return { code: error.code, message: 'Internal error' };
  }
  return { code: error.code, message: error.message };
}

export function httpStatusOf(error: TRPCError): number {
  return getHTTPStatusCodeFromError(error);
}

/** Seconds a client should wait before retrying while the database is away. */
export const databaseRetryAfterSeconds = 2;

/**
 * The one table from a failure's code (`@flotilla/errors`) to what the caller is told. Every code
 * has its answer here, so a code added there fails the typecheck until it has one.
 */
export const trpcCodeOf = {
  // A server or provider behind the request failed: the gateway's answers, not the caller's fault.
  unreachable: 'BAD_GATEWAY',
  hostKeyChanged: 'BAD_GATEWAY',
  commandFailed: 'BAD_GATEWAY',
  commandTimedOut: 'GATEWAY_TIMEOUT',
  removalFailed: 'BAD_GATEWAY',
  providerRejected: 'BAD_GATEWAY',
  providerUnavailable: 'SERVICE_UNAVAILABLE',
  notFound: 'NOT_FOUND',
  conflict: 'CONFLICT',
  alreadyExists: 'CONFLICT',
  invalid: 'BAD_REQUEST',
  // The work was called off because its cluster or node is going away: the state conflicts.
  stopped: 'CONFLICT',
  unavailable: 'SERVICE_UNAVAILABLE',
  internal: 'INTERNAL_SERVER_ERROR',
  // What a cluster's status is judged from, not a request's failure; if one ever reaches a
  // request, the cluster's state is what stands in the way.
  noManagerRunning: 'CONFLICT',
} as const satisfies Record<ErrorCode, TRPC_ERROR_CODE_KEY>;

/**
 * Failures of the layers below that are not FlotillaErrors (yet): Prisma's record-level answers
 * when a concurrent request changed the rows under this one, and a database that does not
 * answer. A handler that expects one of them maps it itself, with a more precise message.
 */
function asFlotillaError(cause: unknown): FlotillaError | undefined {
  if (cause instanceof FlotillaError) return cause;
  if (isRecordMissing(cause)) {
    return new FlotillaError('notFound', 'Not found: it was removed meanwhile', { cause });
  }
  if (isForeignKeyViolation(cause)) {
    return new FlotillaError(
      'conflict',
      'It refers to something that was removed meanwhile, or is still in use',
      { cause },
    );
  }
  if (isUniqueViolation(cause)) {
    return new FlotillaError('alreadyExists', 'It exists already', { cause });
  }
  if (isDatabaseUnavailable(cause)) {
    return new FlotillaError('unavailable', 'The database is not answering; try again shortly', {
      cause,
    });
  }
  return undefined;
}

/**
 * The one place where errors of the layers below get their meaning for the caller: the code of a
 * FlotillaError (or of a database failure) through `trpcCodeOf`. A status change the state
 * machine refuses conflicts with the current state (409); a row that vanished under the request
 * is gone (404); a database that does not answer is a 503 to retry, not a 500. Anything else
 * stays as it is (a bug: 500, details only in the log).
 */
export function knownFailure(cause: unknown): TRPCError | undefined {
  // The same words as the handlers' own 404s ("Cluster not found"), without the id.
  if (cause instanceof NotFoundError) {
    const entity = cause.entity === 'cluster' ? 'Cluster' : 'Node';
    return new TRPCError({ code: 'NOT_FOUND', message: `${entity} not found`, cause });
  }
  // An address the network policy refuses is bad input in the field it came from.
  if (cause instanceof NetworkPolicyError && cause.code === 'invalid') {
    return fieldError(cause.field, cause.detail);
  }
  const failure = asFlotillaError(cause);
  if (!failure) return undefined;
  return new TRPCError({ code: trpcCodeOf[failure.code], message: failure.message, cause });
}

export { isDatabaseUnavailable };
