// Passwords: scrypt (memory-hard, in Node's own crypto, no native addon to build), N=2^15,
// r=8, p=1 as OWASP recommends; about 60 ms on the libuv thread pool, off the event loop.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const N = 2 ** 15;
const r = 8;
const p = 1;
const keyLength = 32;
const maxmem = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }) {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, { ...cost, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N, r, p });
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

// A well-formed hash to compare against when the account does not exist, so that a wrong email
// takes as long as a wrong password.
const decoy = hashPassword('flotilla-decoy-password');

export async function verifyPassword(
  password: string,
  stored: string | undefined,
): Promise<boolean> {
  const parts = (stored ?? (await decoy)).split('$');
  const [scheme, cost, blocks, parallel, salt, expected] = parts;
  if (scheme !== 'scrypt' || !salt || !expected) return false;
  const key = await derive(password, Buffer.from(salt, 'base64'), {
    N: Number(cost),
    r: Number(blocks),
    p: Number(parallel),
  });
  const matches = timingSafeEqual(key, Buffer.from(expected, 'base64'));
  return stored !== undefined && matches;
}
