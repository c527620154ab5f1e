// The network policy: may Flotilla contact this host a user gave it? A name is resolved, every
// address it resolves to is checked, and the checked addresses are what the caller connects to,
// so a second DNS answer (rebinding) can never slip in between the check and the connection.
import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';
import { AddressRefusedError, HostUnresolvedError, InvalidTargetError } from './errors.ts';
import {
  type Address,
  type Block,
  builtinBlocks,
  embeddedIPv4,
  findBlock,
  formatAddress,
  metadataHostnames,
  type PolicyRule,
  parseAddress,
  parseBlock,
  privateBlocks,
  privateClass,
  type RuleKind,
} from './rules.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a name resolves to (`dns.promises.lookup(name, { all: true })` by default). */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export interface NetworkPolicyOptions {
  /** Blocks opened even where a refused class covers them (the testbed's range in tests). */
  allow?: readonly string[];
  /** Blocks always refused; wins over `allow`. */
  deny?: readonly string[];
  /** Refuse private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) too. */
  refusePrivate?: boolean;
  /** The control plane's own addresses beyond this machine's interfaces (blocks). */
  controlPlane?: readonly string[];
  /** Hosts of the control plane (database, Redis), resolved at each check and refused. */
  controlPlaneHosts?: readonly string[];
  /** This machine's addresses; `os.networkInterfaces()` read at each check by default. */
  localAddresses?: () => Iterable<string>;
  resolve?: Resolve;
  /** A resolver that has not answered by then counts as failed for now (default 5 s). */
  resolveTimeoutMs?: number;
}

export interface CheckedHost {
  /** The host as checked: a lower-case name or a canonical address, without brackets. */
  host: string;
  /** Every address of the host, each allowed; connect to these, never to `host` again. */
  addresses: ResolvedAddress[];
}

export type UrlScheme = 'http' | 'https' | 'ssh';

export interface CheckedUrl extends CheckedHost {
  scheme: UrlScheme;
  port: number;
}

/** Why one address is refused: the address judged (the IPv4 inside a mapped one) and the rule. */
export interface Refusal {
  address: string;
  rule: PolicyRule;
  /** How an IPv6 address carried it: "an IPv4-mapped IPv6 address". */
  via?: string;
}

export interface NetworkPolicy {
  /**
   * Resolves `host` (an IP literal, `[v6]`, or a name) and checks every address. Throws
   * AddressRefusedError, HostUnresolvedError or InvalidTargetError, each naming `field`.
   */
  checkHost(host: string, field: string): Promise<CheckedHost>;
  /**
   * Checks a git or registry URL: `http(s)://`, `ssh://` or scp-like `user@host:path`; the scheme
   * must be in `schemes` (all three by default) and the host passes checkHost.
   */
  checkUrl(
    url: string,
    field: string,
    options?: { schemes?: readonly UrlScheme[] },
  ): Promise<CheckedUrl>;
  /** The verdict on one IP address, without DNS (control-plane hosts are not resolved). */
  refusalFor(address: string): Refusal | undefined;
}

const defaultPorts: Record<UrlScheme, number> = { http: 80, https: 443, ssh: 22 };

const hostnamePattern =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) =>
    (list ?? []).map((entry) => entry.address),
  );
}

const defaultResolve: Resolve = (hostname) =>
  dns.lookup(hostname, { all: true, order: 'verbatim' });

