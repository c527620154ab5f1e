import type { LookupAddress } from 'node:dns';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  AddressRefusedError,
  createNetworkPolicy,
  HostUnresolvedError,
  InvalidTargetError,
  type NetworkPolicyOptions,
  networkPolicyFromConfig,
  type RuleKind,
} from './index.ts';

/** A resolver that answers from a table and fails the test if asked about anything else. */
function table(entries: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve = async (hostname: string): Promise<LookupAddress[]> => {
    asked.push(hostname);
    const answers = entries[hostname];
    if (!answers) throw Object.assign(new Error(`unexpected lookup ${hostname}`), { code: 'X' });
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, asked };
}

/** A policy that sees no interface addresses, so only the rules under test decide. */
const policyWith = (options: NetworkPolicyOptions = {}) =>
  createNetworkPolicy({ localAddresses: () => [], ...options });

async function refusal(promise: Promise<unknown>): Promise<AddressRefusedError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AddressRefusedError);
  return error as AddressRefusedError;
}

describe('refused classes', () => {
  const cases: [string, RuleKind, string][] = [
    ['169.254.169.254', 'metadata', '169.254.0.0/16'],
    ['169.254.0.1', 'metadata', '169.254.0.0/16'],
    ['fe80::1', 'metadata', 'fe80::/10'],
    ['fe80::1%eth0', 'metadata', 'fe80::/10'],
    ['fd00:ec2::254', 'metadata', 'fd00:ec2::254/128'],
    ['168.63.129.16', 'metadata', '168.63.129.16/32'],
    ['100.100.100.200', 'metadata', '100.100.100.200/32'],
    ['127.0.0.1', 'loopback', '127.0.0.0/8'],
    ['127.45.6.7', 'loopback', '127.0.0.0/8'],
    ['::1', 'loopback', '::1/128'],
    ['[::1]', 'loopback', '::1/128'],
    ['0.0.0.0', 'unspecified', '0.0.0.0/8'],
    ['::', 'unspecified', '::/128'],
    ['224.0.0.251', 'multicast', '224.0.0.0/4'],
    ['ff02::1', 'multicast', 'ff00::/8'],
    ['255.255.255.255', 'broadcast', '255.255.255.255/32'],
    ['240.1.2.3', 'reserved', '240.0.0.0/4'],
  ];

  it.each(cases)('refuses %s as %s', async (host, kind, cidr) => {
    const error = await refusal(policyWith().checkHost(host, 'nodes.0.host'));
    expect(error.code).toBe('invalid');
    expect(error.retryable).toBe(false);
    expect(error.field).toBe('nodes.0.host');
    expect(error.rule).toMatchObject({ kind, cidr });
    expect(error.message).toMatch(/^nodes\.0\.host: .* refused by the network policy$/);
  });

  it('says what the address is, in words a user can act on', async () => {
    const error = await refusal(policyWith().checkHost('169.254.169.254', 'nodes.0.host'));
    expect(error.message).toBe(
      'nodes.0.host: 169.254.169.254 is link-local / cloud metadata, refused by the network policy',
    );
    expect(error.detail).toBe(
      '169.254.169.254 is link-local / cloud metadata, refused by the network policy',
    );
    expect(error.address).toBe('169.254.169.254');
  });

  it('allows public addresses and returns them to connect to', async () => {
    const policy = policyWith();
    expect(await policy.checkHost('203.0.113.10', 'nodes.0.host')).toEqual({
      host: '203.0.113.10',
      addresses: [{ address: '203.0.113.10', family: 4 }],
    });
    expect(await policy.checkHost('[2001:DB8::10]', 'nodes.0.host')).toEqual({
      host: '2001:db8::10',
      addresses: [{ address: '2001:db8::10', family: 6 }],
    });
  });
});

