import type { Meta } from '../../trpc.ts';
import { databaseProcedure } from './access.ts';
import { databaseOneInput, databaseOneOutput } from './one.schema.ts';
import { databaseOut } from './rows.ts';

export const meta = {
  summary:
    'One managed database: status (kept true by the readiness probe), pinned node, connection details without the password',
  http: { method: 'GET' },
  input: databaseOneInput,
  output: databaseOneOutput,
} satisfies Meta;

export const procedure = databaseProcedure('view', databaseOneInput)
  .meta(meta)
  .output(databaseOneOutput)
  .query(({ ctx }) => databaseOut(ctx.database));
