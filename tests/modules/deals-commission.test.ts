import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { dealPayments, events } from '../../src/db/schema/index.js';
import { useTestApp } from '../helpers/app.js';
import { createDeal, partnershipWorld } from '../helpers/deal-commands.js';
import { makeDeal, makeDealStage } from '../helpers/deal-factories.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';
import { demo } from '../helpers/leads.js';

// GET / PUT /v1/deals/{id}/commission (B4/B5): exact arithmetic in the deal's currency, the
// owner's payment stages, both sides reading the same commission, the owner alone setting it.

const ctx = useTestApp();
const api = () => ctx.t.api;
const db = () => ctx.t.database.db;

const OWNER_ONLY = {
  error:
    'Only the company that owns this deal can change its label, value, currency, expiration date, payment stage or commission, or delete it',
  code: 'forbidden',
};
const NO_PARTNERSHIP = {
  error: 'Commission applies to partnership deals only: this deal has no partnership',
  code: 'conflict',
};
const DEAL_NOT_FOUND = { error: 'Deal not found or not accessible', code: 'not_found' };

type Calc = { type?: string; option: string; value: string | number; number_of_occurrences?: number };
const entry = (payment_stage_id: number, calculation: Calc) => ({ payment_stage_id, calculation });

/** Two partner companies, two payment stages of the owner, and a partnership deal. */
async function world(deal: { dealValue?: string; currencyCode?: string; paymentStageId?: number } = {}) {
  const { me, partner } = await demo(db());
  const pending = await makeDealStage(db(), me.id, { pipeline: 'payment', phase: 'pending', series: 1 });
  const paid = await makeDealStage(db(), me.id, { pipeline: 'payment', phase: 'paid', series: 2 });
  const row = await makeDeal(db(), {
    owner: { companyId: me.id },
    partner: { companyId: partner.id },
    partnershipId: me.partners[0]!.partnership_id,
    dealValue: deal.dealValue ?? '333.33',
    currencyCode: deal.currencyCode ?? 'USD',
    paymentStageId: deal.paymentStageId === -1 ? pending.id : null,
  });
  const put = (calculation: unknown, key = me.keys.write) =>
    api().request('PUT', `/v1/deals/${row.id}/commission`, { key, body: { calculation } });
  const get = (key = me.keys.read) => api().get(`/v1/deals/${row.id}/commission`, { key });
  return { me, partner, pending, paid, deal: row, put, get };
}

