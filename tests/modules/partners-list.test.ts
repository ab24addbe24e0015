import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { companies, countries } from '../../src/db/schema/index.js';
import { useTestApp } from '../helpers/catalogue-api.js';
import { makeCategory, makeStage, makeTag, makeTier } from '../helpers/catalogue-factories.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';
import { ids, invitePartner, newDomain } from '../helpers/partners.js';

// GET /v1/partners: every filter and sort, each proven with partners that only it tells
// apart, and pagination. Three partners of one company:
//
//   partner  name       type      status    stage(series) tier   category tags users            country  extra
//   p1       Bravo Ltd  referral  pending   s2 (2)        Beta   Cats     ta   zebedee + admin  France
//   p2       alpha co   reseller  accepted  s1 (1)        Alpha  Dogs     tb   quincy                    website zeta-web
//   p3       Charlie    referral  inactive  –             –      –        –    –                         contact special-contact

const ctx = useTestApp();
const db = () => ctx.t.database.db;

type Tenant = Awaited<ReturnType<typeof makeTenant>>;
let me: Tenant;
let keys: string[];
let p1: { id: number };
let p2: { id: number };
let p3: { id: number };
let cat: Record<string, number>;
let zebedee: { id: number };
let quincy: { id: number };

beforeAll(async () => {
  me = await makeTenant(db());
  keys = [me.readKey, (await makeApiKey(db(), me.company.id, 'read', { userId: me.admin.id })).key];
  const id = me.company.id;
  const s1 = await makeStage(db(), id, { series: 1 });
  const s2 = await makeStage(db(), id, { series: 2 });
  cat = {
    s1: s1.id,
    s2: s2.id,
    alpha: (await makeTier(db(), id, { label: 'Alpha' })).id,
    beta: (await makeTier(db(), id, { label: 'beta' })).id,
    cats: (await makeCategory(db(), id, { label: 'Cats' })).id,
    dogs: (await makeCategory(db(), id, { label: 'dogs' })).id,
    ta: (await makeTag(db(), id)).id,
    tb: (await makeTag(db(), id)).id,
  };
  zebedee = await makeUser(db(), id, { first_name: 'Zebedee', last_name: 'Jones' });
  quincy = await makeUser(db(), id, { email: `quincy-${id}@example.test` });
  const [france] = await db().select().from(countries).where(eq(countries.code, 'FR'));

  p1 = await invitePartner(ctx.t.api, me.writeKey, newDomain(), {
    name: 'Bravo Ltd',
    stageUuid: s2.uuid,
    tierId: cat.beta,
    categoryId: cat.cats,
    tags: [cat.ta],
    assignedUsers: [zebedee.id, me.admin.id],
    countryId: france!.id,
  });
  const them = await makeTenant(db());
  await db()
    .update(companies)
    .set({ name: 'alpha co', website_url: 'https://www.zeta-web.test' })
    .where(eq(companies.id, them.company.id));
  p2 = await invitePartner(ctx.t.api, me.writeKey, them.company.domain!, {
    partnerType: 'reseller',
    stageUuid: s1.uuid,
    tierId: cat.alpha,
    categoryId: cat.dogs,
    tags: [cat.tb],
    assignedUsers: [quincy.id],
  });
  const theirs = (await ctx.t.api.get('/v1/partners', { key: them.readKey })).body.data[0];
  expect((await ctx.t.api.post(`/v1/partners/${theirs.id}/accept`, { key: them.writeKey })).status).toBe(200);
  const p3Domain = newDomain();
  p3 = await invitePartner(ctx.t.api, me.writeKey, p3Domain, {
    name: 'Charlie',
    stageUuid: null,
    inactive: true,
    emails: [{ email: `special-contact@${p3Domain}` }],
  });
});

let calls = 0;
/** GET /v1/partners?query as `me` (alternating two keys to stay inside one key's rate limit). */
async function list(query: string) {
  const res = await ctx.t.api.get(`/v1/partners?pageSize=50&${query}`, { key: keys[calls++ % keys.length] });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
}

