import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoCompany } from '../../src/cli/seed.js';
import { dealPayments, deals } from '../../src/db/schema/index.js';
import { useTestApp } from '../helpers/app.js';
import { createDeal } from '../helpers/deal-commands.js';
import { makeDeal, makeDealStage } from '../helpers/deal-factories.js';
import { makeApiKey, makeCompany, makeUser } from '../helpers/factories.js';
import { demo } from '../helpers/leads.js';
import { invite, sendLead } from '../helpers/notifications.js';

// GET /v1/reports/partners: every measure against numbers worked out by hand from the fixture
// below (dates in March 2025, UTC), the range's edges, the currency, sorts, pages, totals,
// tenancy (each company sees its own side), the 400s and the caller checks.
//
// Companies: A (the demo's first, the caller), B (the demo's partner, "Contoso Partners"),
// C ("Acme Resellers", a reseller partnership with A), D ("Zeta Pending": invited by A, never
// answered), E (a company of B's only).

const ctx = useTestApp();
const db = () => ctx.t.database.db;
const api = () => ctx.t.api;

let me: DemoCompany;
let partner: DemoCompany;
/** A's company partnership ids, by partner. */
const side = {} as Record<'B' | 'C' | 'D', number>;
/** B's company partnership ids. */
const bSide = {} as Record<'A' | 'E', number>;
let partnershipAB: number;

type Tenant = Parameters<typeof invite>[2];

async function tenant(name: string): Promise<Tenant> {
  const company = await makeCompany(db(), {
    name,
    domain: `${name.toLowerCase().replace(/\W+/g, '-')}.test`,
  });
  const admin = await makeUser(db(), company.id, { role: 'admin' });
  const write = await makeApiKey(db(), company.id, 'write', { userId: admin.id });
  const read = await makeApiKey(db(), company.id, 'read', { userId: admin.id });
  return { company, admin, writeKey: write.key, readKey: read.key, writeKeyId: write.id, readKeyId: read.id };
}

const at = (iso: string) => new Date(iso);

async function stampLead(partnershipLeadId: number | null, iso: string) {
  await db().execute(
    sql`UPDATE partnership_leads SET created_at = ${iso}::timestamptz WHERE id = ${partnershipLeadId}`,
  );
}

interface PaymentSpec {
  deal: { id: number; company_id: number; partnership_id: number | null };
  occurrence?: number;
  value: string;
  currency?: string;
  approved?: boolean | null;
  completedAt?: string;
  createdAt: string;
}

async function pay(p: PaymentSpec) {
  await db()
    .insert(dealPayments)
    .values({
      deal_id: p.deal.id,
      company_id: p.deal.company_id,
      partnership_id: p.deal.partnership_id!,
      occurrence: p.occurrence ?? 1,
      payment_value: p.value,
      currency_code: p.currency ?? 'USD',
      payment_date: p.createdAt.slice(0, 10),
      approved: p.approved ?? null,
      payment_completed: p.completedAt !== undefined,
      payment_completed_date: p.completedAt ? at(p.completedAt) : null,
      created_at: at(p.createdAt),
      updated_at: at(p.createdAt),
    });
}

