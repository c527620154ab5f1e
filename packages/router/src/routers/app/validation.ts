// Rules of app input that need more than zod: where a git URL points (the network policy), whose
// registry is named, and env names given both plain and secret.
import { NetworkPolicyError } from '@flotilla/network-policy';
import { fieldError } from '../../errors.ts';
import type { AuthedContext } from '../../trpc.ts';

/** A git URL Flotilla may fetch from: http(s) or ssh, to an address the policy allows. */
export async function checkRepoUrl(ctx: AuthedContext, url: string): Promise<void> {
  try {
    await ctx.networkPolicy.checkUrl(url, 'repoUrl', { schemes: ['http', 'https', 'ssh'] });
  } catch (error) {
    if (error instanceof NetworkPolicyError && error.code === 'invalid') {
      throw fieldError('repoUrl', error.detail);
    }
    throw error;
  }
}

export async function checkRegistry(
  ctx: AuthedContext,
  organizationId: string,
  registryId: string | null | undefined,
): Promise<void> {
  if (!registryId) return;
  const registry = await ctx.db.registry.findFirst({
    where: { id: registryId, organizationId },
    select: { id: true },
  });
  if (!registry) throw fieldError('registryId', 'no registry with this id in the organization');
}

/** A variable is plain or secret, not both. */
export function checkEnvNames(
  env: Record<string, unknown>,
  secretEnv: Record<string, unknown>,
): void {
  const both = Object.keys(secretEnv).find((name) => name in env);
  if (both) throw fieldError(`secretEnv.${both}`, 'is also in env: a variable is plain or secret');
}
