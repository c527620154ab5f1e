// One description of an error for both transports: the plain-HTTP envelope and tRPC's error
// shape carry the same code, message and (for bad input) field paths.
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

// Prisma: cannot reach / timed out / pool exhausted / connection closed; postgres.js and node:net
// connection failures.
const unavailableCodes = new Set([
  'P1001',
  'P1002',
  'P1017',
  'P2024',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

/** Whether an error means "the database is not there right now" rather than a bug. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && unavailableCodes.has(code);
}