beforeAll(async () => {
  ({ me, partner } = await demo(db()));
  side.B = me.partners[0]!.id;
  partnershipAB = me.partners[0]!.partnership_id;
  bSide.A = partner.partners[0]!.id;
  // invite() reads only the invited company's domain and keys.
  const asTenant = (c: DemoCompany) =>
    ({
      company: { id: c.id, domain: c.domain },
      readKey: c.keys.read,
      writeKey: c.keys.write,
    }) as unknown as Tenant;

  const c = await tenant('Acme Resellers');
  const toC = await invite(api(), me.keys.write, c, { partnerType: 'reseller' });
  await toC.answer('accept');
  side.C = toC.mine.id;
  const partnershipAC = toC.mine.partnership_id as number;

  const d = await tenant('Zeta Pending');
  side.D = (await invite(api(), me.keys.write, d)).mine.id;

  const e = await tenant('Echo Ltd');
  const eToB = await invite(api(), e.writeKey, asTenant(partner));
  await eToB.answer('accept');
  bSide.E = eToB.theirs.id;
  const partnershipEB = eToB.mine.partnership_id as number;

  // Leads over A–B: A sends three (the range's first instant, its last, the next day's first),
  // B sends one; one more of A's keeps today's date (the default range).
  const edges = ['2025-03-01T00:00:00Z', '2025-03-31T23:59:59.999Z', '2025-04-01T00:00:00Z'];
  for (const iso of edges)
    await stampLead((await sendLead(api(), me.keys.write, partnershipAB)).partnershipLeadId, iso);
  await stampLead(
    (await sendLead(api(), partner.keys.write, partnershipAB)).partnershipLeadId,
    '2025-03-15T12:00:00Z',
  );
  await sendLead(api(), me.keys.write, partnershipAB);
  // One over A–C (reseller), one E sends B.
  const resellerLead = await api().post('/v1/leads', {
    key: me.keys.write,
    body: {
      email: 'reseller@example.test',
      associationType: 'reseller',
      partnershipLead: { partnership_id: partnershipAC },
    },
  });
  expect(resellerLead.status, JSON.stringify(resellerLead.body)).toBe(201);
  await stampLead(resellerLead.body.partnershipLeadId, '2025-03-10T00:00:00Z');
  await stampLead(
    (await sendLead(api(), e.writeKey, partnershipEB)).partnershipLeadId,
    '2025-03-10T00:00:00Z',
  );

  // Deal stages, each side its own.
  const stage = async (companyId: number, phase: string) =>
    (await makeDealStage(db(), companyId, { phase })).id;
  const A = {
    won: await stage(me.id, 'closed_won'),
    disc: await stage(me.id, 'discovery'),
    neg: await stage(me.id, 'negotiation'),
    lost: await stage(me.id, 'closed_lost'),
  };
  const B = {
    won: await stage(partner.id, 'closed_won'),
    disc: await stage(partner.id, 'discovery'),
    lost: await stage(partner.id, 'closed_lost'),
  };
  const E = { won: await stage(e.company.id, 'closed_won') };

  const ab = (
    value: string,
    created: string,
    aStage: number | null,
    bStage: number | null,
    currencyCode = 'USD',
  ) =>
    makeDeal(db(), {
      owner: { companyId: me.id, stageId: aStage },
      partner: { companyId: partner.id, stageId: bStage },
      partnershipId: partnershipAB,
      dealValue: value,
      currencyCode,
      createdAt: at(created),
    });
  const d1 = await ab('1000.10', '2025-03-05T10:00:00Z', A.won, B.disc);
  const d2 = await ab('0.1', '2025-03-06T10:00:00Z', A.won, B.won);
  await ab('0.2', '2025-03-07T10:00:00Z', A.won, null);
  const d4 = await ab('500', '2025-03-08T10:00:00Z', A.neg, null);
  const d5 = await ab('300', '2025-03-09T10:00:00Z', A.won, B.won, 'EUR');
  await ab('999', '2025-02-28T23:59:59.999Z', A.disc, B.disc); // the day before the range
  await ab('50', '2025-03-31T23:59:59Z', A.lost, B.lost); // the range's last second
  const d8 = await ab('77', '2025-03-12T10:00:00Z', A.won, B.won);
  await db().update(deals).set({ deleted_at: new Date() }).where(sql`id = ${d8.id}`);
  // B owns d9 (A's side in discovery); d10 is no partnership's; d11 has A's side only.
  await makeDeal(db(), {
    owner: { companyId: partner.id, stageId: B.won },
    partner: { companyId: me.id, stageId: A.disc },
    partnershipId: partnershipAB,
    dealValue: '20',
    createdAt: at('2025-03-12T10:00:00Z'),
  });
  await makeDeal(db(), {
    owner: { companyId: me.id, stageId: A.won },
    dealValue: '10000',
    createdAt: at('2025-03-12T10:00:00Z'),
  });
  await makeDeal(db(), {
    owner: { companyId: me.id, stageId: A.won },
    partnershipId: partnershipAB,
    dealValue: '40',
    createdAt: at('2025-03-13T10:00:00Z'),
  });
  // A–C: USD 250 and JPY 1500, both won.
  const ac = (value: string, currencyCode: string) =>
    makeDeal(db(), {
      owner: { companyId: me.id, stageId: A.won },
      partner: { companyId: c.company.id },
      partnershipId: partnershipAC,
      dealValue: value,
      currencyCode,
      createdAt: at('2025-03-20T10:00:00Z'),
    });
  const d12 = await ac('250', 'USD');
  await ac('1500', 'JPY');
  // E–B: E owns a won deal of 7 that B sees in discovery.
  await makeDeal(db(), {
    owner: { companyId: e.company.id, stageId: E.won },
    partner: { companyId: partner.id, stageId: B.disc },
    partnershipId: partnershipEB,
    dealValue: '7',
    createdAt: at('2025-03-20T10:00:00Z'),
  });

  // Payments of A–B's deals.
  await pay({ deal: d1, occurrence: 1, value: '100.05', createdAt: '2025-03-10T00:00:00Z' }); // owed
  await pay({ deal: d1, occurrence: 2, value: '50', approved: true, createdAt: '2025-03-11T00:00:00Z' }); // owed
  await pay({ deal: d2, value: '30', approved: false, createdAt: '2025-03-11T00:00:00Z' }); // rejected
  // Made before the range, completed in it: paid, not owed.
  await pay({
    deal: d1,
    occurrence: 3,
    value: '25.50',
    approved: true,
    completedAt: '2025-03-20T00:00:00Z',
    createdAt: '2025-02-01T00:00:00Z',
  });
  // Made in the range, completed after it: neither.
  await pay({
    deal: d4,
    value: '10',
    completedAt: '2025-04-02T00:00:00Z',
    createdAt: '2025-03-12T00:00:00Z',
  });
  await pay({ deal: d5, value: '30', currency: 'EUR', createdAt: '2025-03-12T00:00:00Z' }); // EUR
  await pay({ deal: d8, value: '999', createdAt: '2025-03-12T00:00:00Z' }); // its deal is deleted
  await pay({ deal: d1, occurrence: 4, value: '5', createdAt: '2025-04-01T00:00:00Z' }); // the next day
  await pay({
    deal: d12,
    value: '12.34',
    completedAt: '2025-03-25T00:00:00Z',
    createdAt: '2025-03-21T00:00:00Z',
  });
});

