import { initTRPC, TRPCError } from '@trpc/server';
import type { z } from 'zod';
import type { Context } from './context.ts';
import { databaseRetryAfterSeconds, describeError, knownFailure } from './errors.ts';
import type { Principal } from './session.ts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** How a procedure is served over plain HTTP and described in the OpenAPI document. */
export interface Meta {
  http: { method: HttpMethod; status?: 200 | 201 | 204 };
  summary: string;
  /** Record queries too (reading a secret such as a kubeconfig). */
  audit?: boolean;
  /** Served without a bearer token (sign-up, login). */
  public?: boolean;
  /** The result's schema for the OpenAPI document, when it is not enforced with `.output()`. */
  documentedOutput?: z.ZodType;
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    isDev: false,
    errorFormatter({ shape, error }) {
      const body = describeError(error);
      return {
        ...shape,
        message: body.message,
        data: { ...shape.data, issues: body.issues ?? null },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

function auditOutcome(code: string): 'failure' | 'denied' {
  return code === 'UNAUTHORIZED' || code === 'FORBIDDEN' ? 'denied' : 'failure';
}

// Every mutation (and queries marked `audit`) leaves one entry, whatever its outcome. Placed
// before input parsing, so rejected input is recorded too.
const audited = t.middleware(async ({ ctx, type, path, meta, next }) => {
  if (type !== 'mutation' && !meta?.audit) return next();
  const result = await next();
  const target = ctx.audit;
  try {
    await ctx.db.auditLog.create({
      data: {
        action: path,
        outcome: result.ok ? 'success' : target.denied ? 'denied' : auditOutcome(result.error.code),
        errorCode: result.ok ? null : result.error.code,
        actorId: target.actorId ?? null,
        tokenId: target.tokenId ?? null,
        organizationId: target.organizationId ?? null,
        clusterId: target.clusterId ?? null,
        targetType: target.targetType ?? null,
        targetId: target.targetId ?? null,
        requestId: ctx.req.requestId,
        ip: ctx.req.ip,
      },
    });
  } catch (error) {
    ctx.log.error({ err: error, action: path }, 'audit entry not written');
  }
  return result;
});

// Errors of the layers below get their meaning for the caller in errors.ts `knownFailure`.
const knownFailures = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  if (result.ok) return result;
  const known = knownFailure(result.error.cause);
  if (!known) return result;
  if (known.code === 'SERVICE_UNAVAILABLE') {
    ctx.resHeaders['retry-after'] = String(databaseRetryAfterSeconds);
  }
  throw known;
});

export const publicProcedure = t.procedure.use(audited).use(knownFailures);

export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const header = ctx.req.authorization;
  if (!header) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Missing Authorization: Bearer <token>' });
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const principal = match?.[1] ? await ctx.sessions.resolve(match[1]) : null;
  if (!principal) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Invalid, expired or revoked token' });
  }
  ctx.audit.actorId = principal.userId;
  ctx.audit.tokenId = principal.tokenId;
  // The context is this request's own object: the principal is set on it, not spread into a copy
  // of all its fields (`next({ ctx })` copies every service per request).
  ctx.principal = principal;
  return next<{ principal: Principal }>({});
});
