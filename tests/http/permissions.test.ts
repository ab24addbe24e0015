import { describe, expect, it } from 'vitest';
import { uniq, useTestApp } from '../helpers/app.js';
import { makeTenant, makeUser } from '../helpers/factories.js';
import { countUsers } from '../helpers/queries.js';

// Contract row "permissions": read keys may call GET/HEAD only; a write operation with a read
// key is 403 with the exact message, before anything else is looked at, and changes nothing.

const ctx = useTestApp();

const FORBIDDEN = { error: 'Write access required for this operation', code: 'forbidden' };

describe('permissions: read keys', () => {
  it.each(['/v1', '/api/v1'])('may read under %s: GET list, GET one, HEAD', async (prefix) => {
    const { readKey, admin } = await makeTenant(ctx.t.database.db);
    const list = await ctx.t.api.get(`${prefix}/users`, { key: readKey });
    expect(list.status).toBe(200);
    expect(list.body.data.map((u: { id: number }) => u.id)).toEqual([admin.id]);
    const one = await ctx.t.api.get(`${prefix}/users/${admin.id}`, { key: readKey });
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(admin.id);
    const head = await ctx.t.api.request('HEAD', `${prefix}/users/${admin.id}`, { key: readKey });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  // Each write operation, with a body that a write key would get accepted.
  const writes = [
    {
      name: 'POST /users',
      method: 'POST',
      path: () => '/users',
      body: () => ({ email: `r-${uniq()}@ex.test` }),
    },
    {
      name: 'PATCH /users/:id',
      method: 'PATCH',
      path: (id: number) => `/users/${id}`,
      body: () => ({ first_name: 'Changed' }),
    },
    {
      name: 'DELETE /users/:id',
      method: 'DELETE',
      path: (id: number) => `/users/${id}`,
      body: () => undefined,
    },
  ] as const;

  for (const prefix of ['/v1', '/api/v1']) {
    it.each(writes)(`$name under ${prefix} → 403 and nothing changes`, async ({ method, path, body }) => {
      const { readKey, writeKey, company } = await makeTenant(ctx.t.database.db);
      const target = await makeUser(ctx.t.database.db, company.id);
      const countBefore = await countUsers(ctx.t.database.db, company.id);

      const res = await ctx.t.api.request(method, prefix + path(target.id), { key: readKey, body: body() });
      expect(res.status).toBe(403);
      expect(res.body).toEqual(FORBIDDEN);

      expect(await countUsers(ctx.t.database.db, company.id)).toBe(countBefore);
      const after = await ctx.t.api.get(`/v1/users/${target.id}`, { key: writeKey });
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ first_name: 'Test', disabled_at: null });
      expect(after.body.updated_at).toBe(new Date(target.updated_at).toISOString());

      // The same call with the company's write key is allowed.
      const allowed = await ctx.t.api.request(method, prefix + path(target.id), {
        key: writeKey,
        body: body(),
      });
      expect(allowed.status).toBeLessThan(300);
    });
  }

  it('is refused before the body is parsed or validated (no hint about the payload)', async () => {
    const { readKey, admin } = await makeTenant(ctx.t.database.db);
    const cases = [
      { method: 'POST', path: '/v1/users', opts: { body: {} } },
      {
        method: 'POST',
        path: '/v1/users',
        opts: { rawBody: 'plain', headers: { 'content-type': 'text/plain' } },
      },
      {
        method: 'POST',
        path: '/v1/users',
        opts: { rawBody: '{"email":', headers: { 'content-type': 'application/json' } },
      },
      { method: 'PATCH', path: `/v1/users/${admin.id}`, opts: { body: { nope: true } } },
      // Someone else's id, or no id at all: still 403, nothing is revealed to a read key.
      { method: 'PATCH', path: '/v1/users/2147483647', opts: { body: { first_name: 'x' } } },
      { method: 'DELETE', path: '/v1/users/2147483647', opts: {} },
    ];
    for (const c of cases) {
      const res = await ctx.t.api.request(c.method, c.path, { key: readKey, ...c.opts });
      expect(res.status, `${c.method} ${c.path}`).toBe(403);
      expect(res.body).toEqual(FORBIDDEN);
    }
  });
});
