import { type Meta, publicProcedure } from '../../trpc.ts';
import { authMethodsOutput } from './methods.schema.ts';
import { signupNow } from './sessions.ts';

export const meta = {
  summary: 'How one signs in to this instance: methods, sign-up, session lifetimes',
  http: { method: 'GET' },
  public: true,
  output: authMethodsOutput,
} satisfies Meta;

export const procedure = publicProcedure
  .meta(meta)
  .output(authMethodsOutput)
  .query(async ({ ctx }) => ({
    methods: ['password' as const],
    signup: await signupNow(ctx),
    session: {
      idleTimeoutSeconds: Math.floor(ctx.sessionLifetimes.idleMs / 1000),
      maxAgeSeconds: Math.floor(ctx.sessionLifetimes.maxAgeMs / 1000),
    },
  }));
