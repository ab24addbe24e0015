import { eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { apiKeys } from '../../src/db/schema/index.js';
import { generateApiKey, hashApiKey } from '../../src/modules/api-keys/api-keys.crypto.js';
import { apiKeysRepository } from '../../src/modules/api-keys/api-keys.repository.js';
import { ApiKeyService } from '../../src/modules/api-keys/api-keys.service.js';
import { startTestApp, useTestApp } from '../helpers/app.js';
import { makeApiKey, makeCompany, makeTenant } from '../helpers/factories.js';

// Contract row "auth" and "key format": Bearer / Api-Key, 401 bodies, revocation, expiry,
// last_used_at, and what is (not) stored of a key.

const ctx = useTestApp();

const INVALID = { error: 'Invalid API key', code: 'unauthorized' };
const MISSING = { error: 'Missing API key', code: 'unauthorized' };
const keyService = () => new ApiKeyService(ctx.t.database.db, pino({ level: 'silent' }));

async function getUsers(authorization: string | undefined) {
  return ctx.t.api.get('/v1/users', authorization === undefined ? {} : { headers: { authorization } });
}

describe('auth: accepted schemes', () => {
  it.each([
    ['Bearer', (k: string) => `Bearer ${k}`],
    ['bearer (lower case)', (k: string) => `bearer ${k}`],
    ['BEARER (upper case)', (k: string) => `BEARER ${k}`],
    ['Api-Key', (k: string) => `Api-Key ${k}`],
    ['api-key (lower case)', (k: string) => `api-key ${k}`],
    ['API-KEY (upper case)', (k: string) => `API-KEY ${k}`],
    ['Bearer with several spaces', (k: string) => `Bearer   ${k}`],
    ['Bearer with a tab', (k: string) => `Bearer\t${k}`],
  ])('%s → 200', async (_name, header) => {
    const { readKey, admin } = await makeTenant(ctx.t.database.db);
    const res = await getUsers(header(readKey));
    expect(res.status).toBe(200);
    // Authenticated as the key's company: its admin is the only user listed.
    expect(res.body.data.map((u: { id: number }) => u.id)).toEqual([admin.id]);
  });
});

describe('auth: rejected credentials', () => {
  it('a request without Authorization is 401 "Missing API key" with WWW-Authenticate', async () => {
    const res = await getUsers(undefined);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(MISSING);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('an empty Authorization header counts as missing', async () => {
    const res = await getUsers('');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(MISSING);
  });

  it('a key passed in the query string is not accepted', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const res = await ctx.t.api.get(`/v1/users?api_key=${writeKey}`);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(MISSING);
  });

  it.each([
    ['scheme without a key', () => 'Bearer'],
    ['Basic credentials', () => `Basic ${Buffer.from('user:pass').toString('base64')}`],
    ['unknown scheme Token', (k: string) => `Token ${k}`],
    ['ApiKey without the hyphen', (k: string) => `ApiKey ${k}`],
    ['a bare key without a scheme', (k: string) => k],
    ['two keys', (k: string) => `Bearer ${k} ${k}`],
    ['a quoted key', (k: string) => `Bearer "${k}"`],
    ['a too-short key', () => 'Bearer jb_api_abc123'],
    ['a key without the jb_api_ prefix', (k: string) => `Bearer ${k.slice('jb_api_'.length)}`],
    ['the key in upper case', (k: string) => `Bearer ${k.toUpperCase()}`],
    ['the key with its last character dropped', (k: string) => `Bearer ${k.slice(0, -1)}`],
    ['the key with a character appended', (k: string) => `Bearer ${k}A`],
    ['a well-formed key that was never issued', () => `Bearer ${generateApiKey()}`],
    ['a key with non-base62 characters', () => `Bearer jb_api_${'a'.repeat(35)}-_`],
  ])('%s → 401 "Invalid API key"', async (_name, header) => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const res = await getUsers(header(writeKey));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(INVALID);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('a revoked key fails on the very next request, on every server process, while other keys work', async () => {
    const { writeKey, writeKeyId, readKey, company } = await makeTenant(ctx.t.database.db);
    const other = await startTestApp(ctx.dbUrl);
    try {
      expect((await ctx.t.api.get('/v1/users', { key: writeKey })).status).toBe(200);
      expect((await other.api.get('/v1/users', { key: writeKey })).status).toBe(200);
      const [before] = (await apiKeysRepository.listByCompany(ctx.t.database.db, company.id)).filter(
        (k) => k.id === writeKeyId,
      );

      const revoked = await keyService().revoke(writeKeyId);
      expect(revoked.revoked_at).toBeInstanceOf(Date);

      for (const api of [ctx.t.api, other.api]) {
        const res = await api.get('/v1/users', { key: writeKey });
        expect(res.status).toBe(401);
        expect(res.body).toEqual(INVALID);
        const write = await api.post('/v1/users', { key: writeKey, body: { email: 'x@example.test' } });
        expect(write.status).toBe(401);
        expect(write.body).toEqual(INVALID);
      }
      // A failed attempt is not a use of the key.
      const [after] = (await apiKeysRepository.listByCompany(ctx.t.database.db, company.id)).filter(
        (k) => k.id === writeKeyId,
      );
      expect(after?.last_used_at).toEqual(before?.last_used_at);
      expect((await ctx.t.api.get('/v1/users', { key: readKey })).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('a key past its expiry is 401 "Invalid API key"; before it, the key works', async () => {
    const company = await makeCompany(ctx.t.database.db);
    const { id, key } = await makeApiKey(ctx.t.database.db, company.id, 'read', {
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    expect((await ctx.t.api.get('/v1/users', { key })).status).toBe(200);

    // Let the hour pass: move the expiry into the past rather than wait.
    await ctx.t.database.db
      .update(apiKeys)
      .set({ expires_at: sql`now() - interval '1 second'` })
      .where(eq(apiKeys.id, id));

    const res = await ctx.t.api.get('/v1/users', { key });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(INVALID);
  });

  it('a key of a deleted company is 401', async () => {
    const company = await makeCompany(ctx.t.database.db);
    const { key } = await makeApiKey(ctx.t.database.db, company.id, 'write');
    expect((await ctx.t.api.get('/v1/users', { key })).status).toBe(200);
    await ctx.t.database.pool.query('DELETE FROM companies WHERE id = $1', [company.id]);
    const res = await ctx.t.api.get('/v1/users', { key });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(INVALID);
  });
});

describe('auth: key bookkeeping', () => {
  it('writes last_used_at when a key is used', async () => {
    const company = await makeCompany(ctx.t.database.db);
    const { id, key } = await makeApiKey(ctx.t.database.db, company.id, 'read');
    const row = async () =>
      (await apiKeysRepository.listByCompany(ctx.t.database.db, company.id)).find((k) => k.id === id);
    expect((await row())?.last_used_at).toBeNull();

    const before = Date.now();
    expect((await ctx.t.api.get('/v1/users', { key })).status).toBe(200);
    const after = Date.now();

    const used = (await row())?.last_used_at;
    expect(used).toBeInstanceOf(Date);
    // Database clock vs. ours: same machine, allow a little drift.
    expect(used!.getTime()).toBeGreaterThanOrEqual(before - 2_000);
    expect(used!.getTime()).toBeLessThanOrEqual(after + 2_000);
  });

  it('issues jb_api_ + ≥ 32 base62 characters, stores only its SHA-256 and a short display prefix', async () => {
    const company = await makeCompany(ctx.t.database.db);
    const created = await keyService().create({ companyId: company.id, permission: 'write', name: 'ci' });
    expect(created.key).toMatch(/^jb_api_[0-9A-Za-z]{32,}$/);

    const { rows } = await ctx.t.database.pool.query('SELECT * FROM api_keys WHERE id = $1', [
      created.row.id,
    ]);
    const stored = rows[0] as Record<string, unknown>;
    expect(stored.key_hash).toBe(hashApiKey(created.key));
    expect(stored.key_hash).toMatch(/^[0-9a-f]{64}$/);
    // No column holds the key, nor most of it.
    for (const value of Object.values(stored)) {
      expect(String(value)).not.toContain(created.key.slice(0, 20));
    }
    expect(created.key.startsWith(String(stored.prefix))).toBe(true);
    expect(String(stored.prefix).length).toBeLessThan(16);

    // Keys are random: a batch never repeats.
    const many = Array.from({ length: 50 }, () => generateApiKey());
    expect(new Set(many).size).toBe(50);
  });
});
