// sshKey.*: the organization's SSH keys (private halves sealed at rest, never returned). One
// procedure per file (`<name>.handler.ts` beside `<name>.schema.ts`); key parsing: keyPairs.ts.
import * as create from './create.handler.ts';
import * as generate from './generate.handler.ts';
import * as list from './list.handler.ts';
import * as remove from './remove.handler.ts';

export const sshKeyProcedures = { list, create, generate, remove };
