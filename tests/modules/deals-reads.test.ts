import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoCompany } from '../../src/cli/seed.js';
import { customFieldValues, dealTags, dealUsers } from '../../src/db/schema/index.js';
import { useTestApp } from '../helpers/app.js';
import { createOk } from '../helpers/catalogue-api.js';
import { makeCustomField, makeTag } from '../helpers/catalogue-factories.js';
import { makeDeal, makeDealStage } from '../helpers/deal-factories.js';
import { makeTenant } from '../helpers/factories.js';
import { campaignBody, createLead, demo } from '../helpers/leads.js';
import { sendLead } from '../helpers/notifications.js';

// GET /v1/deals and /v1/deals/{id} (and their /v1/lead-deals aliases): every filter and sort on
// deals built so that each picks a different set or sequence; pagination with the exact count;
// both companies of one partnership deal, each seeing its own side (stage, lead, tags, users,
// custom values) and the same shared facts; exact money in JPY, BHD and USD; 404s.

const ctx = useTestApp();
const db = () => ctx.t.database.db;
const api = () => ctx.t.api;

let me: DemoCompany;
let partner: DemoCompany;
const DAY = 24 * 3600 * 1000;
const now = Date.now();
const ago = (days: number) => new Date(now - days * DAY);

/** Deals by role in the fixture (see beforeAll). */
const D = {} as Record<
  'd1' | 'd2' | 'd3' | 'd5' | 'deleted' | 'theirs' | 'stranger',
  { id: number; uuid: string }
>;
let sharedLead: number;
let sharedCopy: number;
let campaignLead: number;
let partnershipId: number;
let resellerPartnershipId: number;
const S = {} as Record<'a1' | 'a2' | 'b1' | 'pay', { id: number; uuid: string; label: string }>;
const T = {} as Record<'a1' | 'a2' | 'b1', { id: number; uuid: string; label: string }>;
let fieldA: { id: number; label: string };
let fieldB: { id: number; label: string };

