import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Bearer secrets people carry (the session cookie, invitation and reset links): 32 random
// bytes, base64url. Only their SHA-256 is stored, so a copy of the database opens nothing.

const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export const newToken = (): string => randomBytes(TOKEN_BYTES).toString('base64url');

/** A string that could be one of our tokens (anything else is refused before any lookup). */
export const looksLikeToken = (value: string): boolean => TOKEN_SHAPE.test(value);

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function sameHash(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
