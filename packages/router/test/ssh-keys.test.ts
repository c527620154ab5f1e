// Generated keys must always be usable: ssh2's Ed25519 generator writes a malformed key about
// once in 256 (mscdex/ssh2#1513), which made `sshKey.generate` answer 400 now and then.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { expect, it } from 'vitest';
import { generateKeyPair } from '../src/routers/sshKey/keyPairs.ts';

it('makes 2,000 key pairs in a row that all parse (without the retry ~8 would not)', () => {
  const unusable: string[] = [];
  for (let i = 0; i < 2_000; i++) {
    const pair = generateKeyPair('flotilla-test');
    const parsed = ssh2.utils.parseKey(pair.privateKey);
    if (parsed instanceof Error) unusable.push(parsed.message);
    else if (`${parsed.type} ${parsed.getPublicSSH().toString('base64')}` !== pair.publicKey) {
      unusable.push('public key does not match the private key');
    }
  }
  expect(unusable).toEqual([]);
});

it('makes keys OpenSSH itself reads, with the public key and fingerprint it derives', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-key-'));
  try {
    const pair = generateKeyPair('flotilla-test');
    const path = join(dir, 'id_ed25519');
    writeFileSync(path, pair.privateKey, { mode: 0o600 });
    const publicKey = execFileSync('ssh-keygen', ['-y', '-f', path], { encoding: 'utf8' });
    expect(publicKey.trim().split(' ').slice(0, 2).join(' ')).toBe(pair.publicKey);
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', path], { encoding: 'utf8' });
    expect(fingerprint.split(' ')[1]).toBe(pair.fingerprint);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
