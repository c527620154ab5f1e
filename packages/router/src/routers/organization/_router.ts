// organization.*: the caller's organizations, their members and invitations. One procedure per
// file (`<name>.handler.ts` beside `<name>.schema.ts`).
import * as all from './all.handler.ts';
import * as invite from './invite.handler.ts';
import * as members from './members.handler.ts';
import * as one from './one.handler.ts';

export const organizationProcedures = { all, one, members, invite };
