// stack.*: multi-service definitions (docker-compose) deployed to one cluster as immutable
// versions with runs. One procedure per file, `<name>.handler.ts` beside `<name>.schema.ts`;
// shared shapes: schema.ts; who may: access.ts (the stack's cluster decides); compose files:
// compose.ts; versions and runs: runs.ts.
import * as all from './all.handler.ts';
import * as analyze from './analyze.handler.ts';
import * as clone from './clone.handler.ts';
import * as compare from './compare.handler.ts';
import * as create from './create.handler.ts';
import * as deploy from './deploy.handler.ts';
import * as events from './events.handler.ts';
import * as importFile from './import.handler.ts';
import * as one from './one.handler.ts';
import * as remove from './remove.handler.ts';
import * as restore from './restore.handler.ts';
import * as run from './run.handler.ts';
import * as runs from './runs.handler.ts';
import * as save from './save.handler.ts';
import * as setStatus from './setStatus.handler.ts';
import * as update from './update.handler.ts';
import * as version from './version.handler.ts';
import * as versions from './versions.handler.ts';

export const stackProcedures = {
  all,
  one,
  create,
  update,
  remove,
  clone,
  setStatus,
  save,
  deploy,
  runs,
  run,
  events,
  versions,
  version,
  compare,
  restore,
  analyze,
  import: importFile,
};
