// quota.*: how many clusters, machines, apps and databases an organization may have.
import * as get from './get.handler.ts';
import * as set from './set.handler.ts';

export const quotaProcedures = { get, set };
