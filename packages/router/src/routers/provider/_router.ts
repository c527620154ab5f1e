// provider.*: cloud credentials, sealed at rest and never returned. One procedure per file
// (`<name>.handler.ts` beside `<name>.schema.ts`); who may touch stored ones: access.ts.
import * as listCredentials from './listCredentials.handler.ts';
import * as removeCredentials from './removeCredentials.handler.ts';
import * as setCredentials from './setCredentials.handler.ts';
import * as test from './test.handler.ts';

export const providerProcedures = { setCredentials, listCredentials, removeCredentials, test };
