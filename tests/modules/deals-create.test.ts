import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as create from '../../src/modules/deals/deals.create.js';
import { CreateDealBody } from '../../src/modules/deals/deals.schemas.js';
import { uniq, useTestApp } from '../helpers/app.js';
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
import { makeTenant } from '../helpers/factories.js';
import { countRows, demo } from '../helpers/leads.js';

// POST /v1/deals (and /v1/lead-deals): what a create writes, every 400 with its path, exact
// money, Idempotency-Key. Both sides of a partnership deal: deals-sides.test.ts.

const ctx = useTestApp({ RATE_LIMIT_PER_MINUTE: '100000' }, { relay: false });
const db = () => ctx.t.database.db;
const api = () => ctx.t.api;

const problems = (body: any) => body.details?.map((d: any) => `${d.path}: ${d.message}`);

describe('POST /v1/deals', () => {
  it('creates a deal on a campaign lead: label from the lead, value 0, the company currency, the first stage', async () => {
    const { me } = await demo(db());
    const lead = await ownLead(api(), me, { company_name: 'Acme Corp' });
    const second = await makeDealStage(db(), me.id, { series: 2 });
    const first = await makeDealStage(db(), me.id, { series: 1 });
    const created = await createDeal(api(), me.keys.write, { lead_id: lead.id });
    // The response is the deal as GET /v1/deals/{id} reads it.
    const read = await api().get(`/v1/deals/${created.id}`, { key: me.keys.read });
    expect(read.status).toBe(200);
    expect(created).toEqual(read.body);
    expect(created).toMatchObject({
      label: 'Acme Corp',
      deal_value: '0.00',
      currency_code: 'USD',
      side: 'owner',
    });
    expect(await dealRow(db(), created.id)).toMatchObject({
      uuid: created.uuid,
      company_id: me.id,
      partnership_id: null,
      created_by_user_id: me.users[0]!.id,
      label: 'Acme Corp',
      deal_value: '0.0000',
      currency_code: 'USD',
      total_commission_value: '0.0000',
      commission_calculation: null,
      deleted_at: null,
    });
    expect(await sidesOf(db(), created.id)).toEqual({
      owner: {
        company_id: me.id,
        role: 'owner',
        lead_id: lead.id,
        stage_id: first.id,
        tags: [],
        users: [],
        values: {},
      },
    });
    expect(second.id).not.toBe(first.id);
  });

  it('without stages the stage is null; the label falls back to the contact name, then the email', async () => {
    const { me } = await demo(db());
    const named = await ownLead(api(), me, { first_name: 'Ann', last_name: 'Lee' });
    const bare = await ownLead(api(), me, { email: `bare-${uniq()}@example.test` });
    const a = await createDeal(api(), me.keys.write, { lead_id: named.id });
    const b = await createDeal(api(), me.keys.write, { lead_uuid: bare.uuid });
    expect((await dealRow(db(), a.id))!.label).toBe('Ann Lee');
    expect((await dealRow(db(), b.id))!.label).toMatch(/^bare-.*@example\.test$/);
    expect((await sidesOf(db(), b.id)).owner.stage_id).toBeNull();
  });

  it('stores every field of the body: label, value, currency by uuid, dates, stage by uuid, tags, users, values, integration data', async () => {
    const { me } = await demo(db());
    const lead = await ownLead(api(), me);
    const stage = await makeDealStage(db(), me.id, { series: 5 });
    const tag1 = await makeDealTag(db(), me.id);
    const tag2 = await makeDealTag(db(), me.id);
    const field = await makeCustomField(db(), me.id, 'number', { category: 'lead_deal' });
    const { rows } = await db().execute<{ uuid: string }>(
      sql`SELECT uuid FROM currencies WHERE code = 'EUR'`,
    );
    const body = {
      lead_id: lead.id,
      label: 'Enterprise plan',
      deal_label: 'ignored: label wins',
      deal_value: '1250.50',
      currency_uuid: rows[0]!.uuid,
      expiration_date: '2026-06-30',
      stage_uuid: stage.uuid,
      tags: [tag1.id],
      tag_uuids: [tag2.uuid, tag1.uuid],
      assignedUsers: [me.users[0]!.id],
      customFields: [{ customFieldId: field.id, type: 'number', value: { number: 42 } }],
      integrationName: 'Hubspot',
      integrationCustomFields: [{ uuid: 'hs-1', value: { a: 1 } }],
      powerups: { pipedrive: { deal_id: 7, person_id: 8, organization_id: null } },
    };
    const created = await createDeal(api(), me.keys.write, body);
    expect(await dealRow(db(), created.id)).toMatchObject({
      label: 'Enterprise plan',
      deal_value: '1250.5000',
      currency_code: 'EUR',
      expiration_date: '2026-06-30',
      integration_name: 'Hubspot',
      integration_custom_fields: body.integrationCustomFields,
      powerups: body.powerups,
    });
    expect((await sidesOf(db(), created.id)).owner).toMatchObject({
      stage_id: stage.id,
      tags: [tag1.id, tag2.id].sort((a, b) => a - b),
      users: [me.users[0]!.id],
      values: { [field.id]: { number: 42 } },
    });
  });

  it('is served at /v1/lead-deals and /api/v1/deals too, with deal_label as the label', async () => {
    const { me } = await demo(db());
    const lead = await ownLead(api(), me);
    for (const path of ['/v1/lead-deals', '/api/v1/deals', '/api/v1/lead-deals']) {
      const res = await api().post(path, {
        key: me.keys.write,
        body: { lead_id: lead.id, deal_label: path },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect((await dealRow(db(), res.body.id))!.label).toBe(path);
    }
  });

  it('documents each path with its own operationId', async () => {
    const doc = (await api().get('/v1/openapi.json')).body;
    const ids = (path: string) =>
      Object.values(doc.paths[path] ?? {})
        .map((op: any) => op.operationId)
        .sort();
    expect(ids('/v1/deals')).toEqual(expect.arrayContaining(['createDeal']));
    expect(ids('/v1/lead-deals')).toEqual(expect.arrayContaining(['createLeadDeal']));
    expect(ids('/v1/deals/{id}')).toEqual(expect.arrayContaining(['deleteDeal', 'updateDeal']));
    expect(ids('/v1/lead-deals/{id}')).toEqual(expect.arrayContaining(['deleteLeadDeal', 'updateLeadDeal']));
  });

  it('uses the company default currency', async () => {
    const { me } = await demo(db());
    await db().execute(sql`UPDATE companies SET default_currency = 'GBP' WHERE id = ${me.id}`);
    const lead = await ownLead(api(), me);
    const created = await createDeal(api(), me.keys.write, { lead_id: lead.id, deal_value: 10 });
    expect(await dealRow(db(), created.id)).toMatchObject({ currency_code: 'GBP', deal_value: '10.0000' });
  });
});

describe('POST /v1/deals: exact money', () => {
  it('keeps 15-digit values, strings and numbers, exactly; 0.1 + 0.2 of commission is 0.30', async () => {
    const w = await partnershipWorld(db(), api());
    const pay = await makeDealStage(db(), w.me.id, { pipeline: 'payment' });
    await setTierCommission(db(), w.me.id, w.partnershipId, {
      entries: [entry(pay.id, 'fixed', '0.1'), entry(pay.id, 'fixed', '0.2')],
    });
    const big = await createDeal(api(), w.me.keys.write, {
      lead_id: w.myLead,
      deal_value: '999999999999999.99',
    });
    expect(await dealRow(db(), big.id)).toMatchObject({
      deal_value: '999999999999999.9900',
      total_commission_value: '0.3000',
    });
    const num = await createDeal(api(), w.me.keys.write, { lead_id: w.myLead, deal_value: 123456789012.35 });
    expect((await dealRow(db(), num.id))!.deal_value).toBe('123456789012.3500');
  });

  it('JPY has no decimals, BHD three: the value is checked against the currency', async () => {
    const { me } = await demo(db());
    const lead = await ownLead(api(), me);
    const cases: [Record<string, unknown>, number, string?][] = [
      [{ currency_code: 'JPY', deal_value: '1250' }, 201],
      [{ currency_code: 'JPY', deal_value: '1250.00' }, 201],
      [{ currency_code: 'JPY', deal_value: '1250.5' }, 400, 'deal_value: JPY amounts have no decimals'],
      [{ currency_code: 'BHD', deal_value: '1.234' }, 201],
      [{ currency_code: 'BHD', deal_value: 1.2345 }, 400, 'deal_value: BHD amounts have at most 3 decimals'],
      [{ deal_value: '10.125' }, 400, 'deal_value: USD amounts have at most 2 decimals'],
    ];
    for (const [body, status, problem] of cases) {
      const res = await api().post('/v1/deals', { key: me.keys.write, body: { lead_id: lead.id, ...body } });
      expect(res.status, JSON.stringify({ body, res: res.body })).toBe(status);
      if (problem) expect(problems(res.body)).toEqual([problem]);
    }
    const { rows } = await db().execute<{ v: string }>(
      sql`SELECT deal_value::text AS v FROM deals WHERE company_id = ${me.id} AND currency_code = 'BHD'`,
    );
    expect(rows.map((r) => r.v)).toEqual(['1.2340']);
  });

  it('refuses a number that lost digits, negative and malformed amounts (schema 400s)', async () => {
    const { me } = await demo(db());
    const lead = await ownLead(api(), me);
    for (const deal_value of [1234567890123456.8, -1, '1e3', '12.34567', '1,000', '', true]) {
      const res = await api().post('/v1/deals', {
        key: me.keys.write,
        body: { lead_id: lead.id, deal_value },
      });
      expect(res.status, JSON.stringify({ deal_value, res: res.body })).toBe(400);
      expect(res.body.details.map((d: any) => d.path)).toEqual(['deal_value']);
    }
  });
});

describe('POST /v1/deals: 400s', () => {
  it('needs a lead: lead_id or lead_uuid', async () => {
    const { me } = await demo(db());
    const res = await api().post('/v1/deals', { key: me.keys.write, body: { label: 'x' } });
    expect(res.status).toBe(400);
    expect(problems(res.body)).toEqual(['lead_id: lead_id or lead_uuid is required']);
  });

  it("refuses another company's lead, a deleted lead and an unknown uuid alike", async () => {
    const { me, partner } = await demo(db());
    const theirs = await ownLead(api(), partner);
    const gone = await ownLead(api(), me);
    expect((await api().delete(`/v1/leads/${gone.id}`, { key: me.keys.write })).status).toBe(204);
    const mine = await ownLead(api(), me);
    for (const [body, path] of [
      [{ lead_id: theirs.id }, 'lead_id'],
      [{ lead_uuid: theirs.uuid }, 'lead_uuid'],
      [{ lead_id: gone.id }, 'lead_id'],
      [{ lead_uuid: '00000000-0000-4000-8000-000000000000' }, 'lead_uuid'],
      [{ lead_id: mine.id, lead_uuid: theirs.uuid }, 'lead_id'],
    ] as const) {
      const res = await api().post('/v1/deals', { key: me.keys.write, body });
      expect(res.status).toBe(400);
      expect(problems(res.body)).toEqual([`${path}: must be a live lead of your company`]);
    }
  });

  it('reports every problem of the body in one 400, and writes nothing', async () => {
    const { me, partner } = await demo(db());
    const lead = await ownLead(api(), me);
    const outsider = await makeTenant(db());
    const theirStage = await makeDealStage(db(), partner.id);
    const myPartnerStage = await makeDealStage(db(), me.id, { pipeline: 'payment' });
    const theirPayment = await makeDealStage(db(), partner.id, { pipeline: 'payment' });
    const leadTag = me.tags[0]!;
    const field = await makeCustomField(db(), me.id, 'number', { category: 'lead_deal' });
    const leadField = me.customFields[0]!;
    const before = await countRows(db(), 'deals');
    const body = {
      lead_id: lead.id,
      currency_code: 'XXZ',
      deal_value: '1',
      stage_id: theirStage.id,
      payment_stage_uuid: theirPayment.uuid,
      tags: [leadTag.id],
      tag_uuids: ['00000000-0000-4000-8000-000000000001'],
      assignedUsers: [outsider.admin.id],
      partnerCustomFields: [{ customFieldId: field.id, type: 'number', value: { number: 1 } }],
      customFields: [
        { customFieldId: field.id, type: 'number', value: { text: 'x' } },
        { customFieldId: leadField.id, type: leadField.type, value: { number: 1 } },
      ],
    };
    const res = await api().post('/v1/deals', { key: me.keys.write, body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('bad_request');
    const found = problems(res.body);
    for (const path of [
      'currency_code',
      'stage_id',
      'payment_stage_uuid',
      'tags[0]',
      'tag_uuids[0]',
      'assignedUsers[0]',
      'partnerCustomFields',
      'customFields[0].value',
      'customFields[1].customFieldId',
    ]) {
      expect(
        found.some((p: string) => p.startsWith(`${path}: `)),
        `${path} in ${JSON.stringify(found)}`,
      ).toBe(true);
    }
    expect(myPartnerStage.id).toBeGreaterThan(0);
    expect(await countRows(db(), 'deals')).toBe(before);
  });

  it('refuses a currency uuid that is not one, or names another currency than currency_code', async () => {
    const { me } = await demo(db());
    const lead = await ownLead(api(), me);
    const { rows } = await db().execute<{ uuid: string }>(
      sql`SELECT uuid FROM currencies WHERE code = 'EUR'`,
    );
    const eur = rows[0]!.uuid;
    const cases = [
      [
        { currency_uuid: '00000000-0000-4000-8000-000000000002' },
        'currency_uuid: no currency with uuid 00000000-0000-4000-8000-000000000002',
      ],
      [{ currency_uuid: eur, currency_code: 'USD' }, 'currency_uuid: is currency EUR, not USD'],
      [{ currency_code: 'usd' }, 'currency_code: must be an ISO 4217 currency code such as USD'],
    ] as const;
    for (const [extra, problem] of cases) {
      const res = await api().post('/v1/deals', { key: me.keys.write, body: { lead_id: lead.id, ...extra } });
      expect(res.status).toBe(400);
      expect(problems(res.body)).toEqual([problem]);
    }
  });

  it('refuses a partnership that is not an accepted one of the caller, with the association message', async () => {
    const { me } = await demo(db());
    const other = await demo(db());
    const lead = await ownLead(api(), me);
    const res = await api().post('/v1/deals', {
      key: me.keys.write,
      body: { lead_id: lead.id, partnership_id: other.me.partners[0]!.partnership_id },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Invalid field values or missing required association');
    expect(problems(res.body)).toEqual([
      `partnership_id: no accepted partnership of your company with id ${other.me.partners[0]!.partnership_id}`,
    ]);
  });

  it('refuses unknown fields and wrong types by the schema', async () => {
    const { me } = await demo(db());
    const lead = await ownLead(api(), me);
    const res = await api().post('/v1/deals', {
      key: me.keys.write,
      body: { lead_id: lead.id, surprise: 1, expiration_date: '2026-02-30' },
    });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: any) => d.path).sort()).toEqual(['expiration_date', 'surprise']);
  });
});

describe('POST /v1/deals: partnership, commission, payments', () => {
  it("copies the tier's calculation, computes the total, and pays at once when created at its payment stage", async () => {
    const w = await partnershipWorld(db(), api());
    const pay = await makeDealStage(db(), w.me.id, { pipeline: 'payment' });
    const later = await makeDealStage(db(), w.me.id, { pipeline: 'payment', series: 2 });
    const calculation = {
      entries: [entry(pay.id, 'percentage', '10'), entry(later.id, 'fixed', '50', 3)],
    };
    await setTierCommission(db(), w.me.id, w.partnershipId, calculation);
    const created = await createDeal(api(), w.me.keys.write, {
      lead_id: w.myLead,
      deal_value: '1000.05',
      payment_stage_id: pay.id,
    });
    expect(await dealRow(db(), created.id)).toMatchObject({
      partnership_id: w.partnershipId,
      commission_calculation: calculation,
      // 10 % of 1000.05 = 100.005 → 100.01 (half away from zero), + 3 × 50.
      total_commission_value: '250.0100',
      payment_stage_id: pay.id,
    });
    expect(await paymentsOf(db(), created.id)).toEqual([
      {
        payment_stage_id: pay.id,
        occurrence: 1,
        payment_value: '100.0100',
        currency_code: 'USD',
        company_id: w.me.id,
        partnership_id: w.partnershipId,
      },
    ]);
  });

  it('a deal on a lead of no partnership has no commission even with partnership-less tiers; no payments', async () => {
    const { me } = await demo(db());
    const pay = await makeDealStage(db(), me.id, { pipeline: 'payment' });
    const lead = await ownLead(api(), me);
    const created = await createDeal(api(), me.keys.write, {
      lead_id: lead.id,
      deal_value: '100',
      payment_stage_id: pay.id,
    });
    expect(await dealRow(db(), created.id)).toMatchObject({
      partnership_id: null,
      total_commission_value: '0.0000',
    });
    expect(await paymentsOf(db(), created.id)).toEqual([]);
  });

  it('names the partnership explicitly for a lead it did not come through', async () => {
    const { me, partner } = await demo(db());
    const lead = await ownLead(api(), me);
    const created = await createDeal(api(), me.keys.write, {
      lead_id: lead.id,
      partnership_id: me.partners[0]!.partnership_id,
    });
    expect((await dealRow(db(), created.id))!.partnership_id).toBe(me.partners[0]!.partnership_id);
    const sides = await sidesOf(db(), created.id);
    expect(sides.partner).toMatchObject({
      company_id: partner.id,
      role: 'partner',
      lead_id: null,
      stage_id: null,
    });
  });
});

describe('POST /v1/deals: Idempotency-Key', () => {
  it('a retry with the same key gets the same deal; one deal is created', async () => {
    const { me } = await demo(db());
    const lead = await ownLead(api(), me);
    const key = `deal-${uniq()}`;
    const send = () =>
      api().post('/v1/deals', {
        key: me.keys.write,
        body: { lead_id: lead.id },
        headers: { 'idempotency-key': key },
      });
    const first = await send();
    const second = await send();
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    // The full deal is replayed (stored over the write's own `{id, uuid}`).
    expect(JSON.parse(second.text)).toMatchObject({ id: first.body.id, side: 'owner', deal_value: '0.00' });
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await countRows(db(), 'deals', sql`company_id = ${me.id}`)).toBe(1);
  });
});

describe('POST /v1/deals: what changes between the facts and the write', () => {
  it('a lead deleted, or a partnership declined, in between: nothing is written, and the 400 says why', async () => {
    const w = await partnershipWorld(db(), api());
    const caller = { companyId: w.me.id, userId: w.me.users[0]!.id, keyId: null };
    const input = CreateDealBody.parse({ lead_id: w.myLead, deal_value: '5' });
    const plan = create.rules(await create.facts(db(), caller, input), caller, input);
    expect(plan.deal.partnership_id).toBe(w.partnershipId);
    const before = [
      await countRows(db(), 'deals'),
      await countRows(db(), 'deal_sides'),
      await countRows(db(), 'events'),
    ];

    await db().execute(sql`UPDATE partnerships SET status = 'declined' WHERE id = ${w.partnershipId}`);
    const declined = await create.write(db(), plan).catch((e) => e);
    expect(declined.code).toBe('bad_request');
    expect(declined.message).toBe('Invalid field values or missing required association');
    expect(declined.details.map((d: any) => d.path)).toEqual(['lead_id', 'partnership_id']);

    await db().execute(sql`UPDATE partnerships SET status = 'accepted' WHERE id = ${w.partnershipId}`);
    await db().execute(sql`UPDATE leads SET deleted_at = now() WHERE id = ${w.myLead}`);
    const gone = await create.write(db(), plan).catch((e) => e);
    expect(gone.code).toBe('bad_request');
    expect([
      await countRows(db(), 'deals'),
      await countRows(db(), 'deal_sides'),
      await countRows(db(), 'events'),
    ]).toEqual(before);
  });
});
