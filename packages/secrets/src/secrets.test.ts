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
    const [v, iv, tag, body] = envelope.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => sealer.open([v, iv, tag, flipped.toString('base64url')].join('.'), 'c')).toThrow();
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
