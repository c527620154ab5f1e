// audit.*: the organization's audit log (`<name>.handler.ts` beside `<name>.schema.ts`).
import * as list from './list.handler.ts';

export const auditProcedures = { list };
