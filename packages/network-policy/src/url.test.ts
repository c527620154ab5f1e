import type { LookupAddress } from 'node:dns';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  AddressRefusedError,
  createNetworkPolicy,
  InvalidTargetError,
  type NetworkPolicyOptions,
  pinnedLookup,
} from './index.ts';

const names: Record<string, string[]> = {
  'git.example.com': ['203.0.113.20'],
  'registry.example.com': ['203.0.113.21', '2001:db8::21'],
  'rebind.example.com': ['169.254.169.254'],
};
const resolve = async (hostname: string): Promise<LookupAddress[]> => {
  const answers = names[hostname];
  if (!answers) throw Object.assign(new Error('no such name'), { code: 'ENOTFOUND' });
  return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};
const policyWith = (options: NetworkPolicyOptions = {}) =>
  createNetworkPolicy({ localAddresses: () => [], resolve, ...options });

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error) => error,
  );

describe('checkUrl', () => {
  it('reads http, https, ssh and scp-like git URLs with their default ports', async () => {
    const policy = policyWith();
    expect(await policy.checkUrl('https://registry.example.com/v2/', 'registry.url')).toEqual({
      scheme: 'https',
      host: 'registry.example.com',
      port: 443,
      addresses: [
        { address: '203.0.113.21', family: 4 },
        { address: '2001:db8::21', family: 6 },
      ],
    });
    expect(await policy.checkUrl('http://git.example.com:8080/org/app.git', 'f')).toMatchObject({
      scheme: 'http',
      port: 8080,
    });
    expect(await policy.checkUrl('ssh://git@git.example.com:2222/org/app.git', 'f')).toMatchObject({
      scheme: 'ssh',
      host: 'git.example.com',
      port: 2222,
    });
    expect(await policy.checkUrl('git@git.example.com:org/app.git', 'f')).toMatchObject({
      scheme: 'ssh',
      host: 'git.example.com',
      port: 22,
      addresses: [{ address: '203.0.113.20', family: 4 }],
    });
    expect(await policy.checkUrl('git@[2001:db8::5]:org/app.git', 'f')).toMatchObject({
      scheme: 'ssh',
      host: '2001:db8::5',
    });
  });

  it('checks the host of every form like a node host', async () => {
    const policy = policyWith();
    for (const [url, kind] of [
      ['http://169.254.169.254/latest/meta-data/', 'metadata'],
      ['http://metadata.google.internal/computeMetadata/v1/', 'metadataHost'],
      ['https://rebind.example.com/', 'metadata'],
      ['http://0x7f.1:6379/', 'loopback'], // the URL parser reads the hex form as 127.0.0.1
      ['https://[::ffff:127.0.0.1]/', 'loopback'],
      ['ssh://git@[::1]:22/repo.git', 'loopback'],
      ['git@127.0.0.1:repo.git', 'loopback'],
      ['http://[fe80::1]/', 'metadata'],
    ] as const) {
      const error = await failure(policy.checkUrl(url, 'repository.url'));
      expect(error, url).toBeInstanceOf(AddressRefusedError);
      expect((error as AddressRefusedError).rule.kind, url).toBe(kind);
      expect(error?.message, url).toMatch(/^repository\.url: .* refused by the network policy$/);
    }
  });

  it('refuses other schemes, remote helpers and option smuggling, naming what is allowed', async () => {
    const policy = policyWith();
    for (const [url, says] of [
      ['file:///etc/passwd', 'file:// URLs are refused; use an http://, https:// or ssh:// URL'],
      ['git://git.example.com/app.git', 'git:// URLs are refused'],
      ['ftp://git.example.com/x', 'ftp:// URLs are refused'],
      ['ext::sh -c touch% /tmp/pwned', 'not a URL Flotilla can use'],
      ['ext::ssh', 'remote helper URLs (transport::…) are refused'],
      ['fd::17', 'remote helper URLs'],
      ['/srv/git/app.git', 'not a URL; use an http://, https:// or ssh:// URL'],
      ['./app', 'not a URL'],
      ['-oProxyCommand=touch@x:y', 'not a URL Flotilla can use'],
      ['https://git.example.com/a b', 'not a URL Flotilla can use'],
      ['https://', 'not a valid https:// URL'],
      ['', 'not a URL Flotilla can use'],
    ]) {
      const error = await failure(policy.checkUrl(url as string, 'repository.url'));
      expect(error, url).toBeInstanceOf(InvalidTargetError);
      expect(error?.message, url).toContain(`repository.url: ${says}`);
    }
  });

  it('takes a narrower scheme list for registries', async () => {
    const policy = policyWith();
    const error = await failure(
      policy.checkUrl('http://registry.example.com/', 'registry.url', { schemes: ['https'] }),
    );
    expect(error?.message).toBe('registry.url: http:// URLs are refused; use an https:// URL');
    const sshOnly = await failure(
      policy.checkUrl('git@git.example.com:a.git', 'registry.url', { schemes: ['https'] }),
    );
    expect(sshOnly).toBeInstanceOf(InvalidTargetError);
  });

  it('never repeats the URL, which may carry a token', async () => {
    const policy = policyWith();
    for (const url of [
      'https://deploy:s3cr3t-t0ken@127.0.0.1/app.git',
      'ftp://deploy:s3cr3t-t0ken@git.example.com/app.git',
      'https://deploy:s3cr3t-t0ken@nowhere.example.com/app.git',
    ]) {
      const error = await failure(policy.checkUrl(url, 'repository.url'));
      expect(error, url).toBeDefined();
      expect(error?.message, url).not.toContain('s3cr3t');
    }
  });
});

describe('pinnedLookup', () => {
  it('connects to the checked address and to no other host', async () => {
    const server = createServer((_, response) => response.end('pinned'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    try {
      // Only an operator's allow entry opens loopback; `app.test` exists in no resolver but this
      // policy's own table, so the connection can only have gone where the check looked.
      const policy = createNetworkPolicy({
        allow: ['127.0.0.0/8'],
        localAddresses: () => [],
        resolve: async (name) => (name === 'app.test' ? [{ address: '127.0.0.1', family: 4 }] : []),
      });
      const checked = await policy.checkUrl(`http://app.test:${port}/`, 'webhook.url');
      const fetchVia = (host: string) =>
        new Promise<string>((resolve, reject) => {
          get({ host, port, path: '/', lookup: pinnedLookup(checked) }, (response) => {
            let body = '';
            response.on('data', (chunk) => {
              body += chunk;
            });
            response.on('end', () => resolve(body));
          }).on('error', reject);
        });
      expect(await fetchVia('app.test')).toBe('pinned');
      expect(await fetchVia('APP.test.')).toBe('pinned');
      await expect(fetchVia('localhost')).rejects.toThrow(
        'localhost was not checked by the network policy',
      );
    } finally {
      server.close();
    }
  });
});
