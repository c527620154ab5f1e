// database.*: managed databases on a cluster (issue 17). One procedure per file,
// `<name>.handler.ts` beside `<name>.schema.ts`; shared shapes: schema.ts; who may: access.ts
// (the database's cluster decides); names, ports, passwords and the image: placement.ts.
import * as all from './all.handler.ts';
import * as backup from './backup.handler.ts';
import * as backups from './backups.handler.ts';
import * as bind from './bind.handler.ts';
import * as create from './create.handler.ts';
import * as credentials from './credentials.handler.ts';
import * as engines from './engines.handler.ts';
import * as one from './one.handler.ts';
import * as remove from './remove.handler.ts';
import * as restore from './restore.handler.ts';
import * as unbind from './unbind.handler.ts';

export const databaseProcedures = {
  engines,
  all,
  one,
  create,
  remove,
  bind,
  unbind,
  credentials,
  backup,
  backups,
  restore,
};
