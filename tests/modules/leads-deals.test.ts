import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoCompany } from '../../src/cli/seed.js';
import { useTestApp } from '../helpers/app.js';
import { makeDeal, makeDealStage } from '../helpers/deal-factories.js';
import { campaignBody, createLead, demo } from '../helpers/leads.js';
import { sendLead } from '../helpers/notifications.js';

// `lead_deals` on GET /v1/leads and GET /v1/leads/{id}: the lead's live deals, each as the
// caller's side sees it (its own stage), oldest first; both companies of a partnership deal see
// it on their own copy of the lead.

const ctx = useTestApp();
const db = () => ctx.t.database.db;
const api = () => ctx.t.api;

let me: DemoCompany;
let partner: DemoCompany;
let sharedLead: number;
let sharedCopy: number;
let plainLead: number;
let otherLead: number;
const deals = {} as Record<
  'owned' | 'shared' | 'yen' | 'deleted' | 'elsewhere',
  { id: number; uuid: string }
>;
const stages = {} as Record<'a' | 'b', { id: number; label: string; series: number; phase: string }>;

beforeAll(async () => {
  ({ me, partner } = await demo(db()));
  const partnershipId = me.partners[0]!.partnership_id;
  const sent = await sendLead(api(), me.keys.write, partnershipId);
  sharedLead = sent.id;
  sharedCopy = (
    await db().execute<{ id: number }>(
      sql`SELECT receiver_lead_id AS id FROM partnership_leads WHERE id = ${sent.partnershipLeadId}`,
    )
  ).rows[0]!.id;
  plainLead = (await createLead(api(), me.keys.write, campaignBody(me))).id;
  otherLead = (await createLead(api(), me.keys.write, campaignBody(me))).id;
  stages.a = await makeDealStage(db(), me.id, { phase: 'negotiation', series: 3, label: 'Ours' });
  stages.b = await makeDealStage(db(), partner.id, { phase: 'closed_won', series: 2, label: 'Theirs' });

  deals.owned = await makeDeal(db(), {
    owner: { companyId: me.id, leadId: sharedLead, stageId: stages.a.id },
    partner: { companyId: partner.id, leadId: sharedCopy, stageId: stages.b.id },
    partnershipId,
    label: 'First',
    dealValue: '1250.5',
    createdAt: new Date(Date.now() - 3 * 86_400_000),
  });
  deals.shared = await makeDeal(db(), {
    owner: { companyId: partner.id, leadId: sharedCopy, stageId: stages.b.id },
    partner: { companyId: me.id, leadId: sharedLead },
    partnershipId,
    label: 'Second',
    dealValue: '0.3',
    createdAt: new Date(Date.now() - 2 * 86_400_000),
  });
  deals.yen = await makeDeal(db(), {
    owner: { companyId: me.id, leadId: sharedLead },
    label: 'Third',
    dealValue: '99',
    currencyCode: 'JPY',
    createdAt: new Date(Date.now() - 86_400_000),
  });
  deals.deleted = await makeDeal(db(), { owner: { companyId: me.id, leadId: sharedLead }, label: 'Gone' });
  await db().execute(sql`UPDATE deals SET deleted_at = now() WHERE id = ${deals.deleted.id}`);
  deals.elsewhere = await makeDeal(db(), { owner: { companyId: me.id, leadId: otherLead }, label: 'Other' });
});

const leadDeal = (
  deal: { id: number; uuid: string },
  label: string,
  value: string,
  currency: string,
  stage: { id: number; label: string; series: number; phase: string } | null,
) => ({
  id: deal.id,
  uuid: deal.uuid,
  label,
  deal_value: value,
  currency_code: currency,
  stage_id: stage?.id ?? null,
  stage_label: stage?.label ?? null,
  stage_series: stage?.series ?? null,
  stage_phase: stage?.phase ?? null,
});

describe('lead_deals', () => {
  it("GET /v1/leads/{id}: the lead's live deals, with the caller's side's stage, oldest first", async () => {
    const ours = await api().get(`/v1/leads/${sharedLead}`, { key: me.keys.read });
    expect(ours.status).toBe(200);
    expect(ours.body.lead_deals).toEqual([
      leadDeal(deals.owned, 'First', '1250.50', 'USD', stages.a),
      leadDeal(deals.shared, 'Second', '0.30', 'USD', null),
      leadDeal(deals.yen, 'Third', '99', 'JPY', null),
    ]);
    const theirs = await api().get(`/v1/leads/${sharedCopy}`, { key: partner.keys.read });
    expect(theirs.body.lead_deals).toEqual([
      leadDeal(deals.owned, 'First', '1250.50', 'USD', stages.b),
      leadDeal(deals.shared, 'Second', '0.30', 'USD', stages.b),
    ]);
    const none = await api().get(`/v1/leads/${plainLead}`, { key: me.keys.read });
    expect(none.body.lead_deals).toEqual([]);
  });

  it('GET /v1/leads: every item carries its deals, the same as the get', async () => {
    const res = await api().get('/v1/leads?pageSize=50', { key: me.keys.read });
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.data.map((l: { id: number }) => [l.id, l]));
    expect(byId[sharedLead].lead_deals.map((d: { id: number }) => d.id)).toEqual([
      deals.owned.id,
      deals.shared.id,
      deals.yen.id,
    ]);
    expect(byId[otherLead].lead_deals).toEqual([leadDeal(deals.elsewhere, 'Other', '0.00', 'USD', null)]);
    expect(byId[plainLead].lead_deals).toEqual([]);
    const got = (await api().get(`/v1/leads/${sharedLead}`, { key: me.keys.read })).body;
    expect(byId[sharedLead].lead_deals).toEqual(got.lead_deals);
    // A search and a later page are other statements: they carry the deals too.
    const page2 = await api().get('/v1/leads?pageSize=1&page=3&sort=created_at', { key: me.keys.read });
    const copy = await api().get('/v1/leads?search=initech', { key: partner.keys.read });
    expect(copy.body.data.find((l: { id: number }) => l.id === sharedCopy).lead_deals).toHaveLength(2);
    // Oldest first: the shared lead, the plain one, then the other one.
    expect(page2.body.data).toEqual([byId[otherLead]]);
  });
});
