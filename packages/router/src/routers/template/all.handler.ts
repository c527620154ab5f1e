import { authedProcedure, type Meta } from '../../trpc.ts';
import { templateAllOutput } from './all.schema.ts';

export const meta = {
  summary: 'The one-click templates: what each creates (apps, database engines)',
  http: { method: 'GET' },
  output: templateAllOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .output(templateAllOutput)
  .query(({ ctx }) => ctx.templates.list());
