// search.*: one query across what the caller may see.
import * as query from './query.handler.ts';

export const searchProcedures = { query };
