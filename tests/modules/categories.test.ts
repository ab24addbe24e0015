import { describe, expect, it } from 'vitest';
import {
  conflict,
  createOk,
  expectRejected,
  getOk,
  invalid,
  unknownFields,
  useTestApp,
} from '../helpers/catalogue-api.js';
import { makeTenant } from '../helpers/factories.js';

// Categories' bulk PATCH (A35): {"categories": [{id, label}]} or the bare array, all or nothing.
// (The five verbs, duplicates and "in use" are in catalogues.test.ts.)

const ctx = useTestApp();
const PATH = '/v1/categories';

describe('categories: bulk PATCH', () => {
  it.each([
    ['wrapped', (categories: unknown[]) => ({ categories })],
    ['a bare array', (categories: unknown[]) => categories],
  ])('renames several categories at once (%s)', async (_name, wrap) => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const api = ctx.t.api;
    const a = await createOk(api, writeKey, PATH, { label: 'Agencies' });
    const b = await createOk(api, writeKey, PATH, { label: 'Resellers', partner_type: 'reseller' });
    const res = await api.patch(PATH, {
      key: writeKey,
      body: wrap([
        { id: a.id, label: '  Agencies (EU) ' },
        { id: b.id, label: 'Channel' },
      ]),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ updated: [a.id, b.id] });
    const after = await getOk(api, writeKey, `${PATH}/${b.id}`);
    expect(after).toMatchObject({ label: 'Channel', partner_type: 'reseller' });
    expect(Date.parse(after.updated_at)).toBeGreaterThan(Date.parse(b.updated_at));
    expect((await getOk(api, writeKey, `${PATH}/${a.id}`)).label).toBe('Agencies (EU)');
  });

  it('changes nothing when one label collides (409) or one id is not yours (404)', async () => {
    const mine = await makeTenant(ctx.t.database.db);
    const theirs = await makeTenant(ctx.t.database.db);
    const api = ctx.t.api;
    const a = await createOk(api, mine.writeKey, PATH, { label: 'A' });
    const b = await createOk(api, mine.writeKey, PATH, { label: 'B' });
    const foreign = await createOk(api, theirs.writeKey, PATH, { label: 'Theirs' });

    const collides = await api.patch(PATH, {
      key: mine.writeKey,
      body: {
        categories: [
          { id: a.id, label: 'A2' },
          { id: b.id, label: 'a2' },
        ],
      },
    });
    expect(collides.status).toBe(409);
    expect(collides.body).toEqual(conflict("A category with label 'a2' already exists"));

    const notYours = await api.patch(PATH, {
      key: mine.writeKey,
      body: [
        { id: a.id, label: 'A3' },
        { id: foreign.id, label: 'Stolen' },
      ],
    });
    expect(notYours.status).toBe(404);
    expect(notYours.body).toEqual({
      error: `Category not found: ${foreign.id}`,
      code: 'not_found',
      details: [{ path: 'categories[1].id', message: `no such entry: ${foreign.id}` }],
    });

    expect(await getOk(api, mine.writeKey, `${PATH}/${a.id}`)).toEqual(a);
    expect(await getOk(api, mine.writeKey, `${PATH}/${b.id}`)).toEqual(b);
    expect(await getOk(api, theirs.writeKey, `${PATH}/${foreign.id}`)).toEqual(foreign);
  });

  it.each([
    [[{ id: 1 }], invalid('categories[0].label', 'is required')],
    [[{ id: 1, label: ' ' }], invalid('categories[0].label', 'must not be empty')],
    [[{ id: 0, label: 'x' }], invalid('categories[0].id', 'must be a positive integer id')],
    [
      [
        { id: 7, label: 'x' },
        { id: 7, label: 'y' },
      ],
      invalid('categories[1].id', 'is listed twice'),
    ],
    [
      { categories: [{ id: 1, label: 'x', partner_type: 'referral' }] },
      unknownFields(['categories[0].partner_type']),
    ],
  ])('400 for %j (403 for a read key)', async (body, expected) => {
    const { readKey } = await expectRejected(ctx.t, 'PATCH', PATH, body, expected);
    const denied = await ctx.t.api.patch(PATH, { key: readKey, body });
    expect(denied.status).toBe(403);
  });
});
