import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoCompany } from '../../src/cli/seed.js';
import { useTestApp } from '../helpers/app.js';
import { createOk, invalid, unknownFields } from '../helpers/catalogue-api.js';
import { campaignBody, createLead, demo, seedExampleBody, uniqueEmail } from '../helpers/leads.js';
import { ids } from '../helpers/partners.js';

// GET /v1/leads: every filter and sort, on five leads built so that each filter and each order
// picks a different set (or sequence) of them; pagination with the exact count; bad parameters.

const ctx = useTestApp();
const db = () => ctx.t.database.db;

let me: DemoCompany;
let partner: DemoCompany;
/** The caller's leads, by role in the fixture. */
const L = {} as Record<'alpha' | 'beta' | 'gamma' | 'delta' | 'epsilon', number>;
let secondCampaign: number;
const DAY = 24 * 3600 * 1000;
const now = Date.now();

/** Sets a lead's timestamps so that orders are fixed: created `daysAgo`, updated `updatedDaysAgo`. */
async function stamp(id: number, daysAgo: number, updatedDaysAgo: number) {
  await db().execute(
    sql`UPDATE leads SET created_at = ${new Date(now - daysAgo * DAY).toISOString()}::timestamptz,
        updated_at = ${new Date(now - updatedDaysAgo * DAY).toISOString()}::timestamptz WHERE id = ${id}`,
  );
}

beforeAll(async () => {
  ({ me, partner } = await demo(db()));
  const [hot, enterprise] = me.tags.map((t) => t.id);
  const [admin, colleague] = me.users.map((u) => u.id);

  // A reseller partnership between the two as well, accepted by the partner.
  const reseller = await createOk(ctx.t.api, me.keys.write, '/v1/partners', {
    name: partner.name,
    partnerType: 'reseller',
    emails: [{ email: partner.users[0]!.email }],
  });
  const theirSide = (
    await ctx.t.api.get('/v1/partners?pageSize=50', { key: partner.keys.read })
  ).body.data.find((p: { partnership_id: number }) => p.partnership_id === reseller.partnership_id);
  expect(
    (await ctx.t.api.post(`/v1/partners/${theirSide.id}/accept`, { key: partner.keys.write })).status,
  ).toBe(200);
  secondCampaign = (await createOk(ctx.t.api, me.keys.write, '/v1/campaigns', { title: 'Autumn' })).id;

  L.alpha = (
    await createLead(
      ctx.t.api,
      me.keys.write,
      campaignBody(me, { company_name: 'Alpha Nil Widgets', first_name: 'Ann', tags: [hot] }),
    )
  ).id;
  await ctx.t.api.patch(`/v1/leads/${L.alpha}`, { key: me.keys.write, body: { assignedUsers: [admin] } });
  const referral = seedExampleBody(me, partner);
  L.beta = (
    await createLead(ctx.t.api, me.keys.write, {
      ...referral,
      company_name: 'beta corp',
      phone_number: '+1 1000 555',
      last_name: 'Okafor',
      tags: [enterprise],
      customFields: [],
    })
  ).id;
  await ctx.t.api.patch(`/v1/leads/${L.beta}`, { key: me.keys.write, body: { status: 'contacted' } });
  L.gamma = (
    await createLead(ctx.t.api, me.keys.write, {
      email: uniqueEmail('gamma'),
      associationType: 'reseller',
      partnershipLead: { partnership_id: reseller.partnership_id },
      status: 'qualified',
      tags: [hot, enterprise],
    })
  ).id;
  await ctx.t.api.patch(`/v1/leads/${L.gamma}`, { key: me.keys.write, body: { assignedUsers: [colleague] } });
  // Delta is the copy of a lead the partner sends us.
  const fromPartner = seedExampleBody(partner, me);
  await createLead(ctx.t.api, partner.keys.write, {
    ...fromPartner,
    company_name: 'Delta 100% Pure_Co',
    partnershipLead: { ...fromPartner.partnershipLead, partnerUsers: [] },
  });
  L.delta = (await ctx.t.api.get('/v1/leads?view=received', { key: me.keys.read })).body.data[0].id;
  L.epsilon = (
    await createLead(
      ctx.t.api,
      me.keys.write,
      campaignBody(me, { company_name: 'Epsilon_Labs', companyCampaignId: secondCampaign, status: 'lost' }),
    )
  ).id;
  // A deleted lead matches nothing.
  const gone = await createLead(ctx.t.api, me.keys.write, campaignBody(me, { company_name: 'Alpha Gone' }));
  expect((await ctx.t.api.delete(`/v1/leads/${gone.id}`, { key: me.keys.write })).status).toBe(204);

  // Created alpha → epsilon, one day apart; updated in another order.
  await stamp(L.alpha, 5, 1.5);
  await stamp(L.beta, 4, 4.5);
  await stamp(L.gamma, 3, 0.5);
  await stamp(L.delta, 2, 2.5);
  await stamp(L.epsilon, 1, 3.5);
});

