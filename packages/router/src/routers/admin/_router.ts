// admin.*: who administers the instance itself (above organizations: the control plane's nodes
// and pins, quotas). The first user of an instance is one; administrators grant and revoke it.
import * as grant from './grant.handler.ts';
import * as list from './list.handler.ts';
import * as revoke from './revoke.handler.ts';

export const adminProcedures = { list, grant, revoke };