const MARCH = 'from=2025-03-01&to=2025-03-31';

async function report(query: string, key = me.keys.read) {
  const res = await api().get(`/v1/reports/partners?${query}`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** The rows by partner name, without the partner object. */
type Row = Record<string, any>;
const byName = (body: { data: { partner: { name: string } }[] }): Record<string, Row> =>
  Object.fromEntries(body.data.map(({ partner: p, ...row }) => [p.name, row]));
const names = (body: { data: { partner: { name: string } }[] }) => body.data.map((r) => r.partner.name);

const zero = {
  leads_sent: 0,
  leads_received: 0,
  deals: 0,
  won_deals: 0,
  won_value: '0.00',
  pipeline_value: '0.00',
  commission_owed: '0.00',
  commission_paid: '0.00',
  conversion_rate: 0,
};

describe('GET /v1/reports/partners: the measures', () => {
  it("A's side over March: every partner, with the hand-computed numbers", async () => {
    const body = await report(MARCH);
    expect(byName(body)).toEqual({
      // Leads: sent on 03-01 00:00 and 03-31 23:59:59.999, received 03-15. Deals in range with
      // A's side: d1 d2 d3 d4 d5 d7 d9 d11 (d6 before, d8 deleted, d10 no partnership); won
      // d1 d2 d3 d5 d11; USD won 1000.10 + 0.1 + 0.2 + 40; open d4 500 + d9 20. Owed
      // 100.05 + 50 (the rejected, completed, EUR, deleted deal's and April's are not); paid 25.50.
      'Contoso Partners': {
        partnership_id: partnershipAB,
        leads_sent: 2,
        leads_received: 1,
        deals: 8,
        won_deals: 5,
        won_value: '1040.40',
        pipeline_value: '520.00',
        commission_owed: '150.05',
        commission_paid: '25.50',
        conversion_rate: 1.6667,
      },
      'Acme Resellers': {
        partnership_id: expect.any(Number),
        ...zero,
        leads_sent: 1,
        deals: 2,
        won_deals: 2,
        won_value: '250.00',
        commission_paid: '12.34',
        conversion_rate: 2,
      },
      'Zeta Pending': { partnership_id: expect.any(Number), ...zero },
    });
    expect(body.data.map((r: { partner: { id: number } }) => r.partner.id)).toEqual([side.B, side.C, side.D]);
    expect(body.data[0].partner).toEqual({
      id: side.B,
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Contoso Partners',
      partner_type: 'referral',
      status: 'accepted',
    });
    expect(body.data[2].partner).toMatchObject({ id: side.D, partner_type: 'referral', status: 'pending' });
    expect(body.data[1].partner).toMatchObject({ partner_type: 'reseller' });
    expect(body.meta).toEqual({
      'record-count': 3,
      'page-count': 1,
      from: '2025-03-01',
      to: '2025-03-31',
      currency: 'USD',
      totals: {
        leads_sent: 3,
        leads_received: 1,
        deals: 10,
        won_deals: 7,
        won_value: '1290.40',
        pipeline_value: '520.00',
        commission_owed: '150.05',
        commission_paid: '37.84',
        conversion_rate: 1.75,
      },
    });
  });

  it("B's side of the same partnership: B's stages, B's direction, and E's partnership", async () => {
    const body = await report(MARCH, partner.keys.read);
    expect(body.data.map((r: { partner: { id: number } }) => r.partner.id).sort()).toEqual(
      [bSide.A, bSide.E].sort(),
    );
    const rows = byName(body);
    // B sees d1 d2 d3 d4 d5 d7 d9 (not d11: no side); won d2 d5 d9; USD won 0.1 + 20; open
    // d1 1000.10 + d3 0.2 + d4 500 (no stage counts as open). The payments are the same.
    expect(Object.values(rows).find((r) => r.partnership_id === partnershipAB)).toEqual({
      partnership_id: partnershipAB,
      leads_sent: 1,
      leads_received: 2,
      deals: 7,
      won_deals: 3,
      won_value: '20.10',
      pipeline_value: '1500.30',
      commission_owed: '150.05',
      commission_paid: '25.50',
      conversion_rate: 1,
    });
    expect(rows['Echo Ltd']).toEqual({
      partnership_id: expect.any(Number),
      ...zero,
      leads_received: 1,
      deals: 1,
      pipeline_value: '7.00',
    });
  });

  it('another company never sees A’s partnerships', async () => {
    const body = await report(MARCH, partner.keys.read);
    expect(names(body)).not.toContain('Acme Resellers');
    expect(names(body)).not.toContain('Zeta Pending');
  });
});

describe('GET /v1/reports/partners: the range', () => {
  const contoso = async (query: string) => byName(await report(query))['Contoso Partners']!;

  it('both ends are included; a day either side leaves the edge out', async () => {
    expect((await contoso('from=2025-03-02&to=2025-03-31')).leads_sent).toBe(1);
    const toThe30th = await contoso('from=2025-03-01&to=2025-03-30');
    expect(toThe30th.leads_sent).toBe(1);
    expect(toThe30th.deals).toBe(7); // d7, at 03-31 23:59:59, is out
  });

  it('one day: the lead and the payment made on April 1st, nothing else', async () => {
    const body = await report('from=2025-04-01&to=2025-04-01');
    expect(byName(body)['Contoso Partners']).toEqual({
      partnership_id: partnershipAB,
      ...zero,
      leads_sent: 1,
      commission_owed: '5.00',
    });
    expect(body.meta).toMatchObject({ from: '2025-04-01', to: '2025-04-01' });
  });

  it('a payment counts as paid in the range it was completed in', async () => {
    expect((await contoso('from=2025-04-02&to=2025-04-02')).commission_paid).toBe('10.00');
    expect((await contoso('from=2025-02-01&to=2025-02-28')).commission_paid).toBe('0.00');
  });

  it('by default the last 30 days, today included (only the lead sent today)', async () => {
    const body = await report('');
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.parse(`${today}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    expect(body.meta).toMatchObject({ from, to: today, currency: 'USD' });
    expect(body.meta.totals).toEqual({ ...zero, leads_sent: 1 });
    expect(byName(body)['Contoso Partners']).toMatchObject({ leads_sent: 1, deals: 0 });
    // `to` alone: the 30 days ending then.
    expect((await report('to=2025-03-30')).meta).toMatchObject({ from: '2025-03-01', to: '2025-03-30' });
    // `from` alone: up to today.
    expect((await report('from=2025-03-01')).meta).toMatchObject({ from: '2025-03-01', to: today });
  });

  it('3660 days is the longest range', async () => {
    const from = new Date(Date.parse('2025-03-31T00:00:00Z') - 3659 * 86_400_000).toISOString().slice(0, 10);
    const body = await report(`from=${from}&to=2025-03-31`);
    expect(body.meta.totals).toMatchObject({ leads_sent: 3, won_value: '1290.40' });
    const dayMore = new Date(Date.parse(`${from}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const res = await api().get(`/v1/reports/partners?from=${dayMore}&to=2025-03-31`, { key: me.keys.read });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ path: 'to', message: 'the range must be at most 3660 days' }]);
  });
});

