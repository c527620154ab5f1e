// One description of an error for both transports: the plain-HTTP envelope and tRPC's error
// shape carry the same code, message and (for bad input) field paths.
import { isDatabaseUnavailable } from '@flotilla/db';
import { IllegalTransitionError, NotFoundError } from '@flotilla/lifecycle';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { ZodError } from 'zod';

export interface FieldIssue {
  path: string;
  message: string;
}

export interface ErrorBody {
  code: string;
  message: string;
  issues?: FieldIssue[];
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

function zodIssues(error: ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(input)',
    message: issue.message,
  }));
}

export function describeError(error: TRPCError): ErrorBody {
  const cause = error.cause;
  if (error instanceof FieldError) {
    return { code: error.code, message: error.message, issues: error.issues };
  }
  if (cause instanceof ZodError) {
    const issues = zodIssues(cause);
    const message = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    return { code: 'BAD_REQUEST', message: `Invalid input: ${message}`, issues };
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
 * The one place where errors of the layers below get their meaning for the caller: a status
 * change the state machine refuses conflicts with the current state (409); a row that vanished
 * under the request (a concurrent removal) is gone (404); a row that a concurrent request
 * created or still references is a conflict (409); a database that does not answer is a 503 to
 * retry, not a 500. Anything else stays as it is.
 */
export function knownFailure(cause: unknown): TRPCError | undefined {
  if (cause instanceof IllegalTransitionError) {
    return new TRPCError({ code: 'CONFLICT', message: cause.message, cause });
  }
  if (cause instanceof NotFoundError) {
    const entity = cause.entity === 'cluster' ? 'Cluster' : 'Node';
    return new TRPCError({ code: 'NOT_FOUND', message: `${entity} not found`, cause });
  }
  // Prisma's record-level answers, when a concurrent request changed the rows under this one
  // (a handler that expects them maps them itself, with a more precise message).
  const prismaCode = (cause as { code?: unknown } | null)?.code;
  if (prismaCode === 'P2025') {
    return new TRPCError({
      code: 'NOT_FOUND',
      message: 'Not found: it was removed meanwhile',
      cause,
    });
  }
  if (prismaCode === 'P2003') {
    return new TRPCError({
      code: 'CONFLICT',
      message: 'It refers to something that was removed meanwhile, or is still in use',
      cause,
    });
  }
  if (prismaCode === 'P2002') {
    return new TRPCError({ code: 'CONFLICT', message: 'It exists already', cause });
  }
  if (isDatabaseUnavailable(cause)) {
    return new TRPCError({
      code: 'SERVICE_UNAVAILABLE',
      message: 'The database is not answering; try again shortly',
      cause,
    });
  }
  return undefined;
}

export { isDatabaseUnavailable };
