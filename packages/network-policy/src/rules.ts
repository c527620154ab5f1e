// The address classes Flotilla refuses as targets unless an operator says otherwise, and how an
// IPv6 address that carries an IPv4 one is seen through. Addresses are parsed with ipaddr.js,
// but only after node:net's strict check (ipaddr.js also reads `0x7f.1` or `2130706433`, which
// getaddrinfo resolves like any other name, so they go through the resolver and its answer is
// what gets checked).
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Why an address or name is refused; stored with a node's failure, so never renamed. */
export type RuleKind =
  | 'metadataHost'
  | 'metadata'
  | 'loopback'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'controlPlane'
  | 'private'
  | 'denyList';

export interface PolicyRule {
  kind: RuleKind;
  /** The block that matched (`169.254.0.0/16`, a deny-list entry); absent for a name rule. */
  cidr?: string;
  /** What the address is, as the error message says it: "link-local / cloud metadata". */
  description: string;
}

interface BuiltinClass {
  kind: RuleKind;
  description: string;
  cidrs: string[];
}

// Order matters only for naming: the first class that matches is the one reported.
const builtinClasses: BuiltinClass[] = [
  {
    kind: 'metadata',
    description: 'link-local / cloud metadata',
    cidrs: [
      '169.254.0.0/16', // link-local; 169.254.169.254 is AWS, GCP, Azure, DO, Hetzner, OCI metadata
      'fe80::/10',
      'fd00:ec2::254/128', // AWS metadata over IPv6 (inside fc00::/7, so listed before private)
      '168.63.129.16/32', // Azure WireServer: a public-looking address that only the VM reaches
      '100.100.100.200/32', // Alibaba Cloud metadata (inside 100.64/10)
    ],
  },
  { kind: 'loopback', description: 'loopback (this machine)', cidrs: ['127.0.0.0/8', '::1/128'] },
  {
    kind: 'unspecified',
    // Linux connects 0.0.0.0 (and ::) to the local host.
    description: 'unspecified (this machine)',
    cidrs: ['0.0.0.0/8', '::/128'],
  },
  { kind: 'multicast', description: 'multicast', cidrs: ['224.0.0.0/4', 'ff00::/8'] },
  { kind: 'broadcast', description: 'broadcast', cidrs: ['255.255.255.255/32'] },
  { kind: 'reserved', description: 'reserved (not a host address)', cidrs: ['240.0.0.0/4'] },
];

export const privateClass: BuiltinClass = {
  kind: 'private',
  description: 'a private address',
  cidrs: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'],
};

/**
 * Names of metadata services, refused before any lookup. Their addresses are refused anyway; the
 * names also catch a resolver that answers them differently (search domains, split DNS) and
 * give the clearer message. Equinix Metal's is a public address that answers by source address.
 */
export const metadataHostnames: ReadonlySet<string> = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.packet.net',
  'metadata.platformequinix.com',
]);

export interface Block {
  cidr: string;
  range: [Address, number];
}

/** Parses `10.0.0.0/8`, `fd00::/8` or a bare address (a block of one); throws on anything else. */
export function parseBlock(entry: string): Block {
  const [address = '', prefix, extra] = entry.trim().split('/');
  const family = isIP(address);
  const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
  if (
    family === 0 ||
    extra !== undefined ||
    (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) ||
    bits > (family === 4 ? 32 : 128)
  ) {
    throw new Error(`not an IP address or CIDR block: ${JSON.stringify(entry)}`);
  }
  const parsed = parseAddress(address)!;
  return { cidr: `${formatAddress(parsed)}/${bits}`, range: [parsed, bits] };
}

export const builtinBlocks = builtinClasses.map((entry) => ({
  ...entry,
  blocks: entry.cidrs.map(parseBlock),
}));
export const privateBlocks = privateClass.cidrs.map(parseBlock);

/** The first block that holds the address (IPv4 blocks never hold IPv6 addresses and back). */
export function findBlock(address: Address, blocks: readonly Block[]): Block | undefined {
  return blocks.find(
    (block) => block.range[0].kind() === address.kind() && address.match(block.range),
  );
}

/** Parses an IP literal as node:net reads it (strict), or undefined for anything else. */
export function parseAddress(text: string): Address | undefined {
  const family = isIP(text);
  if (family === 4) return ipaddr.IPv4.parse(text);
  if (family !== 6) return undefined;
  // A zone (`fe80::1%eth0`) picks an interface, not a host: compare without it. The URL parser
  // rewrites dotted tails as hex first, since ipaddr.js reads the deprecated IPv4-compatible
  // `::127.0.0.1` as the mapped `::ffff:127.0.0.1`.
  const [bare = ''] = text.split('%');
  return ipaddr.IPv6.parse(new URL(`http://[${bare}]/`).hostname.slice(1, -1));
}

/** The canonical text of an address: dotted IPv4, RFC 5952 IPv6. */
export function formatAddress(address: Address): string {
  return address instanceof ipaddr.IPv6 ? address.toRFC5952String() : address.toString();
}

const embeddings = [
  // The kernel connects these to the IPv4 address itself.
  { via: 'an IPv4-mapped IPv6 address', block: parseBlock('::ffff:0:0/96') },
  { via: 'an IPv4-compatible IPv6 address', block: parseBlock('::/96') },
  // Translators (SIIT, NAT64) turn these into real IPv4 connections on the network's edge.
  { via: 'an IPv4-translated IPv6 address', block: parseBlock('::ffff:0:0:0/96') },
  { via: 'a NAT64 address', block: parseBlock('64:ff9b::/96') },
  // Local-use NAT64 prefix; deployments use it as a /96 (RFC 8215), so the IPv4 is the last 32 bits.
  { via: 'a NAT64 address', block: parseBlock('64:ff9b:1::/48') },
];

/**
 * The IPv4 address an IPv6 address stands for, where connecting to the IPv6 one can reach the
 * IPv4 host: mapped and compatible forms (the local kernel), SIIT and NAT64 (a translator).
 * 6to4 and Teredo only tunnel IPv6 inside IPv4 to a relay; they never deliver TCP to the
 * embedded host, so they are judged as the IPv6 addresses they are.
 */
export function embeddedIPv4(address: Address): { ipv4: ipaddr.IPv4; via: string } | undefined {
  if (!(address instanceof ipaddr.IPv6)) return undefined;
  const v6 = address;
  for (const { via, block } of embeddings) {
    if (!v6.match(block.range)) continue;
    // `::` and `::1` are inside ::/96 but are IPv6's own unspecified and loopback addresses.
    const high = v6.parts[6] ?? 0;
    const low = v6.parts[7] ?? 0;
    if (block.cidr === '::/96' && high === 0 && low <= 1) return undefined;
    return { ipv4: new ipaddr.IPv4([high >> 8, high & 255, low >> 8, low & 255]), via };
  }
  return undefined;
}
