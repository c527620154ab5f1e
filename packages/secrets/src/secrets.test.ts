import { describe, expect, it } from 'vitest';
import {
  createSealer,
  generateToken,
  hashPassword,
  hashToken,
  safeEqual,
  verifyPassword,
} from './index.ts';

describe('sealer', () => {
  const sealer = createSealer(Buffer.alloc(32, 1));

  it('round-trips and never stores the plaintext', () => {
    const envelope = sealer.seal('-----BEGIN OPENSSH PRIVATE KEY-----', 'sshKey:key_1');
    expect(envelope).not.toContain('OPENSSH');
    expect(sealer.open(envelope, 'sshKey:key_1')).toBe('-----BEGIN OPENSSH PRIVATE KEY-----');
  });

  it('refuses an envelope moved to another record or sealed under another key', () => {
    const envelope = sealer.seal('secret', 'sshKey:key_1');
    expect(() => sealer.open(envelope, 'sshKey:key_2')).toThrow();
    expect(() => createSealer(Buffer.alloc(32, 2)).open(envelope, 'sshKey:key_1')).toThrow();
  });

  it('refuses a tampered envelope', () => {
    const envelope = sealer.seal('secret', 'c');
    const parts = envelope.split('.');
    const flipped = Buffer.from(parts.pop()!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => sealer.open([...parts, flipped.toString('base64url')].join('.'), 'c')).toThrow();
  });
});

describe('sealer keys', () => {
  const keyA = Buffer.alloc(32, 1);
  const keyB = Buffer.alloc(32, 2);

  it('names the sealing key in the envelope without revealing it', () => {
    const a = createSealer(keyA);
    expect(a.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(createSealer(keyA).keyId).toBe(a.keyId);
    expect(createSealer(keyB).keyId).not.toBe(a.keyId);
    expect(a.keyId).not.toContain(keyA.toString('hex').slice(0, 16));
    const envelope = a.seal('secret', 'c');
    expect(envelope.startsWith(`v2.${a.keyId}.`)).toBe(true);
    expect(a.isCurrent(envelope)).toBe(true);
  });

  it('opens what a previous key sealed and seals only under the current one', () => {
    const underA = createSealer(keyA).seal('kubeconfig', 'cluster-kubeconfig:c1');
    const rotated = createSealer(keyB, { previousKeys: [keyA] });
    expect(rotated.open(underA, 'cluster-kubeconfig:c1')).toBe('kubeconfig');
    expect(rotated.isCurrent(underA)).toBe(false);
    const underB = rotated.seal('kubeconfig', 'cluster-kubeconfig:c1');
    expect(rotated.isCurrent(underB)).toBe(true);
    expect(createSealer(keyB).open(underB, 'cluster-kubeconfig:c1')).toBe('kubeconfig');
    expect(() => createSealer(keyA).open(underB, 'cluster-kubeconfig:c1')).toThrow(
      /neither FLOTILLA_MASTER_KEY nor in FLOTILLA_MASTER_KEY_PREVIOUS/,
    );
    // The context still binds it to its row under every key.
    expect(() => rotated.open(underA, 'cluster-kubeconfig:c2')).toThrow();
  });

  it('still opens v1 envelopes written before keys were named, under any configured key', () => {
    // Sealed by the v1 sealer (key 0x01…, this context) before this change.
    const legacy =
      'v1.TLI_72ETZws2A52r.XvEV7HcyWBcWOqzISCSLHg.YVEEv223gaUJqJnFB5kzSBs2A1v7QdvxR1paWvNJwY29MQ';
    const context = 'ssh-key:key_legacy';
    const plaintext = 'sealed before key rotation existed';
    expect(createSealer(keyA).open(legacy, context)).toBe(plaintext);
    const rotated = createSealer(keyB, { previousKeys: [keyA] });
    expect(rotated.open(legacy, context)).toBe(plaintext);
    expect(rotated.isCurrent(legacy)).toBe(false);
    // Even under the current key a v1 envelope is not current: rotation rewrites it as v2.
    expect(createSealer(keyA).isCurrent(legacy)).toBe(false);
    expect(() => createSealer(keyB).open(legacy, context)).toThrow(/none of the configured/);
  });

  it('refuses what is not an envelope', () => {
    expect(() => createSealer(keyA).open('plain text', 'c')).toThrow(/not a sealed value/);
    expect(() => createSealer(keyA).open('v2.0000000000000000', 'c')).toThrow(/master key/);
  });
});

describe('tokens', () => {
  it('are unique, prefixed and hashed deterministically', () => {
    const a = generateToken('flt');
    const b = generateToken('flt');
    expect(a).toMatch(/^flt_[0-9A-Za-z]{43}$/);
    expect(a).not.toBe(b);
    expect(hashToken(a)).toBe(hashToken(a));
    expect(hashToken(a)).not.toBe(hashToken(b));
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });

  it('use every character equally often', () => {
    // 4,000 tokens: 172,000 characters, ~2,774 of each of 62. Mapping the bytes a rejection
    // sampler must drop (248-255) onto characters 24-31 instead makes the first 32 ~3% likelier.
    const counts = new Map<string, number>();
    for (let i = 0; i < 4_000; i++) {
      for (const char of generateToken('t').slice(2)) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    const sorted = [...counts.values()].sort((a, b) => a - b);
    const firstHalf = [...'0123456789ABCDEFGHIJKLMNOPQRSTUV'].reduce(
      (sum, char) => sum + (counts.get(char) ?? 0),
      0,
    );
    const expected = (172_000 * 32) / 62;
    // That generator lands ~+3% here; a fair one stays within ~0.7% (3 sigma).
    expect(Math.abs(firstHalf - expected) / expected).toBeLessThan(0.015);
    expect(sorted[0]).toBeGreaterThan(2_500);
  });
});

describe('passwords', () => {
  it('verify the right password only', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).not.toContain('correct');
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('Correct horse battery staple', stored)).toBe(false);
    expect(await verifyPassword('anything', undefined)).toBe(false);
    // Four scrypt derivations of 32 MiB each: ~0.5 s alone, several seconds on a loaded CI box.
  }, 30_000);
});
