// registry.*: an organization's container registries, credentials sealed at rest. One procedure
// per file; who may touch a stored one: access.ts.
import * as all from './all.handler.ts';
import * as create from './create.handler.ts';
import * as remove from './remove.handler.ts';
import * as setDefault from './setDefault.handler.ts';
import * as test from './test.handler.ts';
import * as update from './update.handler.ts';

export const registryProcedures = { create, all, update, remove, test, setDefault };
