import { authedProcedure, type Meta } from '../../trpc.ts';
import { databaseEnginesOutput } from './engines.schema.ts';
import { databaseCatalog } from './schema.ts';

export const meta = {
  summary:
    'The database engines and versions Flotilla runs (images in the organization registry as <registry>/<repository>:<version>)',
  http: { method: 'GET' },
  output: databaseEnginesOutput,
} satisfies Meta;

export const procedure = authedProcedure
  .meta(meta)
  .output(databaseEnginesOutput)
  .query(() => databaseCatalog);