describe('IPv4 inside IPv6', () => {
  it.each([
    ['::ffff:169.254.169.254', 'metadata', 'an IPv4-mapped IPv6 address'],
    ['::ffff:a9fe:a9fe', 'metadata', 'an IPv4-mapped IPv6 address'],
    ['::ffff:7f00:1', 'loopback', 'an IPv4-mapped IPv6 address'],
    ['::ffff:0.0.0.0', 'unspecified', 'an IPv4-mapped IPv6 address'],
    ['::127.0.0.1', 'loopback', 'an IPv4-compatible IPv6 address'],
    ['::ffff:0:7f00:1', 'loopback', 'an IPv4-translated IPv6 address'],
    ['64:ff9b::a9fe:a9fe', 'metadata', 'a NAT64 address'],
    ['64:ff9b:1::7f00:1', 'loopback', 'a NAT64 address'],
  ] as const)('refuses %s for the IPv4 address inside (%s)', async (host, kind, via) => {
    const error = await refusal(policyWith().checkHost(host, 'nodes.0.host'));
    expect(error.rule.kind).toBe(kind);
    expect(error.message).toContain(`${host} is ${via} for `);
  });

  it('names the IPv4 address in the message', async () => {
    const error = await refusal(policyWith().checkHost('::ffff:169.254.169.254', 'nodes.1.host'));
    expect(error.address).toBe('169.254.169.254');
    expect(error.message).toBe(
      'nodes.1.host: ::ffff:169.254.169.254 is an IPv4-mapped IPv6 address for 169.254.169.254, ' +
        'which is link-local / cloud metadata, refused by the network policy',
    );
  });

  it('connects to a mapped public address as IPv4, to a NAT64 one through the translator', async () => {
    const policy = policyWith();
    expect((await policy.checkHost('::ffff:203.0.113.7', 'h')).addresses).toEqual([
      { address: '203.0.113.7', family: 4 },
    ]);
    expect((await policy.checkHost('64:ff9b::cb00:7107', 'h')).addresses).toEqual([
      { address: '64:ff9b::cb00:7107', family: 6 },
    ]);
  });

  it('applies the deny list and the private setting to the IPv4 address inside', async () => {
    const denied = policyWith({ deny: ['203.0.113.0/24'] });
    expect((await refusal(denied.checkHost('::ffff:203.0.113.7', 'h'))).rule).toMatchObject({
      kind: 'denyList',
      cidr: '203.0.113.0/24',
    });
    const strict = policyWith({ refusePrivate: true });
    expect((await refusal(strict.checkHost('::ffff:10.1.2.3', 'h'))).rule.kind).toBe('private');
  });
});

describe('private ranges', () => {
  const privateHosts = ['10.0.0.5', '172.16.3.4', '172.31.255.1', '192.168.1.1', '100.64.0.1'];

  it('are allowed by default, since own servers often live there', async () => {
    const policy = policyWith();
    for (const host of [...privateHosts, 'fd12:3456::1']) {
      expect((await policy.checkHost(host, 'nodes.0.host')).addresses).toHaveLength(1);
    }
  });

  it('are refused when the instance says so, naming the setting', async () => {
    const policy = policyWith({ refusePrivate: true });
    for (const host of [...privateHosts, 'fd12:3456::1']) {
      const error = await refusal(policy.checkHost(host, 'nodes.0.host'));
      expect(error.rule.kind).toBe('private');
      expect(error.message).toContain('FLOTILLA_NETWORK_REFUSE_PRIVATE');
    }
    // Neighbours of the private blocks stay public.
    for (const host of ['172.32.0.1', '100.128.0.1', '11.0.0.1']) {
      expect((await policy.checkHost(host, 'nodes.0.host')).host).toBe(host);
    }
  });
});

