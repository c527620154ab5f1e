// token.*: the caller's API tokens. One procedure per file (`<name>.handler.ts` beside
// `<name>.schema.ts`).
import * as create from './create.handler.ts';
import * as list from './list.handler.ts';
import * as revoke from './revoke.handler.ts';

export const tokenProcedures = { create, list, revoke };