describe('GET /v1/reports/partners: currency', () => {
  it('money columns count only that currency; counts stay', async () => {
    const eur = await report(`${MARCH}&currency=EUR`);
    expect(eur.meta.currency).toBe('EUR');
    expect(byName(eur)['Contoso Partners']).toMatchObject({
      deals: 8,
      won_deals: 5,
      won_value: '300.00',
      pipeline_value: '0.00',
      commission_owed: '30.00',
      commission_paid: '0.00',
    });
    const jpy = await report(`${MARCH}&currency=JPY`);
    expect(byName(jpy)['Acme Resellers']).toMatchObject({ won_value: '1500', commission_paid: '0' });
    expect(jpy.meta.totals.won_value).toBe('1500');
    const bhd = await report(`${MARCH}&currency=BHD`);
    expect(bhd.meta.totals.won_value).toBe('0.000');
  });

  it("the company's default currency by default", async () => {
    await db().execute(sql`UPDATE companies SET default_currency = 'EUR' WHERE id = ${me.id}`);
    try {
      const body = await report(MARCH);
      expect(body.meta.currency).toBe('EUR');
      expect(body.meta.totals.won_value).toBe('300.00');
    } finally {
      await db().execute(sql`UPDATE companies SET default_currency = 'USD' WHERE id = ${me.id}`);
    }
  });
});

