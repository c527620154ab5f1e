import type { Meta } from '../../trpc.ts';
import { appProcedure } from './access.ts';
import { appEnvInput, appEnvOutput } from './env.schema.ts';
import { plainEnv } from './rows.ts';
import { openSecretEnv } from './secrets.ts';

export const meta = {
  summary: "The app's env with the secret values (manage permission; every read is audited)",
  http: { method: 'GET' },
  input: appEnvInput,
  output: appEnvOutput,
  audit: true,
} satisfies Meta;

export const procedure = appProcedure('manage', appEnvInput)
  .meta(meta)
  .output(appEnvOutput)
  .query(({ ctx }) => {
    const secretEnv = openSecretEnv(ctx.sealer, ctx.app.id, ctx.app.secretEnvEncrypted);
    ctx.audit.details = `Read the secret env values (${Object.keys(secretEnv).sort().join(', ') || 'none'})`;
    return { env: plainEnv(ctx.app.env), secretEnv };
  });
