import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { startTestApp, useTestApp } from '../helpers/app.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';

// /v1/api-keys (API.md §4): admins list, create (shown once) and revoke the company's keys.

const ctx = useTestApp();
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('api keys: create, list, revoke through the API', () => {
  it('creates a key shown once, that works at once, acting as its creator', async () => {
    const t = await makeTenant(ctx.t.database.db);
    const res = await ctx.t.api.post('/v1/api-keys', {
      key: t.writeKey,
      body: { name: 'CI deploys', permission: 'write' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      uuid: expect.any(String),
      name: 'CI deploys',
      prefix: res.body.key.slice(0, 13),
      permission: 'write',
      user: { id: t.admin.id, email: t.admin.email, first_name: 'Test', last_name: 'User' },
      created_at: expect.stringMatching(ISO),
      last_used_at: null,
      expires_at: null,
      revoked_at: null,
      key: expect.stringMatching(/^jb_api_[0-9A-Za-z]{40}$/),
    });
    const me = await ctx.t.api.get('/v1/me', { key: res.body.key });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(t.admin.id);
    expect(me.body.authentication).toEqual({
      type: 'api_key',
      api_key: {
        id: res.body.id,
        name: 'CI deploys',
        prefix: res.body.prefix,
        permission: 'write',
        expires_at: null,
      },
    });

    // Never again: the list and the get show the prefix only, and nothing stores the key.
    const list = await ctx.t.api.get('/v1/api-keys', { key: t.writeKey });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(res.body.key);
    const item = list.body.data.find((k: { id: number }) => k.id === res.body.id);
    expect(item).toEqual({ ...res.body, key: undefined, last_used_at: expect.stringMatching(ISO) });
    expect(Object.keys(item)).not.toContain('key');
    const one = await ctx.t.api.get(`/v1/api-keys/${res.body.id}`, { key: t.writeKey });
    expect(one.body).toEqual(item);
  });

  it('lists newest first, paginated with an exact count, only your company', async () => {
    const t = await makeTenant(ctx.t.database.db);
    const other = await makeTenant(ctx.t.database.db);
    const list = await ctx.t.api.get('/v1/api-keys?pageSize=1', { key: t.readKey });
    expect(list.status).toBe(200);
    expect(list.body.meta).toEqual({ 'record-count': 2, 'page-count': 2 });
    expect(list.body.data.map((k: { id: number }) => k.id)).toEqual([t.readKeyId]);
    const all = await ctx.t.api.get('/v1/api-keys', { key: t.readKey });
    expect(all.body.data.map((k: { id: number }) => k.id)).toEqual([t.readKeyId, t.writeKeyId]);
    expect((await ctx.t.api.get(`/v1/api-keys/${other.writeKeyId}`, { key: t.readKey })).status).toBe(404);
  });

  it('a read key made through the API cannot write; an expiry in the past is refused', async () => {
    const t = await makeTenant(ctx.t.database.db);
    const created = await ctx.t.api.post('/v1/api-keys', { key: t.writeKey, body: { permission: 'read' } });
    expect(created.status).toBe(201);
    expect(created.body.name).toBeNull();
    const write = await ctx.t.api.post('/v1/users', { key: created.body.key, body: { email: 'x@ex.test' } });
    expect(write.status).toBe(403);
    expect(write.body.error).toBe('Write access required for this operation');

    const past = await ctx.t.api.post('/v1/api-keys', {
      key: t.writeKey,
      body: { permission: 'read', expires_at: '2020-01-01T00:00:00Z' },
    });
    expect(past.status).toBe(400);
    expect(past.body.details).toEqual([{ path: 'expires_at', message: 'must be in the future' }]);
    const bad = await ctx.t.api.post('/v1/api-keys', {
      key: t.writeKey,
      body: { permission: 'admin', secret: 1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['permission', 'secret']);
  });

  it('an expiring key stops at its expiry', async () => {
    const t = await makeTenant(ctx.t.database.db);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const created = await ctx.t.api.post('/v1/api-keys', {
      key: t.writeKey,
      body: { permission: 'read', expires_at: later },
    });
    expect(created.status).toBe(201);
    expect(created.body.expires_at).toBe(later);
    expect((await ctx.t.api.get('/v1/me', { key: created.body.key })).status).toBe(200);
    // The hour passes (moved, not waited for).
    await ctx.t.database.db.execute(
      sql`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = ${created.body.id}`,
    );
    expect((await ctx.t.api.get('/v1/me', { key: created.body.key })).status).toBe(401);
  });

  it('revoke: 204, the key is refused on the next request, revoking again is fine, others are 404', async () => {
    const t = await makeTenant(ctx.t.database.db);
    const other = await makeTenant(ctx.t.database.db);
    const created = await ctx.t.api.post('/v1/api-keys', { key: t.writeKey, body: { permission: 'write' } });
    const key = created.body.key;
    expect((await ctx.t.api.get('/v1/users', { key })).status).toBe(200);
    const revoked = await ctx.t.api.delete(`/v1/api-keys/${created.body.id}`, { key: t.writeKey });
    expect(revoked.status).toBe(204);
    const after = await ctx.t.api.get('/v1/users', { key });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ error: 'Invalid API key', code: 'unauthorized' });
    expect((await ctx.t.api.delete(`/v1/api-keys/${created.body.id}`, { key: t.writeKey })).status).toBe(204);
    const listed = await ctx.t.api.get(`/v1/api-keys/${created.body.id}`, { key: t.writeKey });
    expect(listed.body.revoked_at).toMatch(ISO);

    // Another company's key: 404, and it keeps working.
    expect((await ctx.t.api.delete(`/v1/api-keys/${other.writeKeyId}`, { key: t.writeKey })).status).toBe(
      404,
    );
    expect((await ctx.t.api.get('/v1/users', { key: other.writeKey })).status).toBe(200);
  });

  it('a key made by a partnerships user acts as that user: no admin routes', async () => {
    const db = ctx.t.database.db;
    const t = await makeTenant(db);
    const member = await makeUser(db, t.company.id, { role: 'partnerships' });
    const { key } = await makeApiKey(db, t.company.id, 'write', { userId: member.id });
    const res = await ctx.t.api.post('/v1/api-keys', { key, body: { permission: 'write' } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'Admin role required for this operation', code: 'forbidden' });
    // Promoted, the same key gains the admin routes on the next request; demoted, it loses them.
    await ctx.t.api.patch(`/v1/users/${member.id}`, { key: t.writeKey, body: { role: 'admin' } });
    expect((await ctx.t.api.get('/v1/api-keys', { key })).status).toBe(200);
    await ctx.t.api.patch(`/v1/users/${member.id}`, { key: t.writeKey, body: { role: 'partnerships' } });
    expect((await ctx.t.api.get('/v1/api-keys', { key })).status).toBe(403);
  });

  it("an operator's key made without a user acts as the company's admin", async () => {
    const db = ctx.t.database.db;
    const t = await makeTenant(db);
    const { key } = await makeApiKey(db, t.company.id, 'write');
    const me = await ctx.t.api.get('/v1/me', { key });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: null, role: 'admin', company: { id: t.company.id } });
    const made = await ctx.t.api.post('/v1/api-keys', { key, body: { permission: 'read' } });
    expect(made.status).toBe(201);
    expect(made.body.user).toBeNull();
    expect((await ctx.t.api.get('/v1/webhooks', { key })).status).toBe(200);
    const profile = await ctx.t.api.patch('/v1/me', { key, body: { first_name: 'X' } });
    expect(profile.status).toBe(400);
    expect(profile.body.error).toMatch(/created without a user/);
  });
});

describe('api keys: across server processes', () => {
  it("a revocation or a deactivation made through one server is effective on the other's next request", async () => {
    const other = await startTestApp(ctx.dbUrl);
    try {
      const db = ctx.t.database.db;
      const t = await makeTenant(db);
      const user = await makeUser(db, t.company.id, { role: 'admin' });
      const { key: userKey } = await makeApiKey(db, t.company.id, 'read', { userId: user.id });
      const created = await ctx.t.api.post('/v1/api-keys', { key: t.writeKey, body: { permission: 'read' } });
      for (const key of [userKey, created.body.key]) {
        expect((await other.api.get('/v1/users', { key })).status).toBe(200);
      }
      expect((await ctx.t.api.delete(`/v1/api-keys/${created.body.id}`, { key: t.writeKey })).status).toBe(
        204,
      );
      expect((await ctx.t.api.delete(`/v1/users/${user.id}`, { key: t.writeKey })).status).toBe(204);
      for (const key of [userKey, created.body.key]) {
        expect((await other.api.get('/v1/users', { key })).status).toBe(401);
      }
    } finally {
      await other.close();
    }
  });
});