async function list(query: string) {
  const res = await ctx.t.api.get(`/v1/leads${query}`, { key: me.keys.read });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
}

/** The fixture's leads a query returns, by name, in order. */
async function names(query: string) {
  const byId = new Map(Object.entries(L).map(([name, id]) => [id, name]));
  const res = await list(query);
  expect(res.body.meta['record-count']).toBe(res.body.data.length);
  return ids(res).map((id) => byId.get(id) ?? id);
}

describe('GET /v1/leads: sort', () => {
  it.each([
    ['', ['epsilon', 'delta', 'gamma', 'beta', 'alpha']],
    ['?sort=-created_at', ['epsilon', 'delta', 'gamma', 'beta', 'alpha']],
    ['?sort=created_at', ['alpha', 'beta', 'gamma', 'delta', 'epsilon']],
    ['?sort=-updated_at', ['gamma', 'alpha', 'delta', 'epsilon', 'beta']],
    ['?sort=updated_at', ['beta', 'epsilon', 'delta', 'alpha', 'gamma']],
    // Case-insensitive, a lead without a company name last; `-` is the exact reverse.
    ['?sort=company_name', ['alpha', 'beta', 'delta', 'epsilon', 'gamma']],
    ['?sort=-company_name', ['gamma', 'epsilon', 'delta', 'beta', 'alpha']],
  ])('%s', async (query, expected) => {
    expect(await names(query)).toEqual(expected);
  });
});

describe('GET /v1/leads: filters', () => {
  it.each([
    // search: company name, email, phone, first and last name; any case; % and _ taken literally
    ['?search=ALPHA', ['alpha']],
    ['?search=gamma-', ['gamma']],
    ['?search=1000%20555', ['beta']],
    ['?search=ann', ['alpha']],
    ['?search=okaf', ['beta']],
    ['?search=100', ['delta', 'beta']],
    ['?search=100%25', ['delta']],
    ['?search=n_l', ['epsilon']],
    ['?search=zzz', []],
    // status: any of a comma list
    ['?status=new,lost', ['epsilon', 'delta', 'alpha']],
    ['?status=qualified', ['gamma']],
    // tags, users: any of
    [`?tags=TAG0`, ['gamma', 'alpha']],
    [`?tags=TAG1,TAG0`, ['gamma', 'beta', 'alpha']],
    ['?users=USER1', ['gamma']],
    ['?users=USER0,USER1', ['gamma', 'alpha']],
    ['?assigned=1', ['gamma', 'alpha']],
    ['?unassigned=1', ['epsilon', 'delta', 'beta']],
    // view
    ['?view=received', ['delta']],
    ['?view=sent', ['gamma', 'beta']],
    ['?view=reseller', ['gamma']],
    ['?view=campaigns', ['epsilon', 'alpha']],
    // campaign, date range (strict bounds)
    ['?campaign=CAMPAIGN0', ['alpha']],
    ['?campaign=CAMPAIGN1', ['epsilon']],
    ['?created_after=AGO3.5', ['epsilon', 'delta', 'gamma']],
    ['?created_before=AGO3.5', ['beta', 'alpha']],
    ['?created_after=AGO4.5&created_before=AGO1.5', ['delta', 'gamma', 'beta']],
    // together: all must hold
    ['?status=new&view=campaigns', ['alpha']],
    ['?tags=TAG0&assigned=1&sort=company_name&search=a', ['alpha', 'gamma']],
  ])('%s', async (template, expected) => {
    const query = template
      .replace(/TAG(\d)/g, (_, i) => String(me.tags[Number(i)]!.id))
      .replace(/USER(\d)/g, (_, i) => String(me.users[Number(i)]!.id))
      .replace('CAMPAIGN0', String(me.campaigns[0]!.id))
      .replace('CAMPAIGN1', String(secondCampaign))
      .replace(/AGO([\d.]+)/g, (_, days) => new Date(now - Number(days) * DAY).toISOString());
    expect(await names(query)).toEqual(expected);
  });
});

