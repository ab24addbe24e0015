import { createHash, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const KEY_PREFIX = 'jb_api_';
const RANDOM_LENGTH = 40; // 40 base62 chars ≈ 238 bits
const KEY_SHAPE = /^jb_api_[0-9A-Za-z]{32,128}$/;

/** Uniform base62 string (rejection sampling: no modulo bias). */
function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function generateApiKey(): string {
  return KEY_PREFIX + randomBase62(RANDOM_LENGTH);
}

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

export const looksLikeApiKey = (key: string) => KEY_SHAPE.test(key);

/** Display prefix: enough to tell keys apart in a list, far too little to use one. */
export const displayPrefix = (key: string) => key.slice(0, KEY_PREFIX.length + 6);
