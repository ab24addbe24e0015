import { describe, expect, it } from 'vitest';
import { uniq, useTestApp } from '../helpers/app.js';
import { makeApiKey, makeCompany, makeUser } from '../helpers/factories.js';

// Contract row "pagination": page ≥ 1 (default 1), pageSize 1..50 (default 10), 400 naming the
// parameter otherwise, `record-count` exact and `page-count` = ceil(record-count / pageSize),
// a page past the end is 200 with empty data. Proven on /v1/users, the first list endpoint.

const ctx = useTestApp();

/** A company with exactly `n` users (ids ascending) and a read key that belongs to no user. */
async function companyWithUsers(n: number, emailPrefix = 'pg') {
  const company = await makeCompany(ctx.t.database.db);
  const ids: number[] = [];
  // One at a time, so ids ascend in creation order.
  for (let i = 0; i < n; i++) {
    ids.push(
      (await makeUser(ctx.t.database.db, company.id, { email: `${emailPrefix}-${i}-${uniq()}@ex.test` })).id,
    );
  }
  const { key } = await makeApiKey(ctx.t.database.db, company.id, 'read');
  return { company, ids, key };
}

const idsOf = (body: { data: { id: number }[] }) => body.data.map((u) => u.id);

describe('pagination: pages and meta', () => {
  it('defaults to page 1 of 10, with the exact record count and ceil page count', async () => {
    const { ids, key } = await companyWithUsers(23);
    const res = await ctx.t.api.get('/v1/users', { key });
    expect(res.status).toBe(200);
    expect(idsOf(res.body)).toEqual(ids.slice(0, 10));
    expect(res.body.meta).toEqual({ 'record-count': 23, 'page-count': 3 });
    expect(Object.keys(res.body).sort()).toEqual(['data', 'meta']);

    const explicit = await ctx.t.api.get('/v1/users?page=1&pageSize=10', { key });
    expect(explicit.text).toBe(res.text);
  });

  it.each([
    [1, 23],
    [7, 4],
    [10, 3],
    [22, 2],
    [23, 1],
    [24, 1],
    [50, 1],
  ])('pageSize=%i over 23 records → page-count %i; the pages partition the records in order', async (pageSize, pageCount) => {
    const { ids, key } = await companyWithUsers(23);
    const seen: number[] = [];
    for (let page = 1; page <= pageCount; page++) {
      const res = await ctx.t.api.get(`/v1/users?page=${page}&pageSize=${pageSize}`, { key });
      expect(res.status).toBe(200);
      expect(res.body.meta).toEqual({ 'record-count': 23, 'page-count': pageCount });
      const expectedLength = page < pageCount ? pageSize : 23 - pageSize * (pageCount - 1);
      expect(res.body.data).toHaveLength(expectedLength);
      seen.push(...idsOf(res.body));
    }
    expect(seen).toEqual(ids);
  });

  it('a page past the end is 200 with empty data and the same meta', async () => {
    const { key } = await companyWithUsers(3);
    for (const query of [
      'page=2',
      'page=4&pageSize=1',
      'page=1000000',
      'page=9007199254740991&pageSize=50',
    ]) {
      const res = await ctx.t.api.get(`/v1/users?${query}`, { key });
      expect(res.status, query).toBe(200);
      expect(res.body.data, query).toEqual([]);
      expect(res.body.meta['record-count'], query).toBe(3);
    }
  });

  it('an empty list has record-count 0 and page-count 0', async () => {
    const { key } = await companyWithUsers(0);
    const res = await ctx.t.api.get('/v1/users', { key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [], meta: { 'record-count': 0, 'page-count': 0 } });
  });

  it('record-count counts the filtered records, not the page and not the company', async () => {
    const { company, key } = await companyWithUsers(12, 'other');
    const wanted: number[] = [];
    for (let i = 0; i < 11; i++) {
      wanted.push(
        (await makeUser(ctx.t.database.db, company.id, { email: `wanted-${i}-${uniq()}@ex.test` })).id,
      );
    }
    const res = await ctx.t.api.get('/v1/users?search=wanted-&pageSize=5&page=3', { key });
    expect(res.status).toBe(200);
    expect(res.body.meta).toEqual({ 'record-count': 11, 'page-count': 3 });
    expect(idsOf(res.body)).toEqual(wanted.slice(10));
  });
});

describe('pagination: invalid values → 400 naming the parameter', () => {
  const PAGE = 'must be an integer of at least 1';
  const PAGE_SIZE = 'must be an integer from 1 to 50';
  const cases: [string, string, string][] = [
    ['page', '0', PAGE],
    ['page', '-1', PAGE],
    ['page', '1.5', PAGE],
    ['page', 'abc', PAGE],
    ['page', '', PAGE],
    ['page', '100000000000000000000', PAGE],
    ['pageSize', '0', PAGE_SIZE],
    ['pageSize', '-1', PAGE_SIZE],
    ['pageSize', '51', PAGE_SIZE],
    ['pageSize', '1000', PAGE_SIZE],
    ['pageSize', '1.5', PAGE_SIZE],
    ['pageSize', 'abc', PAGE_SIZE],
    ['pageSize', '', PAGE_SIZE],
  ];

  it.each(cases)('%s=%j', async (param, value, message) => {
    const { key } = await companyWithUsers(1);
    const res = await ctx.t.api.get(`/v1/users?${param}=${encodeURIComponent(value)}`, { key });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: `Invalid query parameter '${param}': ${message}`,
      code: 'bad_request',
      details: [{ path: param, message }],
    });
  });

  it('a repeated parameter is refused too', async () => {
    const { key } = await companyWithUsers(1);
    const res = await ctx.t.api.get('/v1/users?page=1&page=2', { key });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(`Invalid query parameter 'page': ${PAGE}`);
  });

  it('the same rules hold under /api/v1', async () => {
    const { key } = await companyWithUsers(1);
    const res = await ctx.t.api.get('/api/v1/users?pageSize=51', { key });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(`Invalid query parameter 'pageSize': ${PAGE_SIZE}`);
  });
});
