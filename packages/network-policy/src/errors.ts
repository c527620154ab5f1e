import { FlotillaError } from '@flotilla/errors';
import type { PolicyRule } from './rules.ts';

/**
 * A target the network policy will not let Flotilla contact. `field` is the input path the host
 * came from (`nodes.0.host`), `detail` the message without it, so the router can answer
 * `issues: [{ path: field, message: detail }]` and the worker store `message` on the node.
 */
export class NetworkPolicyError extends FlotillaError {
  override name = 'NetworkPolicyError';

  constructor(
    code: 'invalid' | 'unreachable',
    readonly field: string,
    readonly detail: string,
  ) {
    super(code, `${field}: ${detail}`);
  }
}

/** The host is, or resolves to, an address the policy refuses. */
export class AddressRefusedError extends NetworkPolicyError {
  override name = 'AddressRefusedError';

  constructor(
    field: string,
    /** The host as the user gave it. */
    readonly host: string,
    /** The refused address (the IPv4 one inside a mapped or NAT64 address); absent for a name. */
    readonly address: string | undefined,
    readonly rule: PolicyRule,
    detail: string,
  ) {
    super('invalid', field, detail);
  }
}

/**
 * The host has no address. `invalid` when the name does not exist, `unreachable` (retryable)
 * when the resolver failed for now or did not answer in time.
 */
export class HostUnresolvedError extends NetworkPolicyError {
  override name = 'HostUnresolvedError';

  constructor(
    field: string,
    readonly host: string,
    /** The resolver's code: ENOTFOUND, EAI_AGAIN, ETIMEOUT… */
    readonly reason: string,
  ) {
    const temporary = reason !== 'ENOTFOUND' && reason !== 'ENODATA';
    super(
      temporary ? 'unreachable' : 'invalid',
      field,
      temporary
        ? `${host} could not be resolved just now (${reason}); try again`
        : `${host} does not resolve to any address (${reason})`,
    );
  }
}

/** Not a host or URL Flotilla can contact at all (syntax, scheme). */
export class InvalidTargetError extends NetworkPolicyError {
  override name = 'InvalidTargetError';

  constructor(field: string, detail: string) {
    super('invalid', field, detail);
  }
}
