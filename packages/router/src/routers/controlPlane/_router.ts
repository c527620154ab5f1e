// controlPlane.*: the control plane's own processes (API and workers) as nodes, and pinning a
// cluster's or app's jobs to one worker. Instance administrators, signed in to the dashboard.
import * as deleteAssignment from './deleteAssignment.handler.ts';
import * as instances from './instances.handler.ts';
import * as overview from './overview.handler.ts';
import * as queueView from './queueView.handler.ts';
import * as setAssignment from './setAssignment.handler.ts';

export const controlPlaneProcedures = {
  overview,
  instances,
  setAssignment,
  deleteAssignment,
  queueView,
};