describe('GET /v1/leads: pages and the exact count', () => {
  it('pages through in order with record-count and page-count; past the end is empty', async () => {
    const page2 = await list('?pageSize=2&page=2');
    expect(ids(page2)).toEqual([L.gamma, L.beta]);
    expect(page2.body.meta).toEqual({ 'record-count': 5, 'page-count': 3 });
    const page3 = await list('?pageSize=2&page=3');
    expect(ids(page3)).toEqual([L.alpha]);
    const past = await list('?pageSize=2&page=4');
    expect(past.body).toEqual({ data: [], meta: { 'record-count': 5, 'page-count': 3 } });
    const filtered = await list('?status=new&page=9');
    expect(filtered.body).toEqual({ data: [], meta: { 'record-count': 2, 'page-count': 1 } });
    const second = await list('?view=campaigns&pageSize=1&page=2');
    expect(second.body.meta).toEqual({ 'record-count': 2, 'page-count': 2 });
    expect(ids(second)).toEqual([L.alpha]);
  });

  it("counts only the caller's live leads", async () => {
    expect((await list('')).body.meta['record-count']).toBe(5);
    const theirs = await ctx.t.api.get('/v1/leads', { key: partner.keys.read });
    expect(theirs.body.data.map((l: { company_id: number }) => l.company_id)).toEqual([
      partner.id,
      partner.id,
    ]);
  });

  it('items carry their campaign, tags, assigned users and partnership leads', async () => {
    const [alpha] = (await list('?search=alpha')).body.data;
    expect(alpha).toMatchObject({
      campaign_id: me.campaigns[0]!.id,
      campaign_title: me.campaigns[0]!.title,
      tags: [
        { id: me.tags[0]!.id, label: me.tags[0]!.label, background_color: '#DC2626', text_color: '#FFFFFF' },
      ],
      assigned_users: [
        {
          id: me.users[0]!.id,
          email: me.users[0]!.email,
          first_name: 'Avery',
          last_name: 'Admin',
          color: null,
        },
      ],
      partnership_leads: [],
    });
    const [gamma] = (await list('?view=reseller')).body.data;
    expect(gamma.partnership_leads).toEqual([
      expect.objectContaining({
        partner_type: 'reseller',
        direction: 'sent',
        received_by_company_id: partner.id,
      }),
    ]);
  });
});

describe('GET /v1/leads: bad parameters are a 400 naming them', () => {
  const where = 'query parameter';
  it.each([
    [
      'status=won',
      'status',
      "must be a comma-separated list of: new, contacted, qualified, converted, lost; 'won' is not one",
    ],
    ['tags=hot', 'tags', "must be a comma-separated list of ids; 'hot' is not an id"],
    ['users=1,0', 'users', "must be a comma-separated list of ids; '0' is not an id"],
    ['view=mine', 'view', 'must be one of: received, sent, reseller, campaigns'],
    ['assigned=yes', 'assigned', 'must be 1 or 0'],
    ['campaign=abc', 'campaign', 'must be a positive integer id'],
    [
      'created_after=yesterday',
      'created_after',
      'must be an ISO 8601 date-time such as 2024-01-15T10:30:00Z',
    ],
    [
      'sort=name',
      'sort',
      'must be one of: created_at, updated_at, company_name, -created_at, -updated_at, -company_name',
    ],
    ['pageSize=51', 'pageSize', 'must be an integer from 1 to 50'],
  ])('%s', async (query, param, message) => {
    const res = await ctx.t.api.get(`/v1/leads?${query}`, { key: me.keys.read });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(invalid(param, message, where));
  });

  it('assigned=1 with unassigned=1, and unknown parameters', async () => {
    const both = await ctx.t.api.get('/v1/leads?assigned=1&unassigned=1', { key: me.keys.read });
    expect(both.body).toEqual(invalid('unassigned', 'cannot be combined with assigned=1', 'query parameter'));
    const unknown = await ctx.t.api.get('/v1/leads?q=x', { key: me.keys.read });
    expect(unknown.body).toEqual(unknownFields(['q'], 'query parameter'));
    // Journeybee's userId is accepted and ignored.
    expect(
      (await ctx.t.api.get(`/v1/leads?userId=${partner.users[0]!.id}`, { key: me.keys.read })).status,
    ).toBe(200);
  });
});
