import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

// Values that must stay usable but not readable at rest (webhook signing secrets, stored
// idempotent responses that contain them) are encrypted: AES-256-GCM under
// JOURNEYBEE_SECRET_KEY, or, when that is unset, under a key generated once into
// <JOURNEYBEE_DATA_DIR>/secret.key. Every process serving a database must hold the same key: on
// one host they share the file; on several hosts, set JOURNEYBEE_SECRET_KEY to the same value.

const FORMAT = 'v1';

export class SecretKeyError extends Error {}

/** Reads `<dataDir>/secret.key`, creating it (mode 0600) if no process has yet. */
export async function loadOrCreateKeyFile(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, 'secret.key');
  const existing = await readKeyFile(file);
  if (existing) return existing;
  await mkdir(dataDir, { recursive: true });
  // Written whole to a temporary name, then linked into place: link() fails if the file exists,
  // so of two processes starting together exactly one key wins and nobody reads half a file.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temp, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(temp, 0o600); // the umask may have narrowed nothing, but never widen
    await link(temp, file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } finally {
    await unlink(temp).catch(() => {});
  }
  const created = await readKeyFile(file);
  if (!created) throw new SecretKeyError(`${file} could not be created`);
  return created;
}

async function readKeyFile(file: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const key = parseSecretKey(text);
  if (!key) throw new SecretKeyError(`${file} does not hold a 32-byte key (base64 or hex)`);
  return key;
}

export interface SecretKeySource {
  secretKey: Buffer | undefined;
  dataDir: string;
}

/**
 * Encrypts and decrypts values for one purpose; the key is read (or made) on first use. The
 * purpose is bound into each ciphertext (GCM's additional data): a value sealed for one purpose
 * does not open as another.
 */
export class SecretBox {
  private key: Promise<Buffer> | undefined;
  private readonly aad: Buffer;

  constructor(
    private readonly source: SecretKeySource,
    purpose = 'webhook-signing-secret',
  ) {
    this.aad = Buffer.from(`journeybee:${purpose}`);
  }

  /** The same key, another purpose. */
  forPurpose(purpose: string): SecretBox {
    return new SecretBox(this.source, purpose);
  }

  private getKey(): Promise<Buffer> {
    this.key ??= this.source.secretKey
      ? Promise.resolve(this.source.secretKey)
      : loadOrCreateKeyFile(this.source.dataDir);
    // A failure (unreadable folder) is not cached: the next call tries again.
    this.key.catch(() => {
      this.key = undefined;
    });
    return this.key;
  }

  async encrypt(plain: string): Promise<string> {
    const key = await this.getKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(this.aad);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      FORMAT,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      body.toString('base64'),
    ].join('.');
  }

  async decrypt(sealed: string): Promise<string> {
    const key = await this.getKey();
    const [format, iv, tag, body] = sealed.split('.');
    if (format !== FORMAT || !iv || !tag || body === undefined) {
      throw new SecretKeyError('unrecognised encrypted secret');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAAD(this.aad);
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(
        'an encrypted value cannot be decrypted: this process has another JOURNEYBEE_SECRET_KEY (or secret.key) than the one that encrypted it',
      );
    }
  }
}

/** A 32-byte key given as 64 hex digits or as base64 (standard or URL-safe). */
export function parseSecretKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return undefined;
  const bytes = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
  return bytes.length === 32 ? bytes : undefined;
}
