import { adminProcedures } from './routers/admin/_router.ts';
import { appProcedures } from './routers/app/_router.ts';
import { auditProcedures } from './routers/audit/_router.ts';
import { authProcedures } from './routers/auth/_router.ts';
import { catalogProcedures } from './routers/catalog/_router.ts';
import { clusterProcedures } from './routers/cluster/_router.ts';
import { controlPlaneProcedures } from './routers/controlPlane/_router.ts';
import { databaseProcedures } from './routers/database/_router.ts';
import { organizationProcedures } from './routers/organization/_router.ts';
import { platformProcedures } from './routers/platform/_router.ts';
import { providerProcedures } from './routers/provider/_router.ts';
import { quotaProcedures } from './routers/quota/_router.ts';
import { registryProcedures } from './routers/registry/_router.ts';
import { searchProcedures } from './routers/search/_router.ts';
import { sshKeyProcedures } from './routers/sshKey/_router.ts';
import { stackProcedures } from './routers/stack/_router.ts';
import { templateProcedures } from './routers/template/_router.ts';
import { tokenProcedures } from './routers/token/_router.ts';
import { routerOf } from './trpc.ts';

/** Every procedure's module by router and name: the router and the route table are built from it. */
export const procedures = {
  auth: authProcedures,
  token: tokenProcedures,
  organization: organizationProcedures,
  sshKey: sshKeyProcedures,
  audit: auditProcedures,
  cluster: clusterProcedures,
  provider: providerProcedures,
  catalog: catalogProcedures,
  quota: quotaProcedures,
  app: appProcedures,
  registry: registryProcedures,
  stack: stackProcedures,
  database: databaseProcedures,
  search: searchProcedures,
  template: templateProcedures,
  platform: platformProcedures,
  controlPlane: controlPlaneProcedures,
  admin: adminProcedures,
};

export const appRouter = routerOf(procedures);

export type AppRouter = typeof appRouter;
