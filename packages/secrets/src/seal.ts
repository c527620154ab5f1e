// Secrets at rest (SSH private keys, provider credentials, kubeconfigs, join tokens) are sealed
// with AES-256-GCM under a key derived from FLOTILLA_MASTER_KEY. The additional data binds an
// envelope to the record it belongs to, so a sealed value copied into another row fails to open.
//
// Envelope `v2.<keyId>.<iv>.<tag>.<body>` names the master key that sealed it (keyId reveals
// nothing about the key), so a sealer holding the current and previous keys opens each envelope
// with the right one, and `pnpm secrets:rotate` skips rows already under the current key.
// `v1.<iv>.<tag>.<body>` (before key rotation existed) is still read, trying each key.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { FlotillaError } from '@flotilla/errors';

export interface Sealer {
  /** Seals under the current key. */
  seal(plaintext: string, context: string): string;
  /** Opens an envelope sealed under the current or any previous key. */
  open(envelope: string, context: string): string;
  /** Whether the envelope is already sealed under the current key (rotation leaves it alone). */
  isCurrent(envelope: string): boolean;
  /** The current key's id, as envelopes name it. */
  readonly keyId: string;
}

export interface SealerOptions {
  /** Keys that sealed secrets before the current one: opened, never sealed with. */
  previousKeys?: readonly Buffer[];
}

/** A sealed value that no key of this sealer opens, or that is not an envelope at all. */
export class SealedValueError extends FlotillaError {
  override name = 'SealedValueError';
}

interface DerivedKey {
  id: string;
  key: Buffer;
}

function derive(masterKey: Buffer): DerivedKey {
  if (masterKey.length !== 32) throw new Error('master key must be 32 bytes');
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'flotilla/seal/v1', 32));
  // A separate derivation, so the id says which key without saying anything about it.
  const id = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'flotilla/key-id', 8));
  return { key, id: id.toString('hex') };
}

function decrypt(key: Buffer, parts: string[], context: string): string {
  const [iv, tag, body] = parts;
  if (!iv || !tag || body === undefined)
    throw new SealedValueError('internal', 'not a sealed value');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([
    decipher.update(Buffer.from(body, 'base64url')),
    decipher.final(),
  ]).toString('utf8');
}

export function createSealer(masterKey: Buffer, options: SealerOptions = {}): Sealer {
  const current = derive(masterKey);
  const keys = new Map<string, DerivedKey>([[current.id, current]]);
  for (const previous of options.previousKeys ?? []) {
    const derived = derive(previous);
    if (!keys.has(derived.id)) keys.set(derived.id, derived);
  }
  const prefix = `v2.${current.id}.`;

  return {
    keyId: current.id,
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url'));
      return ['v2', current.id, ...parts].join('.');
    },
    open(envelope, context) {
      const [version, ...rest] = envelope.split('.');
      if (version === 'v2') {
        const [id, ...parts] = rest;
        const key = id === undefined ? undefined : keys.get(id);
        if (!key) {
          throw new SealedValueError(
            'internal',
            `sealed under master key ${id}, which is neither FLOTILLA_MASTER_KEY nor in FLOTILLA_MASTER_KEY_PREVIOUS`,
          );
        }
        return decrypt(key.key, parts, context);
      }
      if (version === 'v1') {
        // v1 does not say which key sealed it: the authentication tag tells.
        for (const { key } of keys.values()) {
          try {
            return decrypt(key, rest, context);
          } catch {}
        }
        throw new SealedValueError(
          'internal',
          'a v1 envelope that none of the configured master keys opens',
        );
      }
      throw new SealedValueError('internal', 'not a sealed value');
    },
    isCurrent(envelope) {
      return envelope.startsWith(prefix);
    },
  };
}