describe('commission: exact arithmetic', () => {
  it('10% of 333.33 is 33.33; recurring × 3 is 99.99; a deal without one has none', async () => {
    const { pending, paid, put, get } = await world();
    expect((await get()).body).toEqual({
      calculation: null,
      total_commission_value: '0.00',
      currency_code: 'USD',
    });
    const res = await put({
      entries: [
        entry(pending.id, { option: 'percentage', value: '10' }),
        entry(paid.id, { type: 'recurring', option: 'percentage', value: 10, number_of_occurrences: 3 }),
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      calculation: {
        entries: [
          {
            payment_stage_id: pending.id,
            payment_stage_uuid: pending.uuid,
            payment_stage_label: pending.label,
            calculation: { type: 'oneOff', option: 'percentage', value: '10', number_of_occurrences: 1 },
            amount_per_occurrence: '33.33',
            amount: '33.33',
          },
          {
            payment_stage_id: paid.id,
            payment_stage_uuid: paid.uuid,
            payment_stage_label: paid.label,
            calculation: { type: 'recurring', option: 'percentage', value: '10', number_of_occurrences: 3 },
            amount_per_occurrence: '33.33',
            amount: '99.99',
          },
        ],
      },
      total_commission_value: '133.32',
      currency_code: 'USD',
    });
    expect((await get()).body).toEqual(res.body);
    // null removes it.
    const removed = await put(null);
    expect(removed.body).toEqual({ calculation: null, total_commission_value: '0.00', currency_code: 'USD' });
  });

  it('0.1 + 0.2 in fixed entries is 0.30', async () => {
    const { pending, paid, put } = await world();
    const res = await put({
      entries: [
        entry(pending.id, { option: 'fixed', value: 0.1 }),
        entry(paid.id, { option: 'fixed', value: '0.2' }),
      ],
    });
    expect(res.body.total_commission_value).toBe('0.30');
    expect(res.body.calculation.entries.map((e: any) => e.amount)).toEqual(['0.10', '0.20']);
  });

  it('JPY has no decimals, BHD three (rounded half away from zero)', async () => {
    const jpy = await world({ dealValue: '1005', currencyCode: 'JPY' });
    const yen = await jpy.put({
      entries: [
        entry(jpy.pending.id, { option: 'percentage', value: '12.5' }),
        entry(jpy.paid.id, { option: 'fixed', value: '300' }),
      ],
    });
    // 12.5% of 1005 = 125.625 → 126.
    expect(yen.body).toMatchObject({ total_commission_value: '426', currency_code: 'JPY' });
    expect(yen.body.calculation.entries.map((e: any) => e.amount)).toEqual(['126', '300']);
    const cents = await jpy.put({ entries: [entry(jpy.pending.id, { option: 'fixed', value: '10.5' })] });
    expect(cents.status).toBe(400);
    expect(cents.body.details).toEqual([
      { path: 'calculation.entries[0].calculation.value', message: 'JPY amounts have no decimals' },
    ]);

    const bhd = await world({ dealValue: '1.235', currencyCode: 'BHD' });
    const dinar = await bhd.put({
      entries: [
        entry(bhd.pending.id, { option: 'percentage', value: '10' }),
        entry(bhd.paid.id, { option: 'fixed', value: '0.001' }),
      ],
    });
    // 10% of 1.235 = 0.1235 → 0.124.
    expect(dinar.body.calculation.entries.map((e: any) => e.amount)).toEqual(['0.124', '0.001']);
    expect(dinar.body.total_commission_value).toBe('0.125');
    const tooFine = await bhd.put({ entries: [entry(bhd.pending.id, { option: 'fixed', value: '0.0005' })] });
    expect(tooFine.body.details).toEqual([
      { path: 'calculation.entries[0].calculation.value', message: 'BHD amounts have at most 3 decimals' },
    ]);
  });

  it('15-digit values stay exact; a total past 15 digits is a 400, not a 500', async () => {
    const big = await world({ dealValue: '999999999999999.98' });
    const res = await big.put({
      entries: [
        entry(big.pending.id, { option: 'percentage', value: '50' }),
        entry(big.paid.id, { option: 'percentage', value: '0.0001' }),
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.calculation.entries.map((e: any) => e.amount)).toEqual([
      '499999999999999.99',
      '1000000000.00',
    ]);
    expect(res.body.total_commission_value).toBe('500000999999999.99');
    const over = await big.put({
      entries: [
        entry(big.pending.id, {
          type: 'recurring',
          option: 'percentage',
          value: '100',
          number_of_occurrences: 2,
        }),
      ],
    });
    expect(over.status).toBe(400);
    expect(over.body.details).toEqual([
      { path: 'calculation', message: 'makes a commission of more than 15 digits before the decimal point' },
    ]);
    // Nothing was written.
    expect((await big.get()).body.calculation.entries).toHaveLength(2);
  });

  it("is recomputed when the deal's value or currency changes (PATCH /v1/deals/{id})", async () => {
    const w = await partnershipWorld(db(), api());
    const stage = await makeDealStage(db(), w.me.id, { pipeline: 'payment' });
    const deal = await createDeal(api(), w.me.keys.write, { lead_id: w.myLead, deal_value: '333.33' });
    const url = `/v1/deals/${deal.id}/commission`;
    const put = await api().request('PUT', url, {
      key: w.me.keys.write,
      body: {
        calculation: {
          entries: [
            entry(stage.id, {
              type: 'recurring',
              option: 'percentage',
              value: '10',
              number_of_occurrences: 3,
            }),
          ],
        },
      },
    });
    expect(put.body.total_commission_value).toBe('99.99');
    const patched = await api().patch(`/v1/deals/${deal.id}`, {
      key: w.me.keys.write,
      body: { deal_value: '1000.05' },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const after = (await api().get(url, { key: w.partner.keys.read })).body;
    expect(after.calculation.entries[0]).toMatchObject({ amount_per_occurrence: '100.01', amount: '300.03' });
    expect(after.total_commission_value).toBe('300.03');
    // Into yen: 10% of 1000 is 100, three times.
    await api().patch(`/v1/deals/${deal.id}`, {
      key: w.me.keys.write,
      body: { deal_value: '1000', currency_code: 'JPY' },
    });
    expect((await api().get(url, { key: w.me.keys.read })).body).toMatchObject({
      total_commission_value: '300',
      currency_code: 'JPY',
    });
  });
});

describe('commission: who may', () => {
  it('both sides read the same commission; only the owner sets it (the partner gets 403)', async () => {
    const { partner, pending, put, get } = await world();
    await put({ entries: [entry(pending.id, { option: 'fixed', value: '50' })] });
    const mine = (await get()).body;
    const theirs = await get(partner.keys.read);
    expect(theirs.status).toBe(200);
    expect(theirs.body).toEqual(mine);
    const refused = await put({ entries: [] }, partner.keys.write);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(OWNER_ONLY);
    expect((await get()).body).toEqual(mine);
  });

  it('a deal without a partnership has no commission (409); another company sees no deal (404)', async () => {
    const { me } = await demo(db());
    const solo = await makeDeal(db(), { owner: { companyId: me.id }, dealValue: '10' });
    const res = await api().request('PUT', `/v1/deals/${solo.id}/commission`, {
      key: me.keys.write,
      body: { calculation: { entries: [] } },
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual(NO_PARTNERSHIP);
    expect((await api().get(`/v1/deals/${solo.id}/commission`, { key: me.keys.read })).body).toEqual({
      calculation: null,
      total_commission_value: '0.00',
      currency_code: 'USD',
    });
    const other = await makeTenant(db());
    for (const path of [`/v1/deals/${solo.id}/commission`, `/v1/lead-deals/${solo.uuid}/commission`]) {
      expect((await api().get(path, { key: other.readKey })).body).toEqual(DEAL_NOT_FOUND);
      const put = await api().request('PUT', path, { key: other.writeKey, body: { calculation: null } });
      expect(put.status).toBe(404);
      expect(put.body).toEqual(DEAL_NOT_FOUND);
    }
    await db().execute(sql`UPDATE deals SET deleted_at = now() WHERE id = ${solo.id}`);
    expect((await api().get(`/v1/deals/${solo.id}/commission`, { key: me.keys.read })).status).toBe(404);
  });

  it('a partnerships user may read but not set it (403 admin role)', async () => {
    const { me, pending, put, get } = await world();
    const member = await makeUser(db(), me.id, { role: 'partnerships' });
    const { key } = await makeApiKey(db(), me.id, 'write', { userId: member.id });
    expect((await get(key)).status).toBe(200);
    const res = await put({ entries: [entry(pending.id, { option: 'fixed', value: '1' })] }, key);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'Admin role required for this operation', code: 'forbidden' });
  });
});

describe('commission: validation', () => {
  it('names every bad entry: stages not the owner’s payment stages, repeats, percentages over 100', async () => {
    const { me, partner, pending, paid, put } = await world();
    const dealStage = await makeDealStage(db(), me.id, { pipeline: 'lead_deal' });
    const theirs = await makeDealStage(db(), partner.id, { pipeline: 'payment' });
    const res = await put({
      entries: [
        entry(pending.id, { option: 'percentage', value: '100.01' }),
        entry(dealStage.id, { option: 'fixed', value: '1' }),
        entry(theirs.id, { option: 'fixed', value: '1' }),
        entry(pending.id, { option: 'fixed', value: '1' }),
        entry(paid.id, { type: 'oneOff', option: 'fixed', value: '1', number_of_occurrences: 2 }),
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      { path: 'calculation.entries[0].calculation.value', message: 'a percentage must be at most 100' },
      {
        path: 'calculation.entries[1].payment_stage_id',
        message: `no payment stage in your company with id ${dealStage.id}`,
      },
      {
        path: 'calculation.entries[2].payment_stage_id',
        message: `no payment stage in your company with id ${theirs.id}`,
      },
      {
        path: 'calculation.entries[3].payment_stage_id',
        message: `payment stage ${pending.id} already has an entry`,
      },
      {
        path: 'calculation.entries[4].calculation.number_of_occurrences',
        message: 'a oneOff entry has one occurrence: use type recurring for more',
      },
    ]);
  });

  it('refuses malformed bodies by schema, naming the field', async () => {
    const { pending, put, deal, me } = await world();
    const cases: [unknown, string][] = [
      [
        { entries: [entry(pending.id, { option: 'fixed', value: '-1' })] },
        'calculation.entries[0].calculation.value',
      ],
      [
        { entries: [entry(pending.id, { option: 'share', value: '1' })] },
        'calculation.entries[0].calculation.option',
      ],
      [
        {
          entries: [
            entry(pending.id, { type: 'recurring', option: 'fixed', value: '1', number_of_occurrences: 0 }),
          ],
        },
        'calculation.entries[0].calculation.number_of_occurrences',
      ],
      [{ entries: 'all' }, 'calculation.entries'],
    ];
    for (const [calculation, path] of cases) {
      const res = await put(calculation);
      expect(res.status, JSON.stringify(calculation)).toBe(400);
      expect(res.body.details.map((d: any) => d.path)).toContain(path);
    }
    const missing = await api().request('PUT', `/v1/deals/${deal.id}/commission`, {
      key: me.keys.write,
      body: {},
    });
    expect(missing.status).toBe(400);
    expect(missing.body.details.map((d: any) => d.path)).toEqual(['calculation']);
  });
});

describe('commission: payments and events', () => {
  it('a new entry for the payment stage the deal is in pays now, once; events go to both sides', async () => {
    const { me, partner, pending, paid, deal, put } = await world({ paymentStageId: -1 });
    const before = await db().select({ id: events.id }).from(events).orderBy(asc(events.id));
    const since = before.at(-1)?.id ?? 0;
    const res = await put({
      entries: [
        entry(pending.id, { type: 'recurring', option: 'percentage', value: '10', number_of_occurrences: 2 }),
        entry(paid.id, { option: 'fixed', value: '5' }),
      ],
    });
    expect(res.status).toBe(200);
    const payments = await db()
      .select()
      .from(dealPayments)
      .where(eq(dealPayments.deal_id, deal.id))
      .orderBy(asc(dealPayments.occurrence));
    expect(
      payments.map((p) => [p.payment_stage_id, p.occurrence, p.payment_value, p.partnership_id]),
    ).toEqual([
      [pending.id, 1, '33.3300', me.partners[0]!.partnership_id],
      [pending.id, 2, '33.3300', me.partners[0]!.partnership_id],
    ]);
    // The same calculation again pays nothing twice.
    await put({
      entries: [
        entry(pending.id, { type: 'recurring', option: 'percentage', value: '10', number_of_occurrences: 2 }),
      ],
    });
    expect(await db().select().from(dealPayments).where(eq(dealPayments.deal_id, deal.id))).toHaveLength(2);

    const recorded = await db()
      .select()
      .from(events)
      .where(and(inArray(events.company_id, [me.id, partner.id]), sql`${events.id} > ${since}`))
      .orderBy(asc(events.id));
    const byType = (type: string, companyId: number) =>
      recorded.filter((e) => e.type === type && e.company_id === companyId);
    expect(byType('deals.update', me.id)).toHaveLength(2);
    expect(byType('deals.update', partner.id)).toHaveLength(2);
    expect(byType('deals.update', partner.id)[0]!.payload).toMatchObject({
      deal: { uuid: deal.uuid, total_commission_value: '71.66', deal_value: '333.33', currency_code: 'USD' },
    });
    for (const company of [me.id, partner.id]) {
      const created = byType('payments.create', company);
      expect(created.map((e: any) => e.payload.payment.occurrence).sort()).toEqual([1, 2]);
      expect(created[0]!.payload).toMatchObject({
        payment: { deal_uuid: deal.uuid, payment_value: '33.33', currency: { code: 'USD' }, approved: null },
        deal: { uuid: deal.uuid, label: deal.label },
      });
    }
  });
});

describe('commission: tier defaults', () => {
  it('a tier carries a default calculation of its company’s payment stages, stored normalized', async () => {
    const { me, partner, pending, paid } = await world();
    const res = await api().post('/v1/tiers', {
      key: me.keys.write,
      body: {
        label: `Gold ${Date.now()}`,
        commission_calculation: {
          entries: [
            entry(pending.id, { option: 'percentage', value: 12.5 }),
            entry(paid.id, { type: 'recurring', option: 'fixed', value: '100', number_of_occurrences: 4 }),
          ],
        },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const stored = {
      entries: [
        {
          payment_stage_id: pending.id,
          calculation: { type: 'oneOff', option: 'percentage', value: '12.5', number_of_occurrences: 1 },
        },
        {
          payment_stage_id: paid.id,
          calculation: { type: 'recurring', option: 'fixed', value: '100', number_of_occurrences: 4 },
        },
      ],
    };
    expect(res.body.commission_calculation).toEqual(stored);
    expect(
      (await api().get(`/v1/tiers/${res.body.id}`, { key: me.keys.read })).body.commission_calculation,
    ).toEqual(stored);
    // PATCH replaces it; null removes it; a PATCH without it leaves it.
    const patched = await api().patch(`/v1/tiers/${res.body.id}`, {
      key: me.keys.write,
      body: { commission_calculation: { entries: [entry(paid.id, { option: 'fixed', value: '1' })] } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.commission_calculation.entries).toHaveLength(1);
    const relabelled = await api().patch(`/v1/tiers/${res.body.id}`, {
      key: me.keys.write,
      body: { label: `Platinum ${Date.now()}` },
    });
    expect(relabelled.body.commission_calculation.entries).toHaveLength(1);
    const cleared = await api().patch(`/v1/tiers/${res.body.id}`, {
      key: me.keys.write,
      body: { commission_calculation: null },
    });
    expect(cleared.body.commission_calculation).toBeNull();
    // A tier without one.
    const plain = await api().post('/v1/tiers', {
      key: me.keys.write,
      body: { label: `Plain ${Date.now()}` },
    });
    expect(plain.body.commission_calculation).toBeNull();

    // Another company's payment stage, or a deal stage, is a 400 naming the entry; nothing is written.
    const theirs = await makeDealStage(db(), partner.id, { pipeline: 'payment' });
    const bad = await api().post('/v1/tiers', {
      key: me.keys.write,
      body: {
        label: `Bad ${Date.now()}`,
        commission_calculation: {
          entries: [
            entry(theirs.id, { option: 'fixed', value: '1' }),
            entry(pending.id, { option: 'percentage', value: '101' }),
          ],
        },
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([
      {
        path: 'commission_calculation.entries[0].payment_stage_id',
        message: `no payment stage in your company with id ${theirs.id}`,
      },
      {
        path: 'commission_calculation.entries[1].calculation.value',
        message: 'a percentage must be at most 100',
      },
    ]);
    const badPatch = await api().patch(`/v1/tiers/${res.body.id}`, {
      key: me.keys.write,
      body: { commission_calculation: { entries: [entry(theirs.id, { option: 'fixed', value: '1' })] } },
    });
    expect(badPatch.status).toBe(400);
    expect(
      (await api().get(`/v1/tiers/${res.body.id}`, { key: me.keys.read })).body.commission_calculation,
    ).toBeNull();
  });
});

describe('commission: from the tier to the deal', () => {
  it("a new partnership deal copies its partnership's tier default, and pays at its payment stage", async () => {
    const w = await partnershipWorld(db(), api());
    const stage = await makeDealStage(db(), w.me.id, { pipeline: 'payment' });
    const tier = await api().post('/v1/tiers', {
      key: w.me.keys.write,
      body: {
        label: `Gold ${Date.now()}`,
        commission_calculation: { entries: [entry(stage.id, { option: 'percentage', value: '15' })] },
      },
    });
    expect(tier.status, JSON.stringify(tier.body)).toBe(201);
    const side = await api().patch(`/v1/partners/${w.me.partners[0]!.id}`, {
      key: w.me.keys.write,
      body: { tierId: tier.body.id },
    });
    expect(side.status, JSON.stringify(side.body)).toBe(200);
    const deal = await createDeal(api(), w.me.keys.write, {
      lead_id: w.myLead,
      deal_value: '200.10',
      payment_stage_id: stage.id,
    });
    const commission = await api().get(`/v1/deals/${deal.id}/commission`, { key: w.partner.keys.read });
    expect(commission.body).toEqual({
      calculation: {
        entries: [
          {
            payment_stage_id: stage.id,
            payment_stage_uuid: stage.uuid,
            payment_stage_label: stage.label,
            calculation: { type: 'oneOff', option: 'percentage', value: '15', number_of_occurrences: 1 },
            amount_per_occurrence: '30.02',
            amount: '30.02',
          },
        ],
      },
      total_commission_value: '30.02',
      currency_code: 'USD',
    });
    const payments = await api().get(`/v1/deals/${deal.id}/payments`, { key: w.me.keys.read });
    expect(payments.body.map((p: any) => p.payment_value)).toEqual(['30.02']);
  });
});
