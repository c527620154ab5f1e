import { registryPasswordContext } from '@flotilla/secrets';
import type { Meta } from '../../trpc.ts';
import { registryProcedure } from './access.ts';
import { probeRegistry } from './probe.ts';
import { registryTestInput, registryTestOutput } from './test.schema.ts';

export const meta = {
  summary:
    'Check that the registry answers over verified TLS (public CAs and its stored CA) and accepts the stored credentials (GET /v2/, as docker login does); a failure names its problem',
  http: { method: 'POST' },
  input: registryTestInput,
  output: registryTestOutput,
} satisfies Meta;

export const procedure = registryProcedure(registryTestInput)
  .meta(meta)
  .output(registryTestOutput)
  .mutation(async ({ ctx }) => {
    const registry = ctx.registry;
    const password = registry.passwordEncrypted
      ? ctx.sealer.open(registry.passwordEncrypted, registryPasswordContext(registry.id))
      : null;
    const result = await probeRegistry(
      ctx.networkPolicy,
      registry.server,
      { username: registry.username, password },
      { caCert: registry.caCert },
    );
    const testedAt = new Date();
    await ctx.db.registry.updateMany({
      where: { id: registry.id },
      data: { lastTestedAt: testedAt, lastTestError: result.ok ? null : result.message },
    });
    ctx.audit.details = `Tested registry ${registry.server}: ${result.ok ? 'ok' : result.message}`;
    return { ...result, testedAt: testedAt.toISOString() };
  });