describe('allow and deny lists', () => {
  it('allow opens a refused class only for its blocks', async () => {
    const policy = policyWith({ allow: ['10.201.0.0/16', '127.0.0.2'], refusePrivate: true });
    expect((await policy.checkHost('10.201.3.10', 'h')).host).toBe('10.201.3.10');
    expect((await policy.checkHost('127.0.0.2', 'h')).host).toBe('127.0.0.2');
    expect((await refusal(policy.checkHost('10.202.0.1', 'h'))).rule.kind).toBe('private');
    expect((await refusal(policy.checkHost('127.0.0.1', 'h'))).rule.kind).toBe('loopback');
  });

  it('deny wins over allow', async () => {
    const policy = policyWith({ allow: ['10.201.0.0/16'], deny: ['10.201.3.0/24'] });
    expect((await policy.checkHost('10.201.4.1', 'h')).host).toBe('10.201.4.1');
    const error = await refusal(policy.checkHost('10.201.3.10', 'nodes.2.host'));
    expect(error.rule).toMatchObject({ kind: 'denyList', cidr: '10.201.3.0/24' });
    expect(error.message).toBe(
      'nodes.2.host: 10.201.3.10 is on the deny list (FLOTILLA_NETWORK_DENY 10.201.3.0/24), ' +
        'refused by the network policy',
    );
  });

  it('deny refuses public addresses and IPv6 blocks too', async () => {
    const policy = policyWith({ deny: ['198.51.100.0/24', '2001:db8:bad::/48'] });
    expect((await refusal(policy.checkHost('198.51.100.9', 'h'))).rule.kind).toBe('denyList');
    expect((await refusal(policy.checkHost('2001:db8:bad::1', 'h'))).rule.kind).toBe('denyList');
    expect((await policy.checkHost('2001:db8:600d::1', 'h')).host).toBe('2001:db8:600d::1');
  });

  it('refuses to start with an entry that is not a block', () => {
    expect(() => createNetworkPolicy({ allow: ['10.0.0.0/33'] })).toThrow(/not an IP address/);
    expect(() => createNetworkPolicy({ deny: ['example.com'] })).toThrow(/not an IP address/);
  });
});

describe("the control plane's own addresses", () => {
  it('refuses every address of this machine', async () => {
    const policy = createNetworkPolicy();
    const own = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
    expect(own.length).toBeGreaterThan(0);
    for (const entry of own) {
      const error = await refusal(policy.checkHost(entry.address, 'nodes.0.host'));
      expect(['loopback', 'metadata', 'controlPlane']).toContain(error.rule.kind);
    }
  });

  it('refuses configured blocks and the hosts of its database and Redis', async () => {
    const names = table({ 'db.internal': ['198.51.100.20'], 'app.example': ['198.51.100.20'] });
    const policy = networkPolicyFromConfig(
      {
        FLOTILLA_NETWORK_ALLOW: [],
        FLOTILLA_NETWORK_DENY: [],
        FLOTILLA_NETWORK_REFUSE_PRIVATE: false,
        FLOTILLA_NETWORK_CONTROL_PLANE: ['203.0.113.0/28'],
        DATABASE_URL: 'postgresql://flotilla@db.internal:5432/flotilla',
        REDIS_URL: 'rediss://:pw@[2001:db8::6379]:6380',
      },
      { resolve: names.resolve, localAddresses: () => ['192.0.2.44'] },
    );
    const kinds = async (host: string) => (await refusal(policy.checkHost(host, 'h'))).rule.kind;
    expect(await kinds('203.0.113.5')).toBe('controlPlane');
    expect(await kinds('192.0.2.44')).toBe('controlPlane');
    expect(await kinds('198.51.100.20')).toBe('controlPlane');
    expect(await kinds('2001:db8::6379')).toBe('controlPlane');
    expect(await kinds('app.example')).toBe('controlPlane');
    expect((await policy.checkHost('203.0.113.16', 'h')).host).toBe('203.0.113.16');
  });
});

