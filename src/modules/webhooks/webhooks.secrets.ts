import { randomBytes } from 'node:crypto';

// Signing secrets must be usable (they sign every delivery), so they are encrypted at rest with
// the shared SecretBox (src/lib/secret-box.ts), never hashed.
export { loadOrCreateKeyFile, SecretBox, SecretKeyError } from '../../lib/secret-box.js';

const PREFIX = 'whsec_';

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}
