import { type Meta, publicProcedure } from '../../trpc.ts';
import { signupNow } from './sessions.ts';
import { authStatusOutput } from './status.schema.ts';

export const meta = {
  summary: 'Who may register now',
  http: { method: 'GET' },
  public: true,
  output: authStatusOutput,
} satisfies Meta;

// Public: the sign-in page uses it to offer "create the first account" only on a fresh install.
export const procedure = publicProcedure
  .meta(meta)
  .output(authStatusOutput)
  .query(async ({ ctx }) => ({ signup: await signupNow(ctx) }));
