import { auditRouter } from './routers/audit.ts';
import { authRouter } from './routers/auth.ts';
import { catalogRouter } from './routers/catalog.ts';
import { clusterRouter } from './routers/cluster.ts';
import { organizationRouter } from './routers/organization.ts';
import { providerRouter } from './routers/provider.ts';
import { sshKeyRouter } from './routers/sshKey.ts';
import { tokenRouter } from './routers/token.ts';
import { router } from './trpc.ts';

export const appRouter = router({
  auth: authRouter,
  token: tokenRouter,
  organization: organizationRouter,
  sshKey: sshKeyRouter,
  audit: auditRouter,
  cluster: clusterRouter,
  provider: providerRouter,
  catalog: catalogRouter,
});

export type AppRouter = typeof appRouter;
