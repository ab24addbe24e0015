import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { currencies } from '../../src/db/schema/index.js';
import { getOk, invalid, notFound, useTestApp } from '../helpers/catalogue-api.js';
import { makeTenant } from '../helpers/factories.js';

// The read-only ISO 4217 list (seeded by migration 0014): paginated like every list, ordered by
// code, searchable by code or name, the same for every company, GET-only, one statement a read.

const ctx = useTestApp({}, { countStatements: true, relay: false });

describe('currencies', () => {
  it('lists every currency by code, paginated with exact meta', async () => {
    const { readKey } = await makeTenant(ctx.t.database.db);
    const [count] = await ctx.t.database.db.select({ n: sql<number>`count(*)::int` }).from(currencies);
    const total = count!.n;
    expect(total).toBeGreaterThan(100);

    const first = await getOk(ctx.t.api, readKey, '/v1/currencies?pageSize=50');
    expect(first.meta).toEqual({ 'record-count': total, 'page-count': Math.ceil(total / 50) });
    expect(first.data).toHaveLength(50);
    expect(Object.keys(first.data[0]).sort()).toEqual(['code', 'id', 'label', 'minor_digits', 'uuid']);
    const codes = first.data.map((c: { code: string }) => c.code);
    expect(codes).toEqual([...codes].sort());
    expect(codes[0]).toBe('AED');

    const pages = first.meta['page-count'];
    const last = await getOk(ctx.t.api, readKey, `/v1/currencies?pageSize=50&page=${pages}`);
    expect(last.data).toHaveLength(total - 50 * (pages - 1));
    expect(last.data[0].code > codes[49]).toBe(true);
    const past = await getOk(ctx.t.api, readKey, `/v1/currencies?pageSize=50&page=${pages + 1}`);
    expect(past).toEqual({ data: [], meta: first.meta });
    // The default page.
    expect((await getOk(ctx.t.api, readKey, '/v1/currencies')).data).toEqual(first.data.slice(0, 10));
  });

  it('searches codes and names, case-insensitively, with % and _ taken literally', async () => {
    const { readKey } = await makeTenant(ctx.t.database.db);
    const yen = await getOk(ctx.t.api, readKey, '/v1/currencies?search=jpy');
    expect(yen).toEqual({
      data: [
        {
          id: expect.any(Number),
          uuid: expect.any(String),
          code: 'JPY',
          label: 'Japanese Yen',
          minor_digits: 0,
        },
      ],
      meta: { 'record-count': 1, 'page-count': 1 },
    });
    const dinar = await getOk(ctx.t.api, readKey, '/v1/currencies?search=BAHRAIN');
    expect(dinar.data).toEqual([expect.objectContaining({ code: 'BHD', minor_digits: 3 })]);
    const dollars = await getOk(ctx.t.api, readKey, '/v1/currencies?search=dollar&pageSize=50');
    expect(dollars.data.map((c: { code: string }) => c.code)).toContain('USD');
    expect(dollars.meta['record-count']).toBe(dollars.data.length);
    expect(dollars.data.every((c: { label: string }) => /dollar/i.test(c.label))).toBe(true);
    expect((await getOk(ctx.t.api, readKey, '/v1/currencies?search=%25')).data).toEqual([]);
    expect((await getOk(ctx.t.api, readKey, '/v1/currencies?search=U_D')).data).toEqual([]);
  });

  it('gets one by id or uuid; anything else is 404', async () => {
    const { readKey } = await makeTenant(ctx.t.database.db);
    const [usd] = (await getOk(ctx.t.api, readKey, '/v1/currencies?search=usd')).data;
    expect(usd).toMatchObject({ code: 'USD', label: 'US Dollar', minor_digits: 2 });
    expect(await getOk(ctx.t.api, readKey, `/v1/currencies/${usd.id}`)).toEqual(usd);
    expect(await getOk(ctx.t.api, readKey, `/v1/currencies/${usd.uuid}`)).toEqual(usd);
    expect(await getOk(ctx.t.api, readKey, `/api/v1/currencies/${usd.id}`)).toEqual(usd);
    for (const id of ['USD', '99999', `0${usd.id}`, '00000000-0000-4000-8000-000000000000']) {
      const res = await ctx.t.api.get(`/v1/currencies/${id}`, { key: readKey });
      expect({ id, status: res.status, body: res.body }).toEqual({
        id,
        status: 404,
        body: notFound('Currency'),
      });
    }
  });

  it('reads in one statement, the key check included', async () => {
    const { readKey } = await makeTenant(ctx.t.database.db);
    const [usd] = (await getOk(ctx.t.api, readKey, '/v1/currencies?search=usd')).data;
    const counter = ctx.t.statements!;
    for (const path of ['/v1/currencies', '/v1/currencies?search=usd&page=2', `/v1/currencies/${usd.id}`]) {
      counter.take();
      expect((await ctx.t.api.get(path, { key: readKey })).status, path).toBe(200);
      expect(counter.take(), path).toHaveLength(1);
    }
  });

  it('answers 400 for bad parameters, 405 for writes, 401 without a key', async () => {
    const { readKey, writeKey } = await makeTenant(ctx.t.database.db);
    expect((await ctx.t.api.get('/v1/currencies?pageSize=0', { key: readKey })).body).toEqual(
      invalid('pageSize', 'must be an integer from 1 to 50', 'query parameter'),
    );
    const unknown = await ctx.t.api.get('/v1/currencies?code=USD', { key: readKey });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('Unknown query parameter: code');
    const write = await ctx.t.api.post('/v1/currencies', { key: writeKey, body: { code: 'XXX' } });
    expect(write.status).toBe(405);
    expect((await ctx.t.api.get('/v1/currencies')).status).toBe(401);
    expect((await ctx.t.api.get('/v1/currencies/1')).status).toBe(401);
  });
});