export function createNetworkPolicy(options: NetworkPolicyOptions = {}): NetworkPolicy {
  const allow = (options.allow ?? []).map(parseBlock);
  const deny = (options.deny ?? []).map(parseBlock);
  const controlPlane = (options.controlPlane ?? []).map(parseBlock);
  const controlPlaneHosts = options.controlPlaneHosts ?? [];
  const refusePrivate = options.refusePrivate ?? false;
  const localAddresses = options.localAddresses ?? interfaceAddresses;
  const resolve = options.resolve ?? defaultResolve;
  const resolveTimeoutMs = options.resolveTimeoutMs ?? 5_000;

  const asBlocks = (texts: Iterable<string>): Block[] =>
    [...texts].flatMap((text) => {
      const address = parseAddress(text);
      return address ? [parseBlock(formatAddress(address))] : [];
    });

  /** The control plane's own addresses right now: interfaces come and go (bridges, VPNs). */
  const ownAddressesNow = (): Block[] => [...controlPlane, ...asBlocks(localAddresses())];

  async function ownAddresses(): Promise<Block[]> {
    const named = await Promise.all(
      controlPlaneHosts.map((host) =>
        parseAddress(host)
          ? [host]
          : resolve(host).then(
              (answers) => answers.map((answer) => answer.address),
              // A database host that does not resolve cannot be connected to by anyone either.
              () => [],
            ),
      ),
    );
    return [...ownAddressesNow(), ...asBlocks(named.flat())];
  }

  function judge(address: Address, own: readonly Block[]): Refusal | undefined {
    const refused = (kind: RuleKind, block: Block, description: string): Refusal => ({
      address: formatAddress(address),
      rule: { kind, cidr: block.cidr, description },
    });
    const denied = findBlock(address, deny);
    if (denied) {
      return refused('denyList', denied, `on the deny list (FLOTILLA_NETWORK_DENY ${denied.cidr})`);
    }
    // What reaches the network is the IPv4 address inside: it alone is judged.
    const embedded = embeddedIPv4(address);
    if (embedded) {
      const inner = judge(embedded.ipv4, own);
      return inner && { ...inner, via: embedded.via };
    }
    if (findBlock(address, allow)) return undefined;
    for (const entry of builtinBlocks) {
      const block = findBlock(address, entry.blocks);
      if (block) return refused(entry.kind, block, entry.description);
    }
    const self = findBlock(address, own);
    if (self) return refused('controlPlane', self, "one of the control plane's own addresses");
    const privateBlock = refusePrivate ? findBlock(address, privateBlocks) : undefined;
    if (privateBlock) {
      return refused(
        'private',
        privateBlock,
        `${privateClass.description} (FLOTILLA_NETWORK_REFUSE_PRIVATE is set)`,
      );
    }
    return undefined;
  }

  function refuse(field: string, host: string, literal: boolean, refusal: Refusal): never {
    const { rule, via } = refusal;
    // `host` resolves to X, which is …   /   ::ffff:… is an IPv4-mapped IPv6 address for X, which is …
    const carrier = via ? `${via} for ${refusal.address}` : undefined;
    let subject: string;
    if (literal) subject = carrier ? `${host} is ${carrier}, which` : host;
    else subject = `${host} resolves to ${carrier ?? refusal.address}, which`;
    throw new AddressRefusedError(
      field,
      host,
      refusal.address,
      rule,
      `${subject} is ${rule.description}, refused by the network policy`,
    );
  }

  async function resolveWithin(host: string, field: string): Promise<LookupAddress[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error('resolver timeout'), { code: 'ETIMEOUT' })),
        resolveTimeoutMs,
      );
    });
    try {
      return await Promise.race([resolve(host), timeout]);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'ESERVFAIL';
      throw new HostUnresolvedError(field, host, code);
    } finally {
      clearTimeout(timer);
    }
  }

  async function checkHost(input: string, field: string): Promise<CheckedHost> {
    const bracketed = /^\[(.*)\]$/.exec(input)?.[1];
    const literal = parseAddress(bracketed ?? input);
    if (bracketed !== undefined && !(literal instanceof ipaddr.IPv6)) {
      throw new InvalidTargetError(field, `${input} is not an IPv6 address`);
    }
    if (literal) {
      const refusal = judge(literal, await ownAddresses());
      if (refusal) refuse(field, input, true, refusal);
      return { host: formatAddress(literal), addresses: [connectable(literal)] };
    }
    const host = input.toLowerCase().replace(/\.$/, '');
    if (!hostnamePattern.test(host)) {
      throw new InvalidTargetError(
        field,
        `${JSON.stringify(input)} is not a hostname or IP address`,
      );
    }
    if (metadataHostnames.has(host)) {
      throw new AddressRefusedError(
        field,
        input,
        undefined,
        { kind: 'metadataHost', description: 'a cloud metadata hostname' },
        `${input} is a cloud metadata hostname, refused by the network policy`,
      );
    }
    const [answers, blocks] = await Promise.all([resolveWithin(host, field), ownAddresses()]);
    const addresses: ResolvedAddress[] = [];
    for (const answer of answers) {
      const address = parseAddress(answer.address);
      if (!address) throw new HostUnresolvedError(field, input, 'EBADRESP');
      const refusal = judge(address, blocks);
      if (refusal) refuse(field, input, false, refusal);
      const target = connectable(address);
      if (!addresses.some((known) => known.address === target.address)) addresses.push(target);
    }
    if (addresses.length === 0) throw new HostUnresolvedError(field, input, 'ENODATA');
    return { host, addresses };
  }

  async function checkUrl(
    input: string,
    field: string,
    { schemes = ['http', 'https', 'ssh'] }: { schemes?: readonly UrlScheme[] } = {},
  ): Promise<CheckedUrl> {
    const target = parseTarget(input, field, schemes);
    const checked = await checkHost(target.host, field);
    return { ...checked, scheme: target.scheme, port: target.port };
  }

  return {
    checkHost,
    checkUrl,
    refusalFor(text) {
      const address = parseAddress(text);
      if (!address) throw new Error(`not an IP address: ${JSON.stringify(text)}`);
      return judge(address, ownAddressesNow());
    },
  };
}

