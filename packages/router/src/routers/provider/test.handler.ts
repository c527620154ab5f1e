import { createCloudClient, ProviderError } from '@flotilla/providers';
import { TRPCError } from '@trpc/server';
import type { Meta } from '../../trpc.ts';
import { credentialProcedure } from './access.ts';
import { openCredentials } from './rows.ts';
import { providerTestInput, providerTestOutput } from './test.schema.ts';

export const meta = {
  summary: 'Check stored credentials against the provider and say what is wrong',
  http: { method: 'POST' },
  input: providerTestInput,
  output: providerTestOutput,
} satisfies Meta;

export const procedure = credentialProcedure(providerTestInput)
  .meta(meta)
  .output(providerTestOutput)
  .mutation(async ({ ctx }) => {
    let credentials: ReturnType<typeof openCredentials>;
    try {
      credentials = openCredentials(ctx, ctx.credential);
    } catch {
      throw new TRPCError({
        code: 'PRECONDITION_FAILED',
        message:
          'These credentials cannot be read (stored under another master key); set them again',
      });
    }
    const client = createCloudClient(
      credentials.provider,
      credentials.credentials,
      // A person is waiting for the answer: fail fast rather than ride out long backoffs.
      {
        retry: { attempts: 3, maxDelayMs: 5_000, requestTimeoutMs: 10_000 },
        ...ctx.cloudClientOptions(credentials.provider),
      },
    );
    try {
      const check = await client.verifyCredentials();
      return check.ok
        ? { ok: true, problem: null, message: check.message }
        : { ok: false, problem: check.problem, message: check.message };
    } catch (error) {
      if (error instanceof ProviderError) {
        return { ok: false, problem: 'provider-error' as const, message: error.message };
      }
      throw error;
    }
  });