const list = async (query: string, key = me.keys.read) => {
  const res = await api().get(`/v1/deals${query}`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { data: any[]; meta: { 'record-count': number; 'page-count': number } };
};
const idsOf = async (query: string, key?: string) => (await list(query, key)).data.map((d) => d.id);

beforeAll(async () => {
  ({ me, partner } = await demo(db()));
  partnershipId = me.partners[0]!.partnership_id;
  // A reseller partnership between the two as well, accepted by the partner.
  const reseller = await createOk(api(), me.keys.write, '/v1/partners', {
    name: partner.name,
    partnerType: 'reseller',
    emails: [{ email: partner.users[0]!.email }],
  });
  resellerPartnershipId = reseller.partnership_id;
  const theirSide = (await api().get('/v1/partners?pageSize=50', { key: partner.keys.read })).body.data.find(
    (p: { partnership_id: number }) => p.partnership_id === resellerPartnershipId,
  );
  expect((await api().post(`/v1/partners/${theirSide.id}/accept`, { key: partner.keys.write })).status).toBe(
    200,
  );

  const sent = await sendLead(api(), me.keys.write, partnershipId, undefined, 'Initech');
  sharedLead = sent.id;
  const copy = await db().execute<{ id: number }>(
    sql`SELECT receiver_lead_id AS id FROM partnership_leads WHERE id = ${sent.partnershipLeadId}`,
  );
  sharedCopy = copy.rows[0]!.id;
  campaignLead = (
    await createLead(api(), me.keys.write, campaignBody(me, { company_name: 'Globex', first_name: 'Zed' }))
  ).id;

  Object.assign(S, {
    a1: await makeDealStage(db(), me.id, { phase: 'discovery', series: 1, label: 'Qualify' }),
    a2: await makeDealStage(db(), me.id, { phase: 'closed_won', series: 2, label: 'Won' }),
    b1: await makeDealStage(db(), partner.id, { phase: 'negotiation', series: 1, label: 'Haggle' }),
    pay: await makeDealStage(db(), me.id, {
      pipeline: 'payment',
      phase: 'invoiced',
      series: 1,
      label: 'Invoiced',
    }),
  });
  Object.assign(T, {
    a1: await makeTag(db(), me.id, { association: 'lead_deal', label: 'Hot deal' }),
    a2: await makeTag(db(), me.id, { association: 'lead_deal', label: 'Big deal' }),
    b1: await makeTag(db(), partner.id, { association: 'lead_deal', label: 'Their tag' }),
  });
  fieldA = await makeCustomField(db(), me.id, 'text', { category: 'lead_deal', label: 'Our note' });
  fieldB = await makeCustomField(db(), partner.id, 'text', { category: 'lead_deal', label: 'Their note' });

  const [adminA, colleagueA] = me.users.map((u) => u.id);
  const [adminB] = partner.users.map((u) => u.id);

  // d1: A's partnership deal with B, on the lead A sent (B's side on its copy), 10% commission.
  D.d1 = await makeDeal(db(), {
    owner: { companyId: me.id, leadId: sharedLead, stageId: S.a1.id },
    partner: { companyId: partner.id, leadId: sharedCopy, stageId: S.b1.id },
    partnershipId,
    label: 'alpha deal',
    dealValue: '1250.5',
    currencyCode: 'USD',
    paymentStageId: S.pay.id,
    commissionCalculation: {
      entries: [
        { payment_stage_id: S.pay.id, calculation: { type: 'oneOff', option: 'percentage', value: '10' } },
      ],
    },
    createdAt: ago(5),
  });
  // d2: A's deal on its campaign lead, in yen; updated last of all.
  D.d2 = await makeDeal(db(), {
    owner: { companyId: me.id, leadId: campaignLead, stageId: S.a2.id },
    label: 'Beta deal',
    dealValue: '5',
    currencyCode: 'JPY',
    createdAt: ago(3),
  });
  await db().execute(
    sql`UPDATE deals SET updated_at = ${ago(0.1).toISOString()}::timestamptz WHERE id = ${D.d2.id}`,
  );
  // d3: A's reseller-partnership deal, no lead, no stage, in Bahraini dinars (3 decimals);
  // B's side has neither lead nor stage.
  D.d3 = await makeDeal(db(), {
    owner: { companyId: me.id },
    partner: { companyId: partner.id },
    partnershipId: resellerPartnershipId,
    label: 'Cobalt deal',
    dealValue: '12.345',
    currencyCode: 'BHD',
    createdAt: ago(1),
  });
  // d5: B's partnership deal shared with A, on B's copy (A's side: A's lead), 15 digits.
  D.d5 = await makeDeal(db(), {
    owner: { companyId: partner.id, leadId: sharedCopy },
    partner: { companyId: me.id, leadId: sharedLead, stageId: S.a2.id },
    partnershipId,
    label: 'Epsilon deal',
    dealValue: '123456789012345.6789',
    currencyCode: 'USD',
    createdAt: ago(2),
  });
  D.deleted = await makeDeal(db(), { owner: { companyId: me.id, leadId: campaignLead }, label: 'Gone deal' });
  await db().execute(sql`UPDATE deals SET deleted_at = now() WHERE id = ${D.deleted.id}`);
  D.theirs = await makeDeal(db(), { owner: { companyId: partner.id }, label: 'Their own deal' });
  const stranger = await makeTenant(db());
  D.stranger = await makeDeal(db(), { owner: { companyId: stranger.company.id }, label: 'Stranger deal' });

  await db()
    .insert(dealTags)
    .values([
      { deal_id: D.d1.id, tag_id: T.a1.id },
      { deal_id: D.d1.id, tag_id: T.b1.id },
      { deal_id: D.d3.id, tag_id: T.a2.id },
    ]);
  await db()
    .insert(dealUsers)
    .values([
      { deal_id: D.d1.id, user_id: adminA! },
      { deal_id: D.d1.id, user_id: adminB! },
      { deal_id: D.d3.id, user_id: colleagueA! },
      { deal_id: D.d5.id, user_id: adminB! },
    ]);
  await db()
    .insert(customFieldValues)
    .values([
      {
        company_id: me.id,
        custom_field_id: fieldA.id,
        entity_type: 'lead_deal',
        entity_id: D.d1.id,
        value: { text: 'ours' },
      },
      {
        company_id: partner.id,
        custom_field_id: fieldB.id,
        entity_type: 'lead_deal',
        entity_id: D.d1.id,
        value: { text: 'theirs' },
      },
    ]);
  await db().execute(sql`UPDATE deals SET integration_name = 'Hubspot',
      integration_custom_fields = '[{"uuid": "hs-1", "value": 42}]'::jsonb,
      powerups = '{"pipedrive": {"deal_id": "7"}}'::jsonb WHERE id = ${D.d1.id}`);
});

describe('GET /v1/deals: what the caller sees', () => {
  it('lists its own and the shared live deals, newest first, with the exact count', async () => {
    const body = await list('');
    expect(body.data.map((d) => d.id)).toEqual([D.d3.id, D.d5.id, D.d2.id, D.d1.id]);
    expect(body.meta).toEqual({ 'record-count': 4, 'page-count': 1 });
    // B sees the two partnership deals it has a side of, and its own.
    expect(await idsOf('', partner.keys.read)).toEqual([D.theirs.id, D.d3.id, D.d5.id, D.d1.id]);
  });

  it('pages with the exact count, past the end too', async () => {
    expect(await list('?pageSize=3')).toMatchObject({ meta: { 'record-count': 4, 'page-count': 2 } });
    expect(await idsOf('?pageSize=3')).toEqual([D.d3.id, D.d5.id, D.d2.id]);
    expect(await idsOf('?pageSize=3&page=2')).toEqual([D.d1.id]);
    const past = await list('?pageSize=3&page=3');
    expect(past).toEqual({ data: [], meta: { 'record-count': 4, 'page-count': 2 } });
    expect(await idsOf('?pageSize=1&page=2&sort=deal_value')).toEqual([D.d3.id]);
    expect(await idsOf('?pageSize=2&page=2&sort=-label')).toEqual([D.d2.id, D.d1.id]);
    const filtered = await list('?pageSize=1&page=2&partnership_id=' + partnershipId);
    expect(filtered.data.map((d) => d.id)).toEqual([D.d1.id]);
    expect(filtered.meta).toEqual({ 'record-count': 2, 'page-count': 2 });
  });

  it('sorts by each key, both ways, ties by id', async () => {
    expect(await idsOf('?sort=created_at')).toEqual([D.d1.id, D.d2.id, D.d5.id, D.d3.id]);
    expect(await idsOf('?sort=-updated_at')).toEqual([D.d2.id, D.d3.id, D.d5.id, D.d1.id]);
    expect(await idsOf('?sort=updated_at')).toEqual([D.d1.id, D.d5.id, D.d3.id, D.d2.id]);
    // Numerically, across currencies: 5 < 12.345 < 1250.5 < 123456789012345.6789.
    expect(await idsOf('?sort=deal_value')).toEqual([D.d2.id, D.d3.id, D.d1.id, D.d5.id]);
    expect(await idsOf('?sort=-deal_value')).toEqual([D.d5.id, D.d1.id, D.d3.id, D.d2.id]);
    // Case-insensitive: alpha, Beta, Cobalt, Epsilon.
    expect(await idsOf('?sort=label')).toEqual([D.d1.id, D.d2.id, D.d3.id, D.d5.id]);
    expect(await idsOf('?sort=-label')).toEqual([D.d5.id, D.d3.id, D.d2.id, D.d1.id]);
    // Equal keys: the ids decide, reversed with the order.
    const tie = await makeTenant(db());
    const a = await makeDeal(db(), {
      owner: { companyId: tie.company.id },
      label: 'Same',
      createdAt: ago(1),
    });
    const b = await makeDeal(db(), {
      owner: { companyId: tie.company.id },
      label: 'same',
      createdAt: ago(1),
    });
    expect(await idsOf('?sort=label', tie.readKey)).toEqual([a.id, b.id]);
    expect(await idsOf('?sort=-label', tie.readKey)).toEqual([b.id, a.id]);
    expect(await idsOf('?sort=-created_at', tie.readKey)).toEqual([b.id, a.id]);
    expect(await idsOf('?sort=deal_value', tie.readKey)).toEqual([a.id, b.id]);
  });

  it('filters by view', async () => {
    expect(await idsOf('?view=sent')).toEqual([D.d3.id, D.d1.id]);
    expect(await idsOf('?view=received')).toEqual([D.d5.id]);
    expect(await idsOf('?view=reseller')).toEqual([D.d3.id]);
    expect(await idsOf('?view=campaigns')).toEqual([D.d2.id]);
    expect(await idsOf('?view=received', partner.keys.read)).toEqual([D.d3.id, D.d1.id]);
    expect(await idsOf('?view=sent', partner.keys.read)).toEqual([D.d5.id]);
    expect((await list('?view=sent')).meta['record-count']).toBe(2);
  });

  it('searches the label and the caller-side lead, case-insensitively, % and _ literally', async () => {
    expect(await idsOf('?search=COBALT')).toEqual([D.d3.id]);
    expect(await idsOf('?search=initech')).toEqual([D.d5.id, D.d1.id]);
    expect(await idsOf('?search=zed')).toEqual([D.d2.id]);
    expect(await idsOf('?search=globex')).toEqual([D.d2.id]);
    const email = (await api().get(`/v1/leads/${campaignLead}`, { key: me.keys.read })).body.email;
    expect(await idsOf(`?search=${encodeURIComponent(email.toUpperCase())}`)).toEqual([D.d2.id]);
    expect(await idsOf('?search=%25')).toEqual([]);
    expect(await idsOf('?search=a_pha')).toEqual([]);
    expect((await list('?search=deal')).meta['record-count']).toBe(4);
  });

  it('filters by the caller-side stage and its phase', async () => {
    expect(await idsOf(`?stages=${S.a1.id}`)).toEqual([D.d1.id]);
    expect(await idsOf(`?stages=${S.a2.id}`)).toEqual([D.d5.id, D.d2.id]);
    expect(await idsOf(`?stages=${S.a1.id},${S.a2.id}`)).toEqual([D.d5.id, D.d2.id, D.d1.id]);
    expect(await idsOf('?phases=closed_won')).toEqual([D.d5.id, D.d2.id]);
    expect(await idsOf('?phases=discovery,closed_lost')).toEqual([D.d1.id]);
    // B's stage of d1 is in negotiation: A's sides are not.
    expect(await idsOf('?phases=negotiation')).toEqual([]);
    expect(await idsOf('?phases=negotiation', partner.keys.read)).toEqual([D.d1.id]);
    expect(await idsOf(`?stages=${S.b1.id}`, partner.keys.read)).toEqual([D.d1.id]);
  });

  it("filters by the caller's tags and users only", async () => {
    expect(await idsOf(`?tags=${T.a1.id}`)).toEqual([D.d1.id]);
    expect(await idsOf(`?tags=${T.a1.id},${T.a2.id}`)).toEqual([D.d3.id, D.d1.id]);
    expect(await idsOf(`?tags=${T.b1.id}`)).toEqual([]);
    expect(await idsOf(`?tags=${T.b1.id}`, partner.keys.read)).toEqual([D.d1.id]);
    expect(await idsOf(`?users=${me.users[1]!.id}`)).toEqual([D.d3.id]);
    expect(await idsOf(`?users=${me.users[0]!.id},${me.users[1]!.id}`)).toEqual([D.d3.id, D.d1.id]);
    expect(await idsOf('?assigned=1')).toEqual([D.d3.id, D.d1.id]);
    // d5 has only B's admin: unassigned for A, assigned for B.
    expect(await idsOf('?unassigned=1')).toEqual([D.d5.id, D.d2.id]);
    expect(await idsOf('?assigned=1', partner.keys.read)).toEqual([D.d5.id, D.d1.id]);
    const both = await api().get('/v1/deals?assigned=1&unassigned=1', { key: me.keys.read });
    expect(both.status).toBe(400);
    expect(both.body.details).toEqual([
      { path: 'unassigned', message: 'cannot be combined with assigned=1' },
    ]);
  });

  it('filters by lead, partnership and creation time', async () => {
    expect(await idsOf(`?lead_id=${sharedLead}`)).toEqual([D.d5.id, D.d1.id]);
    expect(await idsOf(`?lead_id=${campaignLead}`)).toEqual([D.d2.id]);
    expect(await idsOf(`?lead_id=${sharedCopy}`)).toEqual([]);
    expect(await idsOf(`?lead_id=${sharedCopy}`, partner.keys.read)).toEqual([D.d5.id, D.d1.id]);
    expect(await idsOf(`?partnership_id=${partnershipId}`)).toEqual([D.d5.id, D.d1.id]);
    expect(await idsOf(`?partnership_id=${resellerPartnershipId}`)).toEqual([D.d3.id]);
    const after = encodeURIComponent(ago(4).toISOString());
    const before = encodeURIComponent(ago(2.5).toISOString());
    expect(await idsOf(`?created_after=${after}`)).toEqual([D.d3.id, D.d5.id, D.d2.id]);
    expect(await idsOf(`?created_before=${before}`)).toEqual([D.d2.id, D.d1.id]);
    expect(await idsOf(`?created_after=${after}&created_before=${before}`)).toEqual([D.d2.id]);
    // Combined with AND.
    expect(await idsOf(`?view=sent&tags=${T.a1.id}&search=alpha&sort=label`)).toEqual([D.d1.id]);
  });

  it('answers 400 naming each bad parameter', async () => {
    for (const [query, path] of [
      ['sort=value', 'sort'],
      ['view=all', 'view'],
      ['phases=won', 'phases'],
      ['stages=x', 'stages'],
      ['lead_id=0', 'lead_id'],
      ['created_after=yesterday', 'created_after'],
      ['pageSize=51', 'pageSize'],
      ['page=0', 'page'],
      ['colour=red', ''],
    ] as const) {
      const res = await api().get(`/v1/deals?${query}`, { key: me.keys.read });
      expect(res.status, query).toBe(400);
      if (path)
        expect(
          res.body.details.map((d: { path: string }) => d.path),
          query,
        ).toContain(path);
    }
  });
});

describe('one deal, two sides', () => {
  it('shows each company its own side and the same shared facts', async () => {
    const ours = (await api().get(`/v1/deals/${D.d1.id}`, { key: me.keys.read })).body;
    const theirs = (await api().get(`/v1/deals/${D.d1.uuid}`, { key: partner.keys.read })).body;
    const shared = {
      id: D.d1.id,
      uuid: D.d1.uuid,
      label: 'alpha deal',
      deal_value: '1250.50',
      currency_code: 'USD',
      currency: { uuid: expect.any(String), code: 'USD', label: 'US Dollar' },
      expiration_date: null,
      company_id: me.id,
      payment_stage_id: S.pay.id,
      payment_stage_label: 'Invoiced',
      payment_stage_series: 1,
      payment_stage_phase: 'invoiced',
      partnership_id: partnershipId,
      partnership_uuid: expect.any(String),
      partner_type: 'referral',
      campaign_id: null,
      campaign_title: null,
      total_commission_value: '125.05',
      created_by_user_id: null,
      created_at: ago(5).toISOString(),
      integration_name: 'Hubspot',
      integration_custom_fields: [{ uuid: 'hs-1', value: 42 }],
      powerups: { pipedrive: { deal_id: '7' } },
    };
    expect(ours).toMatchObject(shared);
    expect(theirs).toMatchObject(shared);
    expect(ours.updated_at).toBe(theirs.updated_at);

    expect(ours).toMatchObject({
      side: 'owner',
      lead_id: sharedLead,
      lead: { id: sharedLead, company_name: 'Initech', first_name: null, last_name: null },
      stage_id: S.a1.id,
      stage_label: 'Qualify',
      stage_series: 1,
      stage_phase: 'discovery',
      stage: { id: S.a1.id, uuid: S.a1.uuid, label: 'Qualify', series: 1, phase: 'discovery' },
      partner: { id: partner.id, uuid: partner.uuid, name: partner.name },
      associated_partner: [{ company_id: partner.id, company_name: partner.name }],
      tags: [
        {
          id: T.a1.id,
          uuid: T.a1.uuid,
          label: 'Hot deal',
          background_color: '#6B7280',
          text_color: '#FFFFFF',
        },
      ],
      assigned_users: [
        {
          id: me.users[0]!.id,
          uuid: expect.any(String),
          email: me.users[0]!.email,
          first_name: 'Avery',
          last_name: 'Admin',
        },
      ],
    });
    expect(ours.custom_fields).toEqual([
      {
        id: fieldA.id,
        label: 'Our note',
        type: 'text',
        value: { text: 'ours' },
        custom_field_value_id: expect.any(Number),
      },
    ]);
    expect(theirs).toMatchObject({
      side: 'partner',
      lead_id: sharedCopy,
      lead: { id: sharedCopy, company_name: 'Initech' },
      stage_id: S.b1.id,
      stage_label: 'Haggle',
      stage_phase: 'negotiation',
      partner: { id: me.id, uuid: me.uuid, name: me.name },
      associated_partner: [{ company_id: me.id, company_name: me.name }],
      tags: [expect.objectContaining({ id: T.b1.id, label: 'Their tag' })],
      assigned_users: [expect.objectContaining({ id: partner.users[0]!.id })],
    });
    expect(theirs.custom_fields).toEqual([
      expect.objectContaining({ id: fieldB.id, label: 'Their note', value: { text: 'theirs' } }),
    ]);
    // The list item is the get without the detail fields.
    const item = (await list('')).data.find((d) => d.id === D.d1.id);
    const {
      custom_fields: _,
      integration_name: __,
      integration_custom_fields: ___,
      powerups: ____,
      ...rest
    } = ours;
    expect(item).toEqual(rest);
  });

  it('a side without lead or stage, a non-partnership deal, a campaign lead', async () => {
    const d3 = (await api().get(`/v1/deals/${D.d3.id}`, { key: partner.keys.read })).body;
    expect(d3).toMatchObject({
      side: 'partner',
      lead_id: null,
      lead: null,
      stage_id: null,
      stage_label: null,
      stage_series: null,
      stage_phase: null,
      stage: null,
      partner_type: 'reseller',
      tags: [],
      assigned_users: [],
      custom_fields: [],
      integration_name: null,
      integration_custom_fields: null,
      powerups: null,
    });
    const d2 = (await api().get(`/v1/deals/${D.d2.id}`, { key: me.keys.read })).body;
    expect(d2).toMatchObject({
      partnership_id: null,
      partnership_uuid: null,
      partner_type: null,
      partner: null,
      associated_partner: [],
      payment_stage_id: null,
      payment_stage_label: null,
      campaign_id: me.campaigns[0]!.id,
      campaign_title: me.campaigns[0]!.title,
      lead: expect.objectContaining({ id: campaignLead, company_name: 'Globex', first_name: 'Zed' }),
    });
  });

  it("a deleted caller-side lead leaves the deal's lead null", async () => {
    const t = await makeTenant(db());
    const [lead] = (
      await db().execute<{ id: number }>(
        sql`INSERT INTO leads (company_id, email, association_type, source) VALUES (${t.company.id}, 'gone@example.test', 'campaigns', 'manual') RETURNING id`,
      )
    ).rows;
    const deal = await makeDeal(db(), { owner: { companyId: t.company.id, leadId: lead!.id } });
    await db().execute(sql`UPDATE leads SET deleted_at = now() WHERE id = ${lead!.id}`);
    const res = await api().get(`/v1/deals/${deal.id}`, { key: t.readKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ lead_id: lead!.id, lead: null, campaign_id: null });
  });
});

describe('money', () => {
  it('shows amounts as strings with the currency minor digits', async () => {
    const byId = Object.fromEntries((await list('')).data.map((d) => [d.id, d]));
    expect(byId[D.d1.id]).toMatchObject({
      deal_value: '1250.50',
      currency_code: 'USD',
      total_commission_value: '125.05',
    });
    expect(byId[D.d2.id]).toMatchObject({
      deal_value: '5',
      currency: { code: 'JPY', label: 'Japanese Yen', uuid: expect.any(String) },
      total_commission_value: '0',
    });
    expect(byId[D.d3.id]).toMatchObject({
      deal_value: '12.345',
      currency_code: 'BHD',
      total_commission_value: '0.000',
    });
    expect(byId[D.d5.id]).toMatchObject({ deal_value: '123456789012345.68', currency_code: 'USD' });
    // 0.1 + 0.2 is 0.30, and a JPY amount rounds half away from zero.
    const t = await makeTenant(db());
    const exact = await makeDeal(db(), {
      owner: { companyId: t.company.id },
      dealValue: '0.3',
      currencyCode: 'USD',
    });
    const yen = await makeDeal(db(), {
      owner: { companyId: t.company.id },
      dealValue: '1250.5',
      currencyCode: 'JPY',
    });
    expect((await api().get(`/v1/deals/${exact.id}`, { key: t.readKey })).body.deal_value).toBe('0.30');
    expect((await api().get(`/v1/deals/${yen.id}`, { key: t.readKey })).body.deal_value).toBe('1251');
  });
});

describe('GET /v1/deals/{id}: 404s and aliases', () => {
  it("is 404 for another company's deal, a deleted one, and ids that name none", async () => {
    for (const id of [
      D.theirs.id,
      D.theirs.uuid,
      D.stranger.id,
      D.deleted.id,
      D.deleted.uuid,
      2147483647,
      'abc',
      '0',
      `0${D.d1.id}`,
    ]) {
      const res = await api().get(`/v1/deals/${id}`, { key: me.keys.read });
      expect({ id, status: res.status, body: res.body }).toEqual({
        id,
        status: 404,
        body: { error: 'Deal not found or not accessible', code: 'not_found' },
      });
    }
    // The deal B owns alone is B's.
    expect((await api().get(`/v1/deals/${D.theirs.id}`, { key: partner.keys.read })).status).toBe(200);
  });

  it('is served at /v1/lead-deals and under /api/v1, the same', async () => {
    const canonical = (await api().get(`/v1/deals/${D.d1.id}`, { key: me.keys.read })).body;
    for (const path of [
      `/v1/lead-deals/${D.d1.id}`,
      `/api/v1/deals/${D.d1.uuid}`,
      `/api/v1/lead-deals/${D.d1.id}`,
    ]) {
      const res = await api().get(path, { key: me.keys.read });
      expect(res.status, path).toBe(200);
      expect(res.body, path).toEqual(canonical);
    }
    const listed = await list('?sort=label');
    for (const path of ['/v1/lead-deals?sort=label', '/api/v1/deals?sort=label']) {
      expect((await api().get(path, { key: me.keys.read })).body, path).toEqual(listed);
    }
  });

  it('names the alias operations apart in the document', async () => {
    const doc = (await api().get('/v1/openapi.json')).body;
    expect(doc.paths['/v1/deals'].get.operationId).toBe('listDeals');
    expect(doc.paths['/v1/deals/{id}'].get.operationId).toBe('getDeal');
    expect(doc.paths['/v1/lead-deals'].get.operationId).toBe('listLeadDeals');
    expect(doc.paths['/v1/lead-deals/{id}'].get.operationId).toBe('getLeadDeal');
  });
});

describe('a deal made through the API', () => {
  it('reads back on both sides, in the list, the get and the lead', async () => {
    const pair = await demo(db());
    const [a, b] = [pair.me, pair.partner];
    const stageA = await makeDealStage(db(), a.id, { series: 1, label: 'Intro' });
    const stageB = await makeDealStage(db(), b.id, { series: 1, label: 'Inbound', phase: 'negotiation' });
    const tag = await makeTag(db(), a.id, { association: 'lead_deal', label: 'Via API' });
    const sent = await sendLead(api(), a.keys.write, a.partners[0]!.partnership_id, undefined, 'Umbrella');
    const copy = (
      await db().execute<{ id: number }>(
        sql`SELECT receiver_lead_id AS id FROM partnership_leads WHERE id = ${sent.partnershipLeadId}`,
      )
    ).rows[0]!.id;
    const res = await api().post('/v1/deals', {
      key: a.keys.write,
      body: {
        lead_id: sent.id,
        label: 'Umbrella renewal',
        deal_value: '1250.5',
        currency_code: 'BHD',
        expiration_date: '2026-06-30',
        tags: [tag.id],
        assignedUsers: [a.users[0]!.id],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { id, uuid } = res.body;

    const ours = await api().get(`/v1/deals/${uuid}`, { key: a.keys.read });
    const theirs = await api().get(`/v1/lead-deals/${id}`, { key: b.keys.read });
    expect(ours.status).toBe(200);
    expect(theirs.status).toBe(200);
    const shared = {
      id,
      uuid,
      label: 'Umbrella renewal',
      deal_value: '1250.500',
      currency_code: 'BHD',
      expiration_date: '2026-06-30',
      company_id: a.id,
      partnership_id: a.partners[0]!.partnership_id,
      created_by_user_id: a.users[0]!.id,
    };
    expect(ours.body).toMatchObject({
      ...shared,
      side: 'owner',
      lead_id: sent.id,
      stage: expect.objectContaining({ id: stageA.id, label: 'Intro' }),
      partner: { id: b.id, uuid: b.uuid, name: b.name },
      tags: [expect.objectContaining({ id: tag.id, label: 'Via API' })],
      assigned_users: [expect.objectContaining({ id: a.users[0]!.id })],
    });
    expect(theirs.body).toMatchObject({
      ...shared,
      side: 'partner',
      lead_id: copy,
      lead: expect.objectContaining({ id: copy, company_name: 'Umbrella' }),
      stage: expect.objectContaining({ id: stageB.id, phase: 'negotiation' }),
      partner: { id: a.id, uuid: a.uuid, name: a.name },
      tags: [],
      assigned_users: [],
    });
    expect(ours.body.total_commission_value).toBe(theirs.body.total_commission_value);

    const listed = await list('?view=received', b.keys.read);
    expect(listed.data.map((d) => d.id)).toEqual([id]);
    const {
      custom_fields: _,
      integration_name: __,
      integration_custom_fields: ___,
      powerups: ____,
      ...item
    } = theirs.body;
    expect(listed.data[0]).toEqual(item);
    expect((await list('?view=sent', a.keys.read)).data.map((d) => d.id)).toEqual([id]);

    const leadDeal = { id, uuid, label: 'Umbrella renewal', deal_value: '1250.500', currency_code: 'BHD' };
    expect((await api().get(`/v1/leads/${sent.id}`, { key: a.keys.read })).body.lead_deals).toEqual([
      { ...leadDeal, stage_id: stageA.id, stage_label: 'Intro', stage_series: 1, stage_phase: 'discovery' },
    ]);
    expect((await api().get(`/v1/leads/${copy}`, { key: b.keys.read })).body.lead_deals).toEqual([
      {
        ...leadDeal,
        stage_id: stageB.id,
        stage_label: 'Inbound',
        stage_series: 1,
        stage_phase: 'negotiation',
      },
    ]);

    // Deleted through the API: gone from every read of both sides.
    expect((await api().delete(`/v1/deals/${id}`, { key: a.keys.write })).status).toBe(204);
    expect((await api().get(`/v1/deals/${id}`, { key: b.keys.read })).status).toBe(404);
    expect((await list('', a.keys.read)).meta['record-count']).toBe(0);
    expect((await api().get(`/v1/leads/${copy}`, { key: b.keys.read })).body.lead_deals).toEqual([]);
  });
});
