import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { makeTenant, makeUser } from '../helpers/factories.js';

// Contract row "tenancy": everything is scoped to the key's company; another company's object
// is 404 — indistinguishable from one that does not exist — never 403, never leaked.
// (tests/modules/users.test.ts covers the /v1 write key on an active user; this adds both
// prefixes, read keys, deactivated users, and the "same answer as missing" property.)

const ctx = useTestApp();

const NOT_FOUND = { error: 'User not found', code: 'not_found' };

describe("tenancy: another company's user", () => {
  const verbs = [
    { method: 'GET', body: undefined },
    { method: 'PATCH', body: { first_name: 'Hacked', email: 'hacked@example.test' } },
    { method: 'PATCH', body: {} },
    { method: 'DELETE', body: undefined },
  ] as const;

  for (const prefix of ['/v1', '/api/v1']) {
    it.each(verbs)(`$method ${prefix}/users/:id (body $body) → 404, exactly like a missing id`, async ({
      method,
      body,
    }) => {
      const mine = await makeTenant(ctx.t.database.db);
      const theirs = await makeTenant(ctx.t.database.db);
      const victim = await makeUser(ctx.t.database.db, theirs.company.id, { position: 'Original' });

      const foreign = await ctx.t.api.request(method, `${prefix}/users/${victim.id}`, {
        key: mine.writeKey,
        body,
      });
      const missing = await ctx.t.api.request(method, `${prefix}/users/2147483647`, {
        key: mine.writeKey,
        body,
      });
      expect(foreign.status).toBe(404);
      expect(foreign.body).toEqual(NOT_FOUND);
      expect(foreign.text).toBe(missing.text);
      expect(missing.status).toBe(404);

      // The other company still sees its user untouched.
      const still = await ctx.t.api.get(`/v1/users/${victim.id}`, { key: theirs.readKey });
      expect(still.status).toBe(200);
      expect(still.body).toMatchObject({ first_name: 'Test', position: 'Original', disabled_at: null });
      expect(still.body.email).toBe(victim.email);
    });
  }

  it("a read key gets the same 404 for another company's user", async () => {
    const mine = await makeTenant(ctx.t.database.db);
    const theirs = await makeTenant(ctx.t.database.db);
    const res = await ctx.t.api.get(`/v1/users/${theirs.admin.id}`, { key: mine.readKey });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(NOT_FOUND);
  });

  it("another company's deactivated user is also 404 (including with ?indirect)", async () => {
    const mine = await makeTenant(ctx.t.database.db);
    const theirs = await makeTenant(ctx.t.database.db);
    const victim = await makeUser(ctx.t.database.db, theirs.company.id);
    expect((await ctx.t.api.delete(`/v1/users/${victim.id}`, { key: theirs.writeKey })).status).toBe(204);

    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await ctx.t.api.request(method, `/v1/users/${victim.id}`, {
        key: mine.writeKey,
        body: method === 'PATCH' ? { disabled_at: null } : undefined,
      });
      expect(res.status, method).toBe(404);
      expect(res.body).toEqual(NOT_FOUND);
    }
    const list = await ctx.t.api.get('/v1/users?indirect=1&pageSize=50', { key: mine.writeKey });
    expect(list.body.meta['record-count']).toBe(1);
    expect(list.body.data.map((u: { id: number }) => u.id)).toEqual([mine.admin.id]);
    // Still deactivated: the foreign PATCH did not reactivate it.
    const still = await ctx.t.api.get(`/v1/users/${victim.id}`, { key: theirs.readKey });
    expect(still.body.disabled_at).not.toBeNull();
  });

  it('a list counts and shows only the own company, also when searching for the other one', async () => {
    const mine = await makeTenant(ctx.t.database.db);
    const theirs = await makeTenant(ctx.t.database.db);
    await makeUser(ctx.t.database.db, theirs.company.id, {
      email: `only-theirs-${theirs.company.id}@ex.test`,
    });
    const res = await ctx.t.api.get(`/v1/users?search=only-theirs-${theirs.company.id}`, {
      key: mine.readKey,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [], meta: { 'record-count': 0, 'page-count': 0 } });
  });

  it('a body cannot move a user to another company', async () => {
    const mine = await makeTenant(ctx.t.database.db);
    const theirs = await makeTenant(ctx.t.database.db);
    const created = await ctx.t.api.post('/v1/users', {
      key: mine.writeKey,
      body: { email: `move-${mine.company.id}@ex.test`, company_id: theirs.company.id },
    });
    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({ code: 'bad_request', error: 'Unknown field: company_id' });
    const patched = await ctx.t.api.patch(`/v1/users/${mine.admin.id}`, {
      key: mine.writeKey,
      body: { company_id: theirs.company.id },
    });
    expect(patched.status).toBe(400);
    expect((await ctx.t.api.get('/v1/users', { key: theirs.readKey })).body.meta['record-count']).toBe(1);
  });
});