/** The address to dial: an IPv4-mapped address is dialled as the IPv4 address it is. */
function connectable(address: Address): ResolvedAddress {
  if (address instanceof ipaddr.IPv6) {
    if (address.isIPv4MappedAddress()) {
      return { address: address.toIPv4Address().toString(), family: 4 };
    }
    return { address: formatAddress(address), family: 6 };
  }
  return { address: formatAddress(address), family: 4 };
}

function schemeList(schemes: readonly UrlScheme[]): string {
  const names = schemes.map((scheme) => `${scheme}://`);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names.join('');
}

/**
 * Scheme, host and port of a git or registry URL. The URL itself never goes into a message: it
 * may carry a token (`https://user:token@host/…`).
 */
function parseTarget(
  input: string,
  field: string,
  schemes: readonly UrlScheme[],
): { scheme: UrlScheme; host: string; port: number } {
  const expected = `use an ${schemeList(schemes)} URL`;
  // Whitespace, control characters and a leading dash are how URLs smuggle options into git/ssh.
  if (!input || /[\s\p{Cc}]/u.test(input) || input.startsWith('-')) {
    throw new InvalidTargetError(field, `not a URL Flotilla can use; ${expected}`);
  }
  // git reads `transport::address` as a remote helper (`ext::sh -c …` runs a command).
  if (/^[a-z0-9][a-z0-9+.-]*::/i.test(input)) {
    throw new InvalidTargetError(
      field,
      `remote helper URLs (transport::…) are refused; ${expected}`,
    );
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(input)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    // git's scp-like form, `user@host:path`: a colon before any slash.
    const scp = /^(?:[^@/]*@)?(\[[^\]/]*\]|[^:/[\]]+):/.exec(input);
    if (scp?.[1] && schemes.includes('ssh')) {
      return { scheme: 'ssh', host: scp[1], port: defaultPorts.ssh };
    }
    throw new InvalidTargetError(field, `not a URL; ${expected}`);
  }
  if (!(schemes as readonly string[]).includes(scheme)) {
    throw new InvalidTargetError(field, `${scheme}:// URLs are refused; ${expected}`);
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new InvalidTargetError(field, `not a valid ${scheme}:// URL`);
  }
  if (!url.hostname) throw new InvalidTargetError(field, `the ${scheme}:// URL names no host`);
  const port = url.port ? Number(url.port) : defaultPorts[scheme as UrlScheme];
  return { scheme: scheme as UrlScheme, host: url.hostname, port };
}

/**
 * A `lookup` for `net.connect`, `http.request` or undici's `connect` options that answers only
 * the checked host, and only with its checked addresses: the connection goes where the policy
 * looked, and a redirect to another host fails until that host is checked too.
 */
export function pinnedLookup(checked: CheckedHost): LookupFunction {
  return (hostname, options, callback) => {
    const host = hostname
      .toLowerCase()
      .replace(/\.$/, '')
      .replace(/^\[(.*)\]$/, '$1');
    const canonical = parseAddress(host);
    const name = canonical ? formatAddress(canonical) : host;
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const answers = checked.addresses.filter((entry) => !family || entry.family === family);
    const first = answers[0];
    if (name !== checked.host || !first) {
      const error: NodeJS.ErrnoException = new Error(
        `${hostname} was not checked by the network policy`,
      );
      error.code = 'ENOTFOUND';
      callback(error, '', 0);
      return;
    }
    if (options.all) callback(null, answers);
    else callback(null, first.address, first.family);
  };
}
