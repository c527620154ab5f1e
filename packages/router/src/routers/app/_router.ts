// app.*: containers on a cluster. One procedure per file, `<name>.handler.ts` beside
// `<name>.schema.ts`; shared shapes: schema.ts; who may: access.ts (the app's cluster decides);
// live reads from the servers: live.ts; deployments and their jobs: deployments.ts.
import * as all from './all.handler.ts';
import * as audit from './audit.handler.ts';
import * as build from './build.handler.ts';
import * as buildLog from './buildLog.handler.ts';
import * as cancelDeployment from './cancelDeployment.handler.ts';
import * as create from './create.handler.ts';
import * as deploy from './deploy.handler.ts';
import * as deployments from './deployments.handler.ts';
import * as env from './env.handler.ts';
import * as events from './events.handler.ts';
import * as logStream from './logStream.handler.ts';
import * as logs from './logs.handler.ts';
import * as metrics from './metrics.handler.ts';
import * as one from './one.handler.ts';
import * as pods from './pods.handler.ts';
import * as remove from './remove.handler.ts';
import * as restart from './restart.handler.ts';
import * as rollback from './rollback.handler.ts';
import * as status from './status.handler.ts';
import * as update from './update.handler.ts';

export const appProcedures = {
  all,
  one,
  create,
  update,
  remove,
  deploy,
  restart,
  build,
  status,
  logs,
  logStream,
  buildLog,
  metrics,
  deployments,
  rollback,
  cancelDeployment,
  pods,
  events,
  audit,
  env,
};
