import { describe, expect, it } from 'vitest';
import { uniq, useTestApp } from '../helpers/app.js';
import { makeTenant, makeUser } from '../helpers/factories.js';

const ctx = useTestApp();

describe('users: happy paths', () => {
  it('creates, reads, lists, updates and deactivates a user', async () => {
    const { writeKey, admin } = await makeTenant(ctx.t.database.db);
    const email = `New.Person-${uniq()}@Example.test`;
    const created = await ctx.t.api.post('/v1/users', {
      key: writeKey,
      body: { email, first_name: 'New', last_name: 'Person', role: 'admin', color: '#123abc' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email, first_name: 'New', role: 'admin', disabled_at: null });
    expect(created.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const got = await ctx.t.api.get(`/v1/users/${created.body.id}`, { key: writeKey });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);

    const list = await ctx.t.api.get('/v1/users?pageSize=50', { key: writeKey });
    expect(list.status).toBe(200);
    expect(list.body.meta).toEqual({ 'record-count': 2, 'page-count': 1 });
    expect(list.body.data.map((u: { id: number }) => u.id)).toEqual([admin.id, created.body.id]);

    const patched = await ctx.t.api.patch(`/v1/users/${created.body.id}`, {
      key: writeKey,
      body: { position: 'CTO', last_name: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ position: 'CTO', last_name: null, first_name: 'New' });

    const del = await ctx.t.api.delete(`/v1/users/${created.body.id}`, { key: writeKey });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    const after = await ctx.t.api.get('/v1/users', { key: writeKey });
    expect(after.body.meta['record-count']).toBe(1);
    const withDisabled = await ctx.t.api.get('/v1/users?indirect=1', { key: writeKey });
    expect(withDisabled.body.meta['record-count']).toBe(2);
    const again = await ctx.t.api.delete(`/v1/users/${created.body.id}`, { key: writeKey });
    expect(again.status).toBe(404);
  });

  it('rejects a duplicate email in the same company, case-insensitively, but not across companies', async () => {
    const a = await makeTenant(ctx.t.database.db);
    const b = await makeTenant(ctx.t.database.db);
    const email = `dup-${uniq()}@example.test`;
    expect((await ctx.t.api.post('/v1/users', { key: a.writeKey, body: { email } })).status).toBe(201);
    const dup = await ctx.t.api.post('/v1/users', { key: a.writeKey, body: { email: email.toUpperCase() } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toContain('already exists');
    expect((await ctx.t.api.post('/v1/users', { key: b.writeKey, body: { email } })).status).toBe(201);
  });

  it("never shows or changes another company's users (404 for every verb)", async () => {
    const a = await makeTenant(ctx.t.database.db);
    const b = await makeTenant(ctx.t.database.db);
    const theirs = await makeUser(ctx.t.database.db, b.company.id);
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { first_name: 'Hacked' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await ctx.t.api.request(method, `/v1/users/${theirs.id}`, { key: a.writeKey, body });
      expect(res.status, method).toBe(404);
      expect(res.body).toEqual({ error: 'User not found', code: 'not_found' });
    }
    const list = await ctx.t.api.get('/v1/users?pageSize=50', { key: a.writeKey });
    expect(list.body.data.some((u: { id: number }) => u.id === theirs.id)).toBe(false);
    const still = await ctx.t.api.get(`/v1/users/${theirs.id}`, { key: b.readKey });
    expect(still.body.first_name).toBe('Test');
    expect(still.body.disabled_at).toBeNull();
  });
});
