import { type Meta, organizationProcedure } from '../../trpc.ts';
import { sshKeyGenerateInput, sshKeyGenerateOutput } from './generate.schema.ts';
import { generateKeyPair } from './keyPairs.ts';
import { storeKey } from './rows.ts';

export const meta = {
  summary: 'Generate an Ed25519 key pair; put the public key on your servers',
  http: { method: 'POST', status: 201 },
  input: sshKeyGenerateInput,
  output: sshKeyGenerateOutput,
} satisfies Meta;

export const procedure = organizationProcedure('admin', sshKeyGenerateInput)
  .meta(meta)
  .output(sshKeyGenerateOutput)
  .mutation(({ ctx, input }) =>
    storeKey(ctx, input.organizationId, input.name, generateKeyPair(`flotilla-${input.name}`)),
  );
