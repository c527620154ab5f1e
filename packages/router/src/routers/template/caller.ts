// Instantiating a template calls the procedures a user would (database.create, app.create,
// database.bind; app.remove and database.remove to take back a half-made install) through a
// tRPC caller with the caller's own token: access, quotas, validation and the audit log are those
// procedures' own, at the same paths. Each call gets a fresh request context (its own audit
// entry, and not the outer request's Idempotency-Key, which names the install, not each part).
import { type Context, createContext } from '../../context.ts';
import { createCallerFactory, routerOf } from '../../trpc.ts';
import { appProcedures } from '../app/_router.ts';
import { databaseProcedures } from '../database/_router.ts';

// The routers whose procedures an install calls, not appRouter: that one includes template.*,
// whose types would then depend on themselves.
const createCaller = createCallerFactory(
  routerOf({ app: appProcedures, database: databaseProcedures }),
);

export function callerAs(ctx: Context) {
  return createCaller(createContext(ctx, { ...ctx.req, idempotencyKey: undefined }));
}
