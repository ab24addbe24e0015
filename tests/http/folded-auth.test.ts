import { describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/modules/api-keys/api-keys.crypto.js';
import { useTestApp } from '../helpers/app.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';
import { campaignBody, createLead, demo } from '../helpers/leads.js';

// Reads whose one statement verifies the API key (`foldsAuth`, issue 10 §2): the answers are
// those of a lookup made first — 401 before any 400 or 404, a revocation or a deactivation seen
// on the very next request — in one round trip.

// The relay is off: its 1 s poll would add its own statements to a request's count.
const ctx = useTestApp({}, { countStatements: true, relay: false });
const INVALID = { error: 'Invalid API key', code: 'unauthorized' };

describe('folded key lookup', () => {
  it('an unknown key is 401 before the query, the path id or the rule is looked at', async () => {
    const { me } = await demo(ctx.t.database.db);
    const lead = await createLead(ctx.t.api, me.keys.write, campaignBody(me));
    const key = generateApiKey();
    for (const path of [
      '/v1/leads?sort=nope',
      '/v1/leads?assigned=1&unassigned=1',
      '/v1/leads/abc',
      `/v1/leads/${lead.uuid}`,
      '/v1/leads/2147483647/notes?page=0',
      '/v1/partners?view=assigned&assigned=1&unassigned=1',
      '/v1/notifications?userId=1',
      '/v1/deals?sort=nope',
      '/v1/deals?assigned=1&unassigned=1',
      '/v1/deals/abc',
      '/v1/lead-deals/2147483647',
      '/v1/currencies?page=0',
      '/v1/currencies/USD',
    ]) {
      const res = await ctx.t.api.get(path, { key });
      expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 401, body: INVALID });
      expect(res.headers.get('www-authenticate'), path).toBe('Bearer');
    }
    // HEAD is the same route: the same answers.
    expect((await ctx.t.api.request('HEAD', '/v1/leads', { key })).status).toBe(401);
    expect((await ctx.t.api.request('HEAD', '/v1/leads', { key: me.keys.read })).status).toBe(200);
  });

  it('a valid key still gets the route’s own 400 and 404, with its rate-limit headers', async () => {
    const { readKey } = await makeTenant(ctx.t.database.db);
    const bad = await ctx.t.api.get('/v1/leads?assigned=1&unassigned=1', { key: readKey });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-ratelimit-remaining')).toBe('99');
    const missing = await ctx.t.api.get('/v1/leads/2147483647', { key: readKey });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-ratelimit-remaining')).toBe('98');
  });

  it('reads in one statement, and sees a deactivated user on the very next one', async () => {
    const db = ctx.t.database.db;
    const tenant = await makeTenant(db);
    const user = await makeUser(db, tenant.company.id, { role: 'partnerships' });
    const { key } = await makeApiKey(db, tenant.company.id, 'read', { userId: user.id });
    expect((await ctx.t.api.get('/v1/leads', { key })).status).toBe(200);

    const counter = ctx.t.statements!;
    counter.take();
    expect((await ctx.t.api.get('/v1/leads', { key })).status).toBe(200);
    expect(counter.take()).toHaveLength(1);

    await ctx.t.database.pool.query('UPDATE users SET disabled_at = now() WHERE id = $1', [user.id]);
    const res = await ctx.t.api.get('/v1/leads', { key });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(INVALID);
  });
});