describe('GET /v1/reports/partners: sorts, filters, pages', () => {
  it.each([
    ['', ['Contoso Partners', 'Acme Resellers', 'Zeta Pending']],
    ['sort=-won_value', ['Contoso Partners', 'Acme Resellers', 'Zeta Pending']],
    ['sort=won_value', ['Zeta Pending', 'Acme Resellers', 'Contoso Partners']],
    ['sort=partner_name', ['Acme Resellers', 'Contoso Partners', 'Zeta Pending']],
    ['sort=-partner_name', ['Zeta Pending', 'Contoso Partners', 'Acme Resellers']],
    ['sort=leads_sent', ['Zeta Pending', 'Acme Resellers', 'Contoso Partners']],
    // Ties (0 received, 0 open) by name, then id, whatever the direction.
    ['sort=-leads_received', ['Contoso Partners', 'Acme Resellers', 'Zeta Pending']],
    ['sort=leads_received', ['Acme Resellers', 'Zeta Pending', 'Contoso Partners']],
    ['sort=-pipeline_value', ['Contoso Partners', 'Acme Resellers', 'Zeta Pending']],
    ['sort=deals', ['Zeta Pending', 'Acme Resellers', 'Contoso Partners']],
    ['sort=-won_deals', ['Contoso Partners', 'Acme Resellers', 'Zeta Pending']],
    ['sort=-commission_owed', ['Contoso Partners', 'Acme Resellers', 'Zeta Pending']],
    ['sort=commission_paid', ['Zeta Pending', 'Acme Resellers', 'Contoso Partners']],
    ['sort=-conversion_rate', ['Acme Resellers', 'Contoso Partners', 'Zeta Pending']],
    ['sort=conversion_rate', ['Zeta Pending', 'Contoso Partners', 'Acme Resellers']],
  ])('%s', async (query, expected) => {
    expect(names(await report(`${MARCH}&${query}`))).toEqual(expected);
  });

  it('sorts money by amount, not by text (1040.40 > 250.00 > 0.00)', async () => {
    expect(names(await report(`${MARCH}&sort=-won_value&currency=USD`))[0]).toBe('Contoso Partners');
  });

  it('pages: the page is cut, count and totals are of every partner', async () => {
    const second = await report(`${MARCH}&pageSize=1&page=2`);
    expect(names(second)).toEqual(['Acme Resellers']);
    expect(second.meta).toMatchObject({ 'record-count': 3, 'page-count': 3 });
    expect(second.meta.totals.won_value).toBe('1290.40');
    const past = await report(`${MARCH}&pageSize=2&page=9`);
    expect(past.data).toEqual([]);
    expect(past.meta).toMatchObject({ 'record-count': 3, 'page-count': 2, currency: 'USD' });
    expect(past.meta.totals.deals).toBe(10);
  });

  it('partner_type and search filter the rows and the totals', async () => {
    const resellers = await report(`${MARCH}&partner_type=reseller`);
    expect(names(resellers)).toEqual(['Acme Resellers']);
    expect(resellers.meta).toMatchObject({ 'record-count': 1 });
    expect(resellers.meta.totals).toMatchObject({ deals: 2, won_value: '250.00', conversion_rate: 2 });
    expect(names(await report(`${MARCH}&partner_type=referral`))).toEqual([
      'Contoso Partners',
      'Zeta Pending',
    ]);
    expect(names(await report(`${MARCH}&search=CONTO`))).toEqual(['Contoso Partners']);
    expect(names(await report(`${MARCH}&search=`))).toHaveLength(3);
    const none = await report(`${MARCH}&search=100%25_`);
    expect(none.data).toEqual([]);
    expect(none.meta).toMatchObject({ 'record-count': 0, 'page-count': 0, totals: zero });
  });
});

