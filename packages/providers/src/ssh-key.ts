import { createHash } from 'node:crypto';

/**
 * The MD5 fingerprint (`aa:bb:…`) DigitalOcean and Hetzner use to identify an SSH public key,
 * so an already registered key is found without listing every key of the account.
 */
export function md5Fingerprint(publicKey: string): string {
  const body = publicKey.trim().split(/\s+/)[1];
  if (!body) throw new Error('not an OpenSSH public key (expected "<type> <base64> [comment]")');
  const digest = createHash('md5').update(Buffer.from(body, 'base64')).digest('hex');
  return digest.match(/../g)!.join(':');
}
