// Reading and making SSH key pairs (ssh2's own parser: OpenSSH, PEM RSA/ECDSA/Ed25519).
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { fieldError } from '../../errors.ts';

export interface KeyPair {
  privateKey: string;
  publicKey: string;
  fingerprint: string;
}

/** `SHA256:…` exactly as `ssh-keygen -l` prints it. */
export function fingerprintOf(publicSsh: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicSsh).digest('base64').replace(/=+$/, '')}`;
}

export function readPrivateKey(privateKey: string): KeyPair {
  const parsed = ssh2.utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) {
    const reason = key instanceof Error ? key.message : 'unreadable';
    // A passphrase would have to be stored next to the key; we ask for an unprotected key instead.
    const hint = /encrypt|passphrase/i.test(reason) ? ' (remove its passphrase first)' : '';
    throw fieldError('privateKey', `not a usable private key: ${reason}${hint}`);
  }
  if (!key.isPrivateKey())
    throw fieldError('privateKey', 'this is a public key, not a private key');
  const publicSsh = key.getPublicSSH();
  return {
    privateKey,
    publicKey: `${key.type} ${publicSsh.toString('base64')}`,
    fingerprint: fingerprintOf(publicSsh),
  };
}

/**
 * A new Ed25519 key pair. ssh2's generator writes a malformed key when the public key's first
 * byte is 0 (it strips leading zero bytes: mscdex/ssh2#1390, #1513), about 1 key in 256; such a
 * key fails to parse, so it is thrown away and another made.
 */
export function generateKeyPair(comment: string): KeyPair {
  for (let attempt = 1; ; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    const key = ssh2.utils.parseKey(pair.private);
    if (!(key instanceof Error) || attempt >= 16) return readPrivateKey(pair.private);
  }
}
