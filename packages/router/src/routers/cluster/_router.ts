// cluster.*: one procedure per file, `<name>.handler.ts` (meta, access, logic) beside
// `<name>.schema.ts` (its zod input and result). Shared shapes: schema.ts; row reads: rows.ts.
import * as activateNode from './activateNode.handler.ts';
import * as addNode from './addNode.handler.ts';
import * as all from './all.handler.ts';
import * as create from './create.handler.ts';
import * as drainNode from './drainNode.handler.ts';
import * as evacuateNode from './evacuateNode.handler.ts';
import * as events from './events.handler.ts';
import * as grantAccess from './grantAccess.handler.ts';
import * as importCluster from './import.handler.ts';
import * as kubeconfig from './kubeconfig.handler.ts';
import * as listAccess from './listAccess.handler.ts';
import * as logs from './logs.handler.ts';
import * as node from './node.handler.ts';
import * as nodes from './nodes.handler.ts';
import * as one from './one.handler.ts';
import * as refresh from './refresh.handler.ts';
import * as remove from './remove.handler.ts';
import * as removeNode from './removeNode.handler.ts';
import * as revokeAccess from './revokeAccess.handler.ts';
import * as setDefault from './setDefault.handler.ts';
import * as test from './test.handler.ts';
import * as update from './update.handler.ts';

export const clusterProcedures = {
  all,
  one,
  create,
  update,
  remove,
  nodes,
  node,
  addNode,
  removeNode,
  drainNode,
  activateNode,
  evacuateNode,
  grantAccess,
  listAccess,
  revokeAccess,
  logs,
  kubeconfig,
  events,
  setDefault,
  import: importCluster,
  test,
  refresh,
};
