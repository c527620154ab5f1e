// catalog.*: what cluster.create accepts (`<name>.handler.ts` beside `<name>.schema.ts`).
import * as providers from './providers.handler.ts';

export const catalogProcedures = { providers };
