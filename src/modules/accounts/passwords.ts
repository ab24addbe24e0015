import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

// argon2id with @node-rs/argon2's defaults (19 MiB, 2 passes, 1 lane: OWASP's recommended
// minimum). The parameters live in each PHC string, so raising them later keeps old hashes valid.

// Algorithm.Argon2id: the enum is a `const enum`, which isolated modules cannot read.
const ARGON2ID = 2 as Algorithm;

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

// zxcvbn-ts's list of ~49,000 most common passwords (from leaked-password corpora), compared
// case-insensitively. Built once, on first use.
let common: Set<string> | undefined;
const commonPasswords = () => {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common;
};

/** What is wrong with a new password, or null. */
export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  if (commonPasswords().has(password.toLowerCase())) {
    return 'is too common (it is on a list of passwords attackers try first): choose another';
  }
  return null;
}

export const hashPassword = (password: string): Promise<string> => hash(password, { algorithm: ARGON2ID });

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false; // a malformed stored hash matches nothing
  }
}

// Verified against when no account matches, so an unknown email costs the same time as a
// wrong password (no account enumeration by timing).
let dummy: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword('journeybee-timing-equaliser');
  await verifyPassword(await dummy, password);
}
