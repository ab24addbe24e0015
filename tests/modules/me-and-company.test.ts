import { describe, expect, it } from 'vitest';
import { uniq, useTestApp } from '../helpers/app.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';

// GET /v1/me, PATCH /v1/me (own profile), GET/PATCH /v1/company (API.md §4).

const ctx = useTestApp();

async function member() {
  const db = ctx.t.database.db;
  const t = await makeTenant(db);
  const user = await makeUser(db, t.company.id, { role: 'partnerships' });
  const { key } = await makeApiKey(db, t.company.id, 'write', { userId: user.id });
  return { ...t, user, key };
}

describe('/v1/me', () => {
  it('tells the caller its company, user, role and key', async () => {
    const t = await makeTenant(ctx.t.database.db);
    const res = await ctx.t.api.get('/v1/me', { key: t.readKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      company: { id: t.company.id, name: t.company.name, domain: t.company.domain, default_currency: 'USD' },
      user: { id: t.admin.id, email: t.admin.email, role: 'admin' },
      role: 'admin',
      authentication: { type: 'api_key', api_key: { id: t.readKeyId, permission: 'read' } },
    });
  });

  it('a partnerships user edits its own profile, not its role or email', async () => {
    const m = await member();
    const res = await ctx.t.api.patch('/v1/me', {
      key: m.key,
      body: { first_name: 'Pat', phone_number: '+1 555 0100', color: '#123456' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      id: m.user.id,
      first_name: 'Pat',
      phone_number: '+1 555 0100',
      role: 'partnerships',
    });
    for (const body of [{ role: 'admin' }, { email: 'new@ex.test' }, { disabled_at: null }]) {
      const refused = await ctx.t.api.patch('/v1/me', { key: m.key, body });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatch(/Unknown field/);
    }
    const again = await ctx.t.api.get('/v1/me', { key: m.key });
    expect(again.body.user).toMatchObject({ role: 'partnerships', email: m.user.email });
  });
});

describe('/v1/company', () => {
  it('anyone reads it; an admin updates name, website, domain and default currency', async () => {
    const t = await makeTenant(ctx.t.database.db);
    const domain = `n${uniq()}.test`;
    const res = await ctx.t.api.patch('/v1/company', {
      key: t.writeKey,
      body: {
        name: 'Acme 2',
        website_url: 'https://acme.example',
        domain: domain.toUpperCase(),
        default_currency: 'EUR',
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      id: t.company.id,
      name: 'Acme 2',
      website_url: 'https://acme.example',
      domain,
      default_currency: 'EUR',
    });
    const read = await ctx.t.api.get('/v1/company', { key: t.readKey });
    expect(read.body).toEqual(res.body);
  });

  it('refuses bad values naming the field, a taken domain (409), and a partnerships user (403)', async () => {
    const t = await makeTenant(ctx.t.database.db);
    const other = await makeTenant(ctx.t.database.db);
    for (const [body, path] of [
      [{ default_currency: 'usd' }, 'default_currency'],
      [{ default_currency: 'XYZ1' }, 'default_currency'],
      [{ name: '  ' }, 'name'],
      [{ website_url: 'ftp://x.example' }, 'website_url'],
      [{ domain: 'not a domain' }, 'domain'],
    ] as const) {
      const res = await ctx.t.api.patch('/v1/company', { key: t.writeKey, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.details[0].path).toBe(path);
    }
    const taken = await ctx.t.api.patch('/v1/company', {
      key: t.writeKey,
      body: { domain: other.company.domain },
    });
    expect(taken.status).toBe(409);
    const m = await member();
    const refused = await ctx.t.api.patch('/v1/company', { key: m.key, body: { name: 'Mine' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('Admin role required for this operation');
    expect((await ctx.t.api.get('/v1/company', { key: m.key })).body.name).toBe(m.company.name);
  });
});

describe('the last active admin', () => {
  it('cannot be deactivated or demoted (409); with a second admin, it can', async () => {
    const db = ctx.t.database.db;
    const t = await makeTenant(db);
    const demote = await ctx.t.api.patch(`/v1/users/${t.admin.id}`, {
      key: t.writeKey,
      body: { role: 'partnerships' },
    });
    expect(demote.status).toBe(409);
    expect(demote.body).toEqual({
      error: 'The last active admin of a company can be neither deactivated nor demoted',
      code: 'conflict',
    });
    const off = await ctx.t.api.delete(`/v1/users/${t.admin.id}`, { key: t.writeKey });
    expect(off.status).toBe(409);
    const offByPatch = await ctx.t.api.patch(`/v1/users/${t.admin.id}`, {
      key: t.writeKey,
      body: { disabled_at: new Date().toISOString() },
    });
    expect(offByPatch.status).toBe(409);
    expect((await ctx.t.api.get(`/v1/users/${t.admin.id}`, { key: t.readKey })).body).toMatchObject({
      role: 'admin',
      disabled_at: null,
    });

    const second = await makeUser(db, t.company.id, { role: 'admin' });
    const ok = await ctx.t.api.patch(`/v1/users/${t.admin.id}`, {
      key: t.writeKey,
      body: { role: 'partnerships' },
    });
    expect(ok.status).toBe(200);
    // Now the second is the last one.
    const { key } = await makeApiKey(db, t.company.id, 'write', { userId: second.id });
    expect((await ctx.t.api.delete(`/v1/users/${second.id}`, { key })).status).toBe(409);
  });

  it('two admins demoting each other at once: exactly one succeeds', async () => {
    const db = ctx.t.database.db;
    for (let round = 0; round < 5; round++) {
      const t = await makeTenant(db);
      const second = await makeUser(db, t.company.id, { role: 'admin' });
      const { key } = await makeApiKey(db, t.company.id, 'write', { userId: second.id });
      const [a, b] = await Promise.all([
        ctx.t.api.delete(`/v1/users/${second.id}`, { key: t.writeKey }),
        ctx.t.api.patch(`/v1/users/${t.admin.id}`, { key, body: { role: 'partnerships' } }),
      ]);
      // One wins. The other is refused: 409 when it reached the check, or, when it was
      // authenticated after the winner committed, 401 (its user is now deactivated) or 403 (its
      // user is no longer an admin).
      const won = [a.status, b.status].filter((s) => s === 200 || s === 204);
      expect(won, JSON.stringify([a.body, b.body])).toHaveLength(1);
      const refused = a.status === won[0] ? b.status : a.status;
      expect(
        refused === 409 || (a.status === 204 && refused === 401) || (b.status === 200 && refused === 403),
      ).toBe(true);
      const admins = await ctx.t.api.get('/v1/users?role=admin', { key: t.readKey });
      expect(admins.body.meta['record-count']).toBe(1);
    }
  });
});