describe('partners list: filters', () => {
  it.each([
    ['search=bravo', () => [p1]],
    ['search=BRAVO%20LTD', () => [p1]],
    ['search=france', () => [p1]], // the partner company's country
    ['search=zeta-web', () => [p2]], // website
    ['search=special-contact', () => [p3]], // a contact's email
    ['search=zebedee%20jones', () => [p1]], // an assigned user's full name
    ['search=quincy-', () => [p2]], // an assigned user's email
    ['search=%25', () => []], // % is literal, not a wildcard
    ['search=_', () => []],
    ['search=', () => [p3, p2, p1]],
    ['view=all', () => [p3, p2, p1]],
    ['view=assigned', () => [p1]], // to the key's user (the admin)
    ['view=referral', () => [p3, p1]],
    ['view=reseller', () => [p2]],
    ['stages=S1', () => [p2]],
    ['stages=S1,S2', () => [p2, p1]],
    ['tags=TA', () => [p1]],
    ['tags=TA,TB', () => [p2, p1]],
    ['categories=CATS', () => [p1]],
    ['categories=DOGS,CATS', () => [p2, p1]],
    ['tiers=ALPHA', () => [p2]],
    ['users=QUINCY', () => [p2]],
    ['users=ZEBEDEE,QUINCY', () => [p2, p1]],
    ['assigned=1', () => [p2, p1]],
    ['unassigned=1', () => [p3]],
    ['assigned=0', () => [p3, p2, p1]],
    ['status=accepted', () => [p2]],
    ['status=pending,inactive', () => [p3, p1]],
    ['status=declined', () => []],
    ['view=referral&tags=TA&search=bravo', () => [p1]],
    ['view=assigned&users=QUINCY', () => []], // both apply: assigned to the admin and to quincy
    ['view=assigned&users=ZEBEDEE', () => [p1]],
  ] as const)('%s', async (query, expected) => {
    const resolved = query
      .replace(/S1|S2|TA|TB|CATS|DOGS|ALPHA/g, (name) => String(cat[name.toLowerCase()]))
      .replace('QUINCY', String(quincy.id))
      .replace('ZEBEDEE', String(zebedee.id));
    const res = await list(resolved);
    expect(ids(res)).toEqual(expected().map((p) => p.id));
    expect(res.body.meta).toEqual({
      'record-count': expected().length,
      'page-count': expected().length ? 1 : 0,
    });
  });

  it('list items carry their tags, users and classification (batch-loaded)', async () => {
    const res = await list(`tags=${cat.ta}`);
    expect(res.body.data[0]).toMatchObject({
      id: p1.id,
      stage: { id: cat.s2, series: 2 },
      tier: { id: cat.beta },
      category: { id: cat.cats },
      tags: [{ id: cat.ta }],
      assigned_users: [{ id: me.admin.id }, { id: zebedee.id }],
      partner: { name: 'Bravo Ltd', country: { code: 'FR' } },
    });
  });

  it.each([
    ['stages=1,x', 'stages', "must be a comma-separated list of ids; 'x' is not an id"],
    ['tags=', 'tags', "must be a comma-separated list of ids; '' is not an id"],
    ['users=-1', 'users', "must be a comma-separated list of ids; '-1' is not an id"],
    ['tiers=1.5', 'tiers', "must be a comma-separated list of ids; '1.5' is not an id"],
    [
      'categories=99999999999',
      'categories',
      "must be a comma-separated list of ids; '99999999999' is not an id",
    ],
    [
      'status=accepted,bogus',
      'status',
      "must be a comma-separated list of: pending, accepted, declined, inactive; 'bogus' is not one",
    ],
    ['view=mine', 'view', 'must be one of: all, assigned, referral, reseller'],
    [
      'sort=size',
      'sort',
      'must be one of: created_at, name, stage, tier, category, -created_at, -name, -stage, -tier, -category',
    ],
    ['assigned=yes', 'assigned', 'must be 1 or 0'],
    ['assigned=1&unassigned=1', 'unassigned', 'cannot be combined with assigned=1'],
    ['colour=red', 'colour', "Unknown field 'colour'"],
  ])('%s → 400 naming the parameter', async (query, path, message) => {
    const res = await ctx.t.api.get(`/v1/partners?${query}`, { key: keys[calls++ % keys.length] });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ path, message }]);
    expect(res.body.error).toMatch(
      path === 'colour' ? /^Unknown query parameter: colour$/ : `Invalid query parameter '${path}': `,
    );
  });

  it('view=assigned needs a key that acts as a user', async () => {
    const userless = await makeApiKey(db(), me.company.id, 'read');
    const res = await ctx.t.api.get('/v1/partners?view=assigned', { key: userless.key });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error:
        "Invalid query parameter 'view': 'assigned' needs an API key created by a user; this key has none",
      code: 'bad_request',
      details: [
        { path: 'view', message: "'assigned' needs an API key created by a user; this key has none" },
      ],
    });
  });
});

describe('partners list: sorting', () => {
  it.each([
    ['', () => [p3, p2, p1]], // default: newest first
    ['sort=-created_at', () => [p3, p2, p1]],
    ['sort=created_at', () => [p1, p2, p3]],
    ['sort=name', () => [p2, p1, p3]], // alpha co, Bravo Ltd, Charlie (case-insensitive)
    ['sort=-name', () => [p3, p1, p2]],
    ['sort=stage', () => [p2, p1, p3]], // by series; no stage last
    ['sort=-stage', () => [p1, p2, p3]],
    ['sort=tier', () => [p2, p1, p3]], // Alpha, beta, none
    ['sort=-tier', () => [p1, p2, p3]],
    ['sort=category', () => [p1, p2, p3]], // Cats, dogs, none
    ['sort=-category', () => [p2, p1, p3]],
  ] as const)('%s', async (query, expected) => {
    expect(ids(await list(query))).toEqual(expected().map((p) => p.id));
  });
});

describe('partners list: pagination', () => {
  it('pages through with exact meta; a page past the end is empty', async () => {
    const get = (q: string) => ctx.t.api.get(`/v1/partners?${q}`, { key: keys[calls++ % keys.length] });
    const first = await get('pageSize=2&sort=created_at');
    expect(ids(first)).toEqual([p1.id, p2.id]);
    expect(first.body.meta).toEqual({ 'record-count': 3, 'page-count': 2 });
    const second = await get('pageSize=2&page=2&sort=created_at');
    expect(ids(second)).toEqual([p3.id]);
    const past = await get('pageSize=2&page=3');
    expect(past.body).toEqual({ data: [], meta: { 'record-count': 3, 'page-count': 2 } });
    const defaults = await get('');
    expect(defaults.body.meta).toEqual({ 'record-count': 3, 'page-count': 1 });
    for (const bad of ['page=0', 'pageSize=0', 'pageSize=51', 'page=x']) {
      const res = await get(bad);
      expect(res.status, bad).toBe(400);
      expect(res.body.details[0].path).toBe(bad.split('=')[0]);
    }
  });
});
