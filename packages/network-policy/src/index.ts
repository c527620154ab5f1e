export {
  AddressRefusedError,
  HostUnresolvedError,
  InvalidTargetError,
  NetworkPolicyError,
} from './errors.ts';
export { type NetworkPolicyConfig, networkPolicyFromConfig } from './from-config.ts';
export {
  type CheckedHost,
  type CheckedUrl,
  createNetworkPolicy,
  type NetworkPolicy,
  type NetworkPolicyOptions,
  pinnedLookup,
  type Refusal,
  type Resolve,
  type ResolvedAddress,
  type UrlScheme,
} from './policy.ts';
export { metadataHostnames, type PolicyRule, type RuleKind } from './rules.ts';
