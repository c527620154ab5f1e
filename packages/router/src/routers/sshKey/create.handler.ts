import { type Meta, organizationProcedure } from '../../trpc.ts';
import { sshKeyCreateInput, sshKeyCreateOutput } from './create.schema.ts';
import { readPrivateKey } from './keyPairs.ts';
import { storeKey } from './rows.ts';

export const meta = {
  summary: 'Store a private key (encrypted at rest, never returned)',
  http: { method: 'POST', status: 201 },
  input: sshKeyCreateInput,
  output: sshKeyCreateOutput,
} satisfies Meta;

export const procedure = organizationProcedure('admin', sshKeyCreateInput)
  .meta(meta)
  .output(sshKeyCreateOutput)
  .mutation(({ ctx, input }) =>
    storeKey(ctx, input.organizationId, input.name, readPrivateKey(input.privateKey)),
  );
