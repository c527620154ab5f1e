// The system resolver answering from /etc/hosts, as an attacker-controlled DNS name would: a test
// must not edit the machine's /etc/hosts, so the check runs in a child process with its own mount
// namespace (a private /etc/hosts bind-mounted over the real one) and its own network namespace
// (no route anywhere, so nothing it resolves or connects to can leave the machine).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-hosts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hostsFile = join(dir, 'hosts');
writeFileSync(
  hostsFile,
  [
    '127.0.0.2        evil.test',
    '169.254.169.254  meta.test',
    '::ffff:169.254.169.254 mapped.test',
    '203.0.113.5      mixed.test',
    '127.0.0.1        mixed.test',
    '203.0.113.9      good.test',
    '2001:db8::9      good6.test',
    '10.201.7.10      testbed.test',
  ].join('\n'),
);

interface Verdict {
  host: string;
  refused?: string;
  message?: string;
  addresses?: { address: string; family: number }[];
}

async function checkInNamespace(hosts: string[], env: Record<string, string> = {}) {
  const { stdout } = await promisify(execFile)(
    'unshare',
    [
      '--mount',
      '--net',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      'mount --bind "$0" /etc/hosts && exec "$@"',
      hostsFile,
      process.execPath,
      '--import',
      'tsx',
      join(import.meta.dirname, 'fixtures/check-hosts.ts'),
      ...hosts,
    ],
    { cwd: join(import.meta.dirname, '..'), env: { ...process.env, ...env }, timeout: 60_000 },
  );
  const verdicts = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Verdict);
  return Object.fromEntries(verdicts.map((verdict) => [verdict.host, verdict]));
}

describe('names from /etc/hosts, through the real resolver', () => {
  it('refuses names that resolve to refused addresses and returns the others', async () => {
    const verdicts = await checkInNamespace([
      'evil.test',
      'meta.test',
      'mapped.test',
      'mixed.test',
      'good.test',
      'good6.test',
      'testbed.test',
    ]);
    expect(verdicts['evil.test']).toMatchObject({
      refused: 'loopback',
      message:
        'nodes.0.host: evil.test resolves to 127.0.0.2, which is loopback (this machine), refused by the network policy',
    });
    expect(verdicts['meta.test']).toMatchObject({ refused: 'metadata' });
    expect(verdicts['mapped.test']).toMatchObject({
      refused: 'metadata',
      message:
        'nodes.0.host: mapped.test resolves to an IPv4-mapped IPv6 address for 169.254.169.254, ' +
        'which is link-local / cloud metadata, refused by the network policy',
    });
    // One good address does not excuse a bad one beside it.
    expect(verdicts['mixed.test']).toMatchObject({ refused: 'loopback' });
    expect(verdicts['good.test']).toEqual({
      host: 'good.test',
      addresses: [{ address: '203.0.113.9', family: 4 }],
    });
    expect(verdicts['good6.test']?.addresses).toEqual([{ address: '2001:db8::9', family: 6 }]);
    expect(verdicts['testbed.test']?.addresses).toEqual([{ address: '10.201.7.10', family: 4 }]);
  }, 90_000);

  it('sees through the numeric spellings getaddrinfo accepts for 127.0.0.1', async () => {
    const spellings = ['2130706433', '0x7f.1', '127.1', '0177.0.0.1', '0x7f000001'];
    const verdicts = await checkInNamespace(spellings);
    for (const host of spellings) {
      expect(verdicts[host], host).toMatchObject({
        refused: 'loopback',
        message: `nodes.0.host: ${host} resolves to 127.0.0.1, which is loopback (this machine), refused by the network policy`,
      });
    }
  }, 90_000);

  it('opens a refused range only for the blocks an operator allows', async () => {
    const strict = await checkInNamespace(['testbed.test', 'evil.test'], {
      REFUSE_PRIVATE: 'true',
    });
    expect(strict['testbed.test']).toMatchObject({ refused: 'private' });
    expect(strict['evil.test']).toMatchObject({ refused: 'loopback' });
    const allowed = await checkInNamespace(['testbed.test', 'evil.test', 'mixed.test'], {
      REFUSE_PRIVATE: 'true',
      ALLOW: '10.201.0.0/16',
    });
    expect(allowed['testbed.test']?.addresses).toEqual([{ address: '10.201.7.10', family: 4 }]);
    expect(allowed['evil.test']).toMatchObject({ refused: 'loopback' });
    const loopback = await checkInNamespace(['evil.test', 'mixed.test'], { ALLOW: '127.0.0.2/32' });
    expect(loopback['evil.test']?.addresses).toEqual([{ address: '127.0.0.2', family: 4 }]);
    expect(loopback['mixed.test']).toMatchObject({ refused: 'loopback' });
  }, 90_000);
});
