import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { makeCustomField } from '../helpers/catalogue-factories.js';
import {
  createDeal,
  dealRow,
  entry,
  makeDealTag,
  ownLead,
  partnershipWorld,
  paymentsOf,
  setTierCommission,
  sidesOf,
} from '../helpers/deal-commands.js';
import { makeDealStage } from '../helpers/deal-factories.js';
import { makeTenant, makeUser } from '../helpers/factories.js';
import { demo } from '../helpers/leads.js';

// PATCH /v1/deals/{id} (and /v1/lead-deals/{id}) by the owner: only what is sent changes, the
// total commission follows the value and the currency exactly, entering a payment stage pays.
// The partner's side: deals-sides.test.ts.

const ctx = useTestApp({ RATE_LIMIT_PER_MINUTE: '100000' }, { relay: false });
const db = () => ctx.t.database.db;
const api = () => ctx.t.api;
const problems = (body: any) => body.details?.map((d: any) => `${d.path}: ${d.message}`);

async function simpleDeal(body: Record<string, unknown> = {}) {
  const { me, partner } = await demo(db());
  const lead = await ownLead(api(), me);
  const deal = await createDeal(api(), me.keys.write, { lead_id: lead.id, ...body });
  return { me, partner, lead, deal };
}

describe('PATCH /v1/deals/{id}', () => {
  it('changes what is sent and answers {id, uuid, updated_at}', async () => {
    const { me, deal } = await simpleDeal({
      label: 'Old',
      deal_value: '10.50',
      expiration_date: '2026-01-01',
    });
    const before = await dealRow(db(), deal.id);
    const res = await api().patch(`/v1/deals/${deal.id}`, {
      key: me.keys.write,
      body: { label: 'New', deal_value: 99.99 },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['id', 'updated_at', 'uuid']);
    expect(res.body).toMatchObject({ id: deal.id, uuid: deal.uuid });
    expect(new Date(res.body.updated_at).getTime()).toBeGreaterThan(new Date(before!.updated_at).getTime());
    expect(await dealRow(db(), deal.id)).toMatchObject({
      label: 'New',
      deal_value: '99.9900',
      currency_code: 'USD',
      expiration_date: '2026-01-01',
    });
    const cleared = await api().patch(`/v1/lead-deals/${deal.uuid}`, {
      key: me.keys.write,
      body: { expiration_date: null, deal_label: 'Legacy label' },
    });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    expect(await dealRow(db(), deal.id)).toMatchObject({ label: 'Legacy label', expiration_date: null });
    const empty = await api().patch(`/api/v1/deals/${deal.id}`, { key: me.keys.write, body: {} });
    expect(empty.status).toBe(200);
  });

  it('replaces tags and users, upserts and removes values, moves the stage', async () => {
    const { me } = await demo(db());
    const lead = await ownLead(api(), me);
    const [t1, t2, t3] = [
      await makeDealTag(db(), me.id),
      await makeDealTag(db(), me.id),
      await makeDealTag(db(), me.id),
    ];
    const second = await makeUser(db(), me.id);
    const s1 = await makeDealStage(db(), me.id, { series: 1 });
    const s2 = await makeDealStage(db(), me.id, { series: 2 });
    const f1 = await makeCustomField(db(), me.id, 'number', { category: 'lead_deal' });
    const f2 = await makeCustomField(db(), me.id, 'text', { category: 'lead_deal' });
    const deal = await createDeal(api(), me.keys.write, {
      lead_id: lead.id,
      tags: [t1.id, t2.id],
      assignedUsers: [me.users[0]!.id],
      customFields: [
        { customFieldId: f1.id, type: 'number', value: { number: 1 } },
        { customFieldId: f2.id, type: 'text', value: { text: 'keep' } },
      ],
    });
    expect((await sidesOf(db(), deal.id)).owner.stage_id).toBe(s1.id);
    const res = await api().patch(`/v1/deals/${deal.id}`, {
      key: me.keys.write,
      body: {
        tags: [t2.id],
        tag_uuids: [t3.uuid],
        assignedUsers: [second.id],
        stage_uuid: s2.uuid,
        customFields: [{ customFieldId: f1.id, type: 'number', value: null }],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await sidesOf(db(), deal.id)).owner).toMatchObject({
      stage_id: s2.id,
      tags: [t2.id, t3.id],
      users: [second.id],
      values: { [f2.id]: { text: 'keep' } },
    });
  });

  it('recomputes the total commission from the value and the currency, exactly', async () => {
    const w = await partnershipWorld(db(), api());
    const pay = await makeDealStage(db(), w.me.id, { pipeline: 'payment' });
    await setTierCommission(db(), w.me.id, w.partnershipId, {
      entries: [
        entry(pay.id, 'percentage', '2.5'),
        entry(pay.id, 'fixed', '0.1'),
        entry(pay.id, 'fixed', '0.2'),
      ],
    });
    const deal = await createDeal(api(), w.me.keys.write, { lead_id: w.myLead, deal_value: '100' });
    expect((await dealRow(db(), deal.id))!.total_commission_value).toBe('2.8000');
    const patch = (body: unknown) => api().patch(`/v1/deals/${deal.id}`, { key: w.me.keys.write, body });
    expect((await patch({ deal_value: '1000.30' })).status).toBe(200);
    // 2.5 % of 1000.30 = 25.0075 → 25.01, + 0.1 + 0.2 = 25.31
    expect((await dealRow(db(), deal.id))!.total_commission_value).toBe('25.3100');
    // The stored value has decimals JPY does not have: refused, naming the currency.
    const jpy = await patch({ currency_code: 'JPY' });
    expect(jpy.status).toBe(400);
    expect(problems(jpy.body)).toEqual(['currency_code: JPY amounts have no decimals']);
    expect((await patch({ currency_code: 'JPY', deal_value: '1001' })).status).toBe(200);
    // 25.025 → 25, 0.1 → 0, 0.2 → 0: each amount rounds to the yen.
    expect(await dealRow(db(), deal.id)).toMatchObject({
      currency_code: 'JPY',
      total_commission_value: '25.0000',
    });
  });

  it('entering a payment stage an entry names makes its payments, once', async () => {
    const w = await partnershipWorld(db(), api());
    const pay = await makeDealStage(db(), w.me.id, { pipeline: 'payment', series: 1 });
    const other = await makeDealStage(db(), w.me.id, { pipeline: 'payment', series: 2 });
    await setTierCommission(db(), w.me.id, w.partnershipId, { entries: [entry(pay.id, 'fixed', '75', 2)] });
    const deal = await createDeal(api(), w.me.keys.write, { lead_id: w.myLead, deal_value: '500' });
    const patch = (body: unknown) => api().patch(`/v1/deals/${deal.id}`, { key: w.me.keys.write, body });
    expect((await patch({ payment_stage_id: other.id })).status).toBe(200);
    expect(await paymentsOf(db(), deal.id)).toEqual([]);
    expect((await patch({ payment_stage_uuid: pay.uuid })).status).toBe(200);
    const made = await paymentsOf(db(), deal.id);
    expect(made.map((p) => [p.payment_stage_id, p.occurrence, p.payment_value])).toEqual([
      [pay.id, 1, '75.0000'],
      [pay.id, 2, '75.0000'],
    ]);
    expect((await patch({ payment_stage_id: null })).status).toBe(200);
    expect((await patch({ payment_stage_id: pay.id, deal_value: '900' })).status).toBe(200);
    expect(await paymentsOf(db(), deal.id)).toEqual(made);
  });

  it('reports every problem in one 400 and changes nothing', async () => {
    const { me, partner, deal } = await simpleDeal({ label: 'Same' });
    const outsider = await makeTenant(db());
    const theirStage = await makeDealStage(db(), partner.id);
    const theirPayment = await makeDealStage(db(), partner.id, { pipeline: 'payment' });
    const res = await api().patch(`/v1/deals/${deal.id}`, {
      key: me.keys.write,
      body: {
        label: 'Changed',
        deal_value: '1.001',
        stage_id: theirStage.id,
        payment_stage_id: theirPayment.id,
        tags: [me.tags[0]!.id],
        assignedUsers: [outsider.admin.id],
        currency_uuid: '00000000-0000-4000-8000-000000000003',
        customFields: [{ customFieldId: me.customFields[0]!.id, type: 'number', value: { number: 1 } }],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: any) => d.path).sort()).toEqual(
      [
        'assignedUsers[0]',
        'currency_uuid',
        'customFields[0].customFieldId',
        'payment_stage_id',
        'stage_id',
        'tags[0]',
      ].sort(),
    );
    expect((await dealRow(db(), deal.id))!.label).toBe('Same');
    const money = await api().patch(`/v1/deals/${deal.id}`, {
      key: me.keys.write,
      body: { deal_value: '1.001' },
    });
    expect(problems(money.body)).toEqual(['deal_value: USD amounts have at most 2 decimals']);
  });

  it("is 404 for another company's deal, a deleted one and one that never was, by id or uuid", async () => {
    const { me, deal } = await simpleDeal();
    const outsider = await makeTenant(db());
    for (const path of [`/v1/deals/${deal.id}`, `/v1/deals/${deal.uuid}`]) {
      const res = await api().patch(path, { key: outsider.writeKey, body: { label: 'x' } });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'Deal not found or not accessible', code: 'not_found' });
    }
    expect((await api().patch('/v1/deals/2147483647', { key: me.keys.write, body: {} })).status).toBe(404);
    await db().execute(sql`UPDATE deals SET deleted_at = now() WHERE id = ${deal.id}`);
    expect((await api().patch(`/v1/deals/${deal.id}`, { key: me.keys.write, body: {} })).status).toBe(404);
  });
});