describe('hostnames', () => {
  it('resolves localhost with the system resolver and refuses its loopback address', async () => {
    const policy = createNetworkPolicy();
    for (const host of ['localhost', 'LocalHost.']) {
      const error = await refusal(policy.checkHost(host, 'nodes.0.host'));
      expect(error.rule.kind).toBe('loopback');
      expect(error.message).toBe(
        `nodes.0.host: ${host} resolves to 127.0.0.1, which is loopback (this machine), ` +
          'refused by the network policy',
      );
    }
  });

  it('refuses metadata names before asking any resolver', async () => {
    const names = table({});
    const policy = policyWith({ resolve: names.resolve });
    for (const host of [
      'metadata.google.internal',
      'METADATA.google.internal.',
      'metadata',
      'metadata.goog',
      'instance-data',
    ]) {
      const error = await refusal(policy.checkHost(host, 'nodes.0.host'));
      expect(error.rule.kind).toBe('metadataHost');
      expect(error.message).toBe(
        `nodes.0.host: ${host} is a cloud metadata hostname, refused by the network policy`,
      );
    }
    expect(names.asked).toEqual([]);
  });

  it('refuses a name if any one of its addresses is refused', async () => {
    const names = table({ 'mixed.example': ['203.0.113.5', '127.0.0.1'] });
    const error = await refusal(policyWith(names).checkHost('mixed.example', 'nodes.0.host'));
    expect(error.message).toBe(
      'nodes.0.host: mixed.example resolves to 127.0.0.1, which is loopback (this machine), ' +
        'refused by the network policy',
    );
  });

  it('returns every checked address once, in the order the resolver gave', async () => {
    const names = table({
      'good.example': ['203.0.113.5', '2001:db8::5', '203.0.113.6', '::ffff:203.0.113.5'],
    });
    expect(await policyWith(names).checkHost('Good.Example', 'h')).toEqual({
      host: 'good.example',
      addresses: [
        { address: '203.0.113.5', family: 4 },
        { address: '2001:db8::5', family: 6 },
        { address: '203.0.113.6', family: 4 },
      ],
    });
  });

  it('tells a name that does not exist from a resolver that failed for now', async () => {
    const failing = (code: string) =>
      policyWith({
        resolve: async () => {
          throw Object.assign(new Error(code), { code });
        },
      });
    const missing = await failing('ENOTFOUND')
      .checkHost('gone.example', 'nodes.0.host')
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(HostUnresolvedError);
    expect(missing).toMatchObject({ code: 'invalid', retryable: false, field: 'nodes.0.host' });
    expect((missing as Error).message).toBe(
      'nodes.0.host: gone.example does not resolve to any address (ENOTFOUND)',
    );
    const later = await failing('EAI_AGAIN')
      .checkHost('flaky.example', 'h')
      .catch((e) => e);
    expect(later).toMatchObject({ code: 'unreachable', retryable: true, reason: 'EAI_AGAIN' });
  });

  it('gives up on a resolver that does not answer', async () => {
    const policy = policyWith({ resolve: () => new Promise(() => {}), resolveTimeoutMs: 50 });
    const error = await policy.checkHost('slow.example', 'h').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unreachable', reason: 'ETIMEOUT' });
  });

  it.each(['', 'a b', 'host:22', '-oProxyCommand=x', '[10.0.0.1]', 'a/b', 'x'.repeat(254), 'é.fr'])(
    'refuses %j as no host at all',
    async (host) => {
      const error = await policyWith()
        .checkHost(host, 'nodes.0.host')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidTargetError);
      expect(error).toMatchObject({ code: 'invalid', field: 'nodes.0.host' });
    },
  );
});

describe('refusalFor', () => {
  it('judges one address without DNS', () => {
    const policy = policyWith({ allow: ['10.201.0.0/16'], refusePrivate: true });
    expect(policy.refusalFor('10.201.0.9')).toBeUndefined();
    expect(policy.refusalFor('10.9.0.1')?.rule.kind).toBe('private');
    expect(policy.refusalFor('::ffff:127.0.0.1')).toMatchObject({
      address: '127.0.0.1',
      via: 'an IPv4-mapped IPv6 address',
      rule: { kind: 'loopback' },
    });
  });
});
