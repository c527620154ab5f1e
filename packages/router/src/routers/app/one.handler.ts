import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { appOneInput, appOneOutput } from './one.schema.ts';
import { appOut } from './rows.ts';
import { openSecretEnv } from './secrets.ts';

export const meta = {
  summary: 'One app: its configuration and last known status (live state: app.status)',
  http: { method: 'GET' },
  input: appOneInput,
  output: appOneOutput,
} satisfies Meta;

export const procedure = appProcedure('view', appOneInput)
  .meta(meta)
  .output(appOneOutput)
  .query(({ ctx }) =>
    appOut(
      ctx.app,
      Object.keys(openSecretEnv(ctx.sealer, ctx.app.id, ctx.app.secretEnvEncrypted)).sort(),
    ),
  );
