import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { countries } from '../../src/db/schema/index.js';
import { getOk, invalid, notFound, useTestApp } from '../helpers/catalogue-api.js';
import { makeTenant } from '../helpers/factories.js';

// The read-only country list (seeded by a migration): paginated like every list, searchable by
// name or code, the same for every company, and GET-only.

const ctx = useTestApp();

describe('countries', () => {
  it('lists every country by name, paginated with exact meta', async () => {
    const { readKey } = await makeTenant(ctx.t.database.db);
    const [count] = await ctx.t.database.db.select({ n: sql<number>`count(*)::int` }).from(countries);
    const total = count!.n;
    expect(total).toBeGreaterThan(200);

    const first = await getOk(ctx.t.api, readKey, '/v1/countries?pageSize=50');
    expect(first.meta).toEqual({ 'record-count': total, 'page-count': Math.ceil(total / 50) });
    expect(first.data).toHaveLength(50);
    expect(Object.keys(first.data[0]).sort()).toEqual(['code', 'id', 'label', 'uuid']);
    // By name (the exact place of "Åland Islands" depends on the database's collation).
    expect(first.data[0].label).toBe('Afghanistan');

    const last = await getOk(
      ctx.t.api,
      readKey,
      `/v1/countries?pageSize=50&page=${first.meta['page-count']}`,
    );
    expect(last.data).toHaveLength(total - 50 * (first.meta['page-count'] - 1));
    const past = await getOk(
      ctx.t.api,
      readKey,
      `/v1/countries?pageSize=50&page=${first.meta['page-count'] + 1}`,
    );
    expect(past.data).toEqual([]);
  });

  it('searches names and codes, case-insensitively, with % and _ taken literally', async () => {
    const { readKey } = await makeTenant(ctx.t.database.db);
    const swiss = await getOk(ctx.t.api, readKey, '/v1/countries?search=SWITZ');
    expect(swiss.data).toEqual([
      { id: expect.any(Number), uuid: expect.any(String), code: 'CH', label: 'Switzerland' },
    ]);
    expect(swiss.meta).toEqual({ 'record-count': 1, 'page-count': 1 });
    const byCode = await getOk(ctx.t.api, readKey, '/v1/countries?search=fr');
    expect(byCode.data.map((c: { code: string }) => c.code)).toContain('FR');
    expect((await getOk(ctx.t.api, readKey, '/v1/countries?search=%25')).data).toEqual([]);

    expect(await getOk(ctx.t.api, readKey, `/v1/countries/${swiss.data[0].id}`)).toEqual(swiss.data[0]);
  });

  it('answers 404 for an unknown id, 400 for bad parameters, 405 for writes', async () => {
    const { readKey, writeKey } = await makeTenant(ctx.t.database.db);
    expect((await ctx.t.api.get('/v1/countries/99999', { key: readKey })).body).toEqual(notFound('Country'));
    expect((await ctx.t.api.get('/v1/countries?page=0', { key: readKey })).body).toEqual(
      invalid('page', 'must be an integer of at least 1', 'query parameter'),
    );
    const unknown = await ctx.t.api.get('/v1/countries?code=DE', { key: readKey });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('Unknown query parameter: code');
    const write = await ctx.t.api.post('/v1/countries', { key: writeKey, body: { code: 'XX', label: 'X' } });
    expect(write.status).toBe(405);
    expect((await ctx.t.api.get('/v1/countries')).status).toBe(401);
  });
});
