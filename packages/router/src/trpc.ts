import { type AnyTRPCProcedure, initTRPC, TRPCError } from '@trpc/server';
import type { z } from 'zod';
import {
  type ClusterPermission,
  requireCluster,
  requireClusterAdmin,
  requireInstanceAdmin,
  requireOrgAdmin,
  requireOrgMember,
} from './access.ts';
import type { Context } from './context.ts';
import { databaseRetryAfterSeconds, describeError, knownFailure } from './errors.ts';
import type { Principal } from './session.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * How a procedure is served over plain HTTP (`<method> /api/<router>.<name>`) and described in
 * the OpenAPI document. Each procedure's module exports it next to the procedure, so the route
 * table is read from the modules, not from tRPC's internals.
 */
export interface Meta {
  summary: string;
  http: {
    method: HttpMethod;
    /** The success status; 200 unless said. */
    status?: 200 | 201 | 204;
    /** Honours `Idempotency-Key` (the handler runs its work through `idempotent`). */
    idempotent?: boolean;
    /** A subscription, served as server-sent events. */
    sse?: boolean;
    /**
     * Takes a file (multipart/form-data field `field`, or the raw body) that the HTTP layer
     * streams into the input's `field` instead of parsing JSON.
     */
    upload?: { field: string };
  };
  /** The input's schema (the last `.input()` of the procedure). */
  input?: z.ZodType;
  /** The result's schema: enforced with `.output()` unless the handler says why not. */
  output?: z.ZodType;
  /** Record queries too (reading a secret such as a kubeconfig). */
  audit?: boolean;
  /** Served without a bearer token (sign-up, login). */
  public?: boolean;
}

/** What `routers/<router>/<name>.handler.ts` exports. */
export interface ProcedureModule {
  meta: Meta;
  procedure: AnyTRPCProcedure;
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
        data: {
          ...shape.data,
          issues: body.issues ?? null,
          ...(body.quota ? { quota: body.quota } : {}),
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

type ProcedureModules = Record<string, ProcedureModule>;

/**
 * The tRPC router of procedure modules grouped by router: `{ cluster: { addNode: module } }`
 * serves `cluster.addNode`. The same object gives the route table its metas (routes.ts).
 */
export function routerOf<const G extends Record<string, ProcedureModules>>(groups: G) {
  const record: Record<string, Record<string, AnyTRPCProcedure>> = {};
  for (const [group, modules] of Object.entries(groups)) {
    record[group] = Object.fromEntries(
      Object.entries(modules).map(([name, module]) => [name, module.procedure]),
    );
  }
  return t.router(record as { [R in keyof G]: { [P in keyof G[R]]: G[R][P]['procedure'] } });
}

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
        action: target.action ?? path,
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
        ...(target.details && result.ok ? { metadata: { details: target.details } } : {}),
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

export type AuthedContext = Context & { principal: Principal };

/** `view` reads a cluster, `manage` changes it, `admin` (its organization's owners and admins) grants access. */
export type ClusterNeed = ClusterPermission | 'admin';

/**
 * A procedure on one cluster (its `input` names it by `clusterId`), like t3's
 * `protectedProcedure`: the whole input is validated first, then access is checked before the
 * handler runs (404 for a cluster the caller may not see, 403 for too weak a permission, refusals
 * audited; access.ts has the rules), and the cluster is on `ctx.cluster`.
 */
export function clusterProcedure<I extends z.ZodType<{ clusterId: string }>>(
  needs: ClusterNeed,
  input: I,
) {
  return authedProcedure.input(input).use(async ({ ctx, input, next }) => {
    const { clusterId } = input as { clusterId: string };
    const access =
      needs === 'admin'
        ? await requireClusterAdmin(ctx, clusterId)
        : await requireCluster(ctx, clusterId, needs);
    return next({ ctx: { cluster: access.cluster } });
  });
}

/**
 * A procedure on one organization (its `input` names it by `organizationId`): `member` for any
 * member, `admin` for owners and admins (404 for an organization the caller is not in, 403 for a
 * member), checked after the input is validated; the caller's role is on `ctx.organizationRole`.
 */
export function organizationProcedure<I extends z.ZodType<{ organizationId: string }>>(
  needs: 'member' | 'admin',
  input: I,
) {
  return authedProcedure.input(input).use(async ({ ctx, input, next }) => {
    const { organizationId } = input as { organizationId: string };
    const role =
      needs === 'admin'
        ? await requireOrgAdmin(ctx, organizationId)
        : await requireOrgMember(ctx, organizationId);
    return next({ ctx: { organizationRole: role } });
  });
}

/** A procedure for instance administrators only (access.ts `requireInstanceAdmin`); 403 else. */
export const instanceAdminProcedure = authedProcedure.use(async ({ ctx, next }) => {
  await requireInstanceAdmin(ctx);
  return next();
});

/**
 * Instance administration from the dashboard (controlPlane.*, admin.*): a session of an instance
 * administrator. An API token is refused (401) whoever holds it, as the cluster-admin page
 * serves these to sessions only: a token leaked from a script cannot re-route jobs or make
 * administrators.
 */
export const instanceSessionProcedure = authedProcedure.use(async ({ ctx, next }) => {
  if (ctx.principal.tokenKind !== 'session') {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'This needs a dashboard session (auth.login), not an API token',
    });
  }
  await requireInstanceAdmin(ctx);
  return next();
});