describe('GET /v1/reports/partners: bad requests', () => {
  it.each([
    ['from=2025-04-01&to=2025-03-31', 'from'],
    ['from=2015-01-01&to=2025-12-31', 'to'],
    ['from=2025-02-30', 'from'],
    ['to=20250301', 'to'],
    ['currency=usd', 'currency'],
    ['currency=XYZ', 'currency'],
    ['partner_type=agency', 'partner_type'],
    ['sort=won', 'sort'],
    ['pageSize=51', 'pageSize'],
    ['page=0', 'page'],
    ['search=x'.padEnd(210, 'x'), 'search'],
  ])('%s → 400 naming %s', async (query, field) => {
    const res = await api().get(`/v1/reports/partners?${query}`, { key: me.keys.read });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.details.map((d: { path: string }) => d.path)).toContain(field);
  });

  it('an unknown parameter → 400', async () => {
    const res = await api().get('/v1/reports/partners?partner=1', { key: me.keys.read });
    expect(res.status).toBe(400);
  });
});

describe('GET /v1/reports/partners: callers', () => {
  it('a partnerships user may read it; read keys too', async () => {
    const parker = me.users.find((u) => u.role === 'partnerships')!;
    const key = await makeApiKey(db(), me.id, 'read', { userId: parker.id });
    expect(names(await report(MARCH, key.key))).toHaveLength(3);
  });

  it('a wrong key is 401; a revoked key is 401 (the check is in the one statement)', async () => {
    expect((await api().get('/v1/reports/partners', { key: 'jb_live_nope' })).status).toBe(401);
    const key = await makeApiKey(db(), me.id, 'read');
    expect((await api().get('/v1/reports/partners', { key: key.key })).status).toBe(200);
    await db().execute(sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${key.id}`);
    expect((await api().get('/v1/reports/partners', { key: key.key })).status).toBe(401);
  });

  it('no key is 401', async () => {
    expect((await api().get('/v1/reports/partners')).status).toBe(401);
  });

  it('a 400 still verifies the key first: a wrong key with a bad range is 401', async () => {
    const res = await api().get('/v1/reports/partners?from=2025-04-01&to=2025-03-01', {
      key: 'jb_live_nope',
    });
    expect(res.status).toBe(401);
  });
});

describe('GET /v1/reports/partners: deals made through POST /v1/deals', () => {
  it('count on both sides, each with its own stage (0.1 + 0.2 is 0.30)', async () => {
    const { me: owner, partner: other } = await demo(db());
    const partnershipId = owner.partners[0]!.partnership_id;
    const lead = await sendLead(api(), owner.keys.write, partnershipId);
    const won = await makeDealStage(db(), owner.id, { phase: 'closed_won' });
    for (const value of ['0.1', '0.2'])
      await createDeal(api(), owner.keys.write, { lead_id: lead.id, deal_value: value, stage_id: won.id });
    const mine = await report('', owner.keys.read);
    expect(mine.data).toHaveLength(1);
    expect(mine.data[0]).toMatchObject({
      partnership_id: partnershipId,
      leads_sent: 1,
      leads_received: 0,
      deals: 2,
      won_deals: 2,
      won_value: '0.30',
      pipeline_value: '0.00',
      conversion_rate: 2,
    });
    // The partner's side is in its own default stage (none: open), so nothing is won there.
    const theirs = await report('', other.keys.read);
    expect(theirs.data[0]).toMatchObject({
      partnership_id: partnershipId,
      leads_sent: 0,
      leads_received: 1,
      deals: 2,
      won_deals: 0,
      won_value: '0.00',
      pipeline_value: '0.30',
    });
  });
});
