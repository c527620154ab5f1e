import { createHash } from 'node:crypto';

/** MD5 fingerprint (`aa:bb:…`) of an OpenSSH public key, as DigitalOcean and Hetzner show it. */
export function fingerprintOf(publicKey: string): string | undefined {
  const body = publicKey.trim().split(/\s+/)[1];
  if (!body || !/^[A-Za-z0-9+/]+=*$/.test(body)) return undefined;
  return createHash('md5')
    .update(Buffer.from(body, 'base64'))
    .digest('hex')
    .match(/../g)!
    .join(':');
}
