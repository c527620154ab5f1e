// The network policy at the API's door: every host a request asks Flotilla to contact is
// resolved and checked before anything is written, and every refused field is named in one 400.
// The worker checks again before it connects (the policy may have changed since).
import { NetworkPolicyError } from '@flotilla/network-policy';
import type { Context } from './context.ts';
import { FieldError, type FieldIssue } from './errors.ts';

export async function checkHosts(
  ctx: Pick<Context, 'networkPolicy'>,
  hosts: readonly { host: string; field: string }[],
): Promise<void> {
  const results = await Promise.allSettled(
    hosts.map(({ host, field }) => ctx.networkPolicy.checkHost(host, field)),
  );
  const issues: FieldIssue[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') continue;
    const error: unknown = result.reason;
    // A name the resolver could not answer for now is refused too (its message says to try
    // again): nothing is written that could not be checked.
    if (!(error instanceof NetworkPolicyError)) throw error;
    issues.push({ path: error.field, message: error.detail });
  }
  if (issues.length > 0) throw new FieldError(issues);
}
