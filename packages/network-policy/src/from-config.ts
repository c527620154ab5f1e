import type { Config } from '@flotilla/config';
import { createNetworkPolicy, type NetworkPolicy, type NetworkPolicyOptions } from './policy.ts';

export type NetworkPolicyConfig = Pick<
  Config,
  | 'FLOTILLA_NETWORK_ALLOW'
  | 'FLOTILLA_NETWORK_DENY'
  | 'FLOTILLA_NETWORK_REFUSE_PRIVATE'
  | 'FLOTILLA_NETWORK_CONTROL_PLANE'
  | 'DATABASE_URL'
  | 'REDIS_URL'
>;

/**
 * The instance's policy from its configuration. Postgres and Redis are the control plane's too,
 * wherever they run, so their hosts are refused as targets as well.
 */
export function networkPolicyFromConfig(
  config: NetworkPolicyConfig,
  overrides: Pick<NetworkPolicyOptions, 'resolve' | 'localAddresses' | 'resolveTimeoutMs'> = {},
): NetworkPolicy {
  const hostOf = (url: string) => new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  return createNetworkPolicy({
    allow: config.FLOTILLA_NETWORK_ALLOW,
    deny: config.FLOTILLA_NETWORK_DENY,
    refusePrivate: config.FLOTILLA_NETWORK_REFUSE_PRIVATE,
    controlPlane: config.FLOTILLA_NETWORK_CONTROL_PLANE,
    controlPlaneHosts: [hostOf(config.DATABASE_URL), hostOf(config.REDIS_URL)].filter(Boolean),
    ...overrides,
  });
}
