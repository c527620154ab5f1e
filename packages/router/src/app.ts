import { authRouter } from './routers/auth.ts';
import { organizationRouter } from './routers/organization.ts';
import { tokenRouter } from './routers/token.ts';
import { router } from './trpc.ts';

export const appRouter = router({
  auth: authRouter,
  token: tokenRouter,
  organization: organizationRouter,
});

export type AppRouter = typeof appRouter;
