import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A bearer secret: a recognisable prefix (`flt_` API token, `fls_` session, `fli_` invitation)
 * and 43 base-62 characters (~256 bits), so the SHA-256 stored for it is enough (no salt or slow
 * hash needed for a secret nobody can guess).
 */
export function generateToken(prefix: string): string {
  let body = '';
  while (body.length < 43) {
    // 248 = 4 * 62: rejecting the bytes from 248 up keeps every character equally likely.
    for (const byte of randomBytes(48)) {
      if (byte < 248 && body.length < 43) body += alphabet[byte % 62];
    }
  }
  return `${prefix}_${body}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison of two strings. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
