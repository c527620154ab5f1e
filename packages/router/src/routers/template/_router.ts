// template.*: one-click installs (issue 17). The templates live in @flotilla/templates (YAML in
// the repository, checked at start); instantiating makes their parts through the procedures a
// user would call (caller.ts).
import * as all from './all.handler.ts';
import * as instantiate from './instantiate.handler.ts';
import * as one from './one.handler.ts';

export const templateProcedures = { all, one, instantiate };
