import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import {
  generateSigningSecret,
  loadOrCreateKeyFile,
  SecretBox,
  SecretKeyError,
} from '../../src/modules/webhooks/webhooks.secrets.js';

// Signing secrets at rest: AES-256-GCM under JOURNEYBEE_SECRET_KEY, or under a key generated
// once into <JOURNEYBEE_DATA_DIR>/secret.key.

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jb-secret-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the key file', () => {
  it('is created once with mode 0600 and reused', async () => {
    const dir = path.join(await tempDir(), 'data');
    const key = await loadOrCreateKeyFile(dir);
    expect(key).toHaveLength(32);
    const file = path.join(dir, 'secret.key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64')).toEqual(key);
    expect(await loadOrCreateKeyFile(dir)).toEqual(key);
  });

  it('is the same for processes that start together', async () => {
    const dir = await tempDir();
    const keys = await Promise.all(Array.from({ length: 20 }, () => loadOrCreateKeyFile(dir)));
    for (const key of keys) expect(key).toEqual(keys[0]);
  });

  it('refuses a file that holds no 32-byte key', async () => {
    const dir = await tempDir();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'secret.key'), 'too short\n');
    await expect(loadOrCreateKeyFile(dir)).rejects.toThrow(SecretKeyError);
  });
});

describe('SecretBox', () => {
  it('encrypts with AES-256-GCM: the secret round-trips, the ciphertext differs every time', async () => {
    const box = new SecretBox({ secretKey: randomBytes(32), dataDir: '/nonexistent' });
    const secret = generateSigningSecret();
    const a = await box.encrypt(secret);
    const b = await box.encrypt(secret);
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret.slice(6));
    expect(await box.decrypt(a)).toBe(secret);
  });

  it('refuses another key and a tampered ciphertext, with a message that names the setting', async () => {
    const sealed = await new SecretBox({ secretKey: randomBytes(32), dataDir: '/nonexistent' }).encrypt(
      'whsec_x',
    );
    const other = new SecretBox({ secretKey: randomBytes(32), dataDir: '/nonexistent' });
    await expect(other.decrypt(sealed)).rejects.toThrow(/JOURNEYBEE_SECRET_KEY/);
    const mine = new SecretBox({ secretKey: randomBytes(32), dataDir: '/nonexistent' });
    const good = await mine.encrypt('whsec_y');
    const parts = good.split('.');
    parts[3] = Buffer.from('whsec_z').toString('base64');
    await expect(mine.decrypt(parts.join('.'))).rejects.toThrow(SecretKeyError);
  });

  it('without JOURNEYBEE_SECRET_KEY uses the data folder key, shared by every box on the host', async () => {
    const dataDir = await tempDir();
    const sealed = await new SecretBox({ secretKey: undefined, dataDir }).encrypt('whsec_shared');
    expect(await new SecretBox({ secretKey: undefined, dataDir }).decrypt(sealed)).toBe('whsec_shared');
  });

  it('makes Standard Webhooks secrets: whsec_ and 32 random bytes in base64', () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
  });
});

describe('webhook settings', () => {
  it('takes JOURNEYBEE_SECRET_KEY as hex or base64, and refuses anything else by name', () => {
    const key = randomBytes(32);
    expect(loadConfig({ JOURNEYBEE_SECRET_KEY: key.toString('hex') }).secretKey).toEqual(key);
    expect(loadConfig({ JOURNEYBEE_SECRET_KEY: key.toString('base64') }).secretKey).toEqual(key);
    expect(loadConfig({ JOURNEYBEE_SECRET_KEY: key.toString('base64url') }).secretKey).toEqual(key);
    expect(loadConfig({}).secretKey).toBeUndefined();
    for (const bad of ['secret', randomBytes(16).toString('hex'), randomBytes(31).toString('base64')]) {
      expect(() => loadConfig({ JOURNEYBEE_SECRET_KEY: bad })).toThrow(
        /JOURNEYBEE_SECRET_KEY: must be 32 bytes/,
      );
    }
  });

  it("defaults to Standard Webhooks' schedule and takes another as comma-separated seconds", () => {
    const config = loadConfig({});
    expect(config.webhookRetryScheduleMs).toEqual(
      [0, 5, 300, 1800, 7200, 18000, 36000, 36000].map((s) => s * 1000),
    );
    expect(config).toMatchObject({
      webhookTimeoutMs: 10_000,
      webhookDisableAfterFailures: 20,
      webhookAllowPrivateNetworks: false,
    });
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE: '0, 0.5, 2' }).webhookRetryScheduleMs).toEqual([
      0, 500, 2000,
    ]);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '5,10' })).toThrow(
      /WEBHOOK_RETRY_SCHEDULE: must start with 0/,
    );
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '0,soon' })).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_MS: '0' })).toThrow(/WEBHOOK_TIMEOUT_MS/);
  });
});
