import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { dealPayments, dealUsers, events } from '../../src/db/schema/index.js';
import { useTestApp } from '../helpers/app.js';
import { createDeal, partnershipWorld } from '../helpers/deal-commands.js';
import { makeDeal, makeDealStage } from '../helpers/deal-factories.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';
import { demo } from '../helpers/leads.js';
import { notificationsOf } from '../helpers/notifications.js';

// GET /v1/deals/{id}/payments (B3, both sides) and PATCH /v1/deals/{id}/payments/{paymentId}
// (the owner's admins): approve, reject, processing, completed, and what the partner hears.

const ctx = useTestApp();
const api = () => ctx.t.api;
const db = () => ctx.t.database.db;

const DEAL_NOT_FOUND = { error: 'Deal not found or not accessible', code: 'not_found' };
const PAYMENT_NOT_FOUND = { error: 'Payment not found or not accessible', code: 'not_found' };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A partnership deal in the owner's payment stage `pending`, whose commission (10% recurring
 * twice, then 5 fixed in `paid`) is set through the API: the two payments for `pending` are due.
 */
async function world() {
  const { me, partner } = await demo(db());
  const pending = await makeDealStage(db(), me.id, { pipeline: 'payment', phase: 'pending', series: 1 });
  const paid = await makeDealStage(db(), me.id, { pipeline: 'payment', phase: 'paid', series: 2 });
  const deal = await makeDeal(db(), {
    owner: { companyId: me.id },
    partner: { companyId: partner.id },
    partnershipId: me.partners[0]!.partnership_id,
    dealValue: '1250.55',
    paymentStageId: pending.id,
  });
  // The partner's user assigned to its side of the deal, and the owner's.
  await db()
    .insert(dealUsers)
    .values([
      { deal_id: deal.id, user_id: partner.users[1]!.id },
      { deal_id: deal.id, user_id: me.users[1]!.id },
    ]);
  const put = await api().request('PUT', `/v1/deals/${deal.id}/commission`, {
    key: me.keys.write,
    body: {
      calculation: {
        entries: [
          {
            payment_stage_id: pending.id,
            calculation: { type: 'recurring', option: 'percentage', value: '10', number_of_occurrences: 2 },
          },
          { payment_stage_id: paid.id, calculation: { option: 'fixed', value: '5' } },
        ],
      },
    },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  const list = (key = me.keys.read) => api().get(`/v1/deals/${deal.id}/payments`, { key });
  const patch = (paymentId: number, body: unknown, key = me.keys.write) =>
    api().patch(`/v1/deals/${deal.id}/payments/${paymentId}`, { key, body });
  const payments = (await list()).body as any[];
  return { me, partner, pending, paid, deal, list, patch, payments };
}

describe('payments: the list', () => {
  it('is a bare array in the B3 shape, by payment date, the same for both sides', async () => {
    const { me, partner, pending, deal, list, payments } = await world();
    const today = new Date().toISOString().slice(0, 10);
    expect(payments).toEqual([
      {
        id: expect.any(Number),
        uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        deal_id: deal.id,
        deal_uuid: deal.uuid,
        payment_stage_id: pending.id,
        payment_stage_label: pending.label,
        occurrence: 1,
        payment_value: '125.06',
        payment_date: today,
        payment_category: 'commission',
        recipient_type: 'partnership',
        approved: null,
        payment_processing: false,
        payment_processing_date: null,
        payment_completed: false,
        payment_completed_date: null,
        currency: { uuid: expect.any(String), code: 'USD', label: expect.any(String) },
        created_at: expect.stringMatching(ISO),
        updated_at: expect.stringMatching(ISO),
      },
      expect.objectContaining({ occurrence: 2, payment_value: '125.06' }),
    ]);
    expect(payments[1].payment_date > today).toBe(true);
    const theirs = await list(partner.keys.read);
    expect(theirs.status).toBe(200);
    expect(theirs.body).toEqual(payments);
    expect((await api().get(`/v1/lead-deals/${deal.uuid}/payments`, { key: me.keys.read })).body).toEqual(
      payments,
    );
  });

  it("is a 404 for another company's deal and a deleted one; empty for a deal without payments", async () => {
    const { me, deal } = await world();
    const other = await makeTenant(db());
    expect((await api().get(`/v1/deals/${deal.id}/payments`, { key: other.readKey })).body).toEqual(
      DEAL_NOT_FOUND,
    );
    const solo = await makeDeal(db(), { owner: { companyId: me.id } });
    expect((await api().get(`/v1/deals/${solo.id}/payments`, { key: me.keys.read })).body).toEqual([]);
    await db().execute(sql`UPDATE deals SET deleted_at = now() WHERE id = ${deal.id}`);
    expect((await api().get(`/v1/deals/${deal.id}/payments`, { key: me.keys.read })).status).toBe(404);
  });
});

describe('payments: approve, process, complete', () => {
  it('approves (by whom, when), marks processing, completes; completing approves a payment not reviewed', async () => {
    const { me, patch, payments } = await world();
    const [first, second] = payments;
    const approved = await patch(first.id, { approved: true });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ id: first.id, approved: true, payment_completed: false });
    const [row] = await db().select().from(dealPayments).where(eq(dealPayments.id, first.id));
    expect(row!.approved_by_user_id).toBe(me.users[0]!.id);
    expect(row!.approved_at).toBeInstanceOf(Date);

    const processing = await patch(first.id, { payment_processing: true });
    expect(processing.body.payment_processing).toBe(true);
    expect(processing.body.payment_processing_date).toMatch(ISO);

    const done = await patch(second.id, { payment_completed: true });
    expect(done.body).toMatchObject({ approved: true, payment_completed: true });
    expect(done.body.payment_completed_date).toMatch(ISO);
    // The same again changes nothing.
    const again = await patch(second.id, { payment_completed: true, approved: true });
    expect(again.body).toEqual(done.body);
  });

  it('a completed payment cannot be un-completed or rejected; a rejected one cannot be completed (409)', async () => {
    const { patch, payments } = await world();
    const [first, second] = payments;
    await patch(first.id, { payment_completed: true });
    for (const [body, error] of [
      [{ payment_completed: false }, 'A completed payment cannot be un-completed'],
      [{ approved: false }, 'A completed payment cannot be rejected or un-approved'],
      [{ approved: null }, 'A completed payment cannot be rejected or un-approved'],
    ] as const) {
      const res = await patch(first.id, body);
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ error, code: 'conflict' });
    }
    const rejected = await patch(second.id, { approved: false });
    expect(rejected.body.approved).toBe(false);
    const refused = await patch(second.id, { payment_completed: true });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('A rejected payment cannot be completed: approve it first');
    // Approving and completing in one body is fine.
    const both = await patch(second.id, { approved: true, payment_completed: true });
    expect(both.body).toMatchObject({ approved: true, payment_completed: true });
  });

  it('only the owner (403 for the partner), only admins, only payments of the deal (404)', async () => {
    const { me, partner, patch, payments } = await world();
    const partnerTry = await patch(payments[0].id, { approved: true }, partner.keys.write);
    expect(partnerTry.status).toBe(403);
    expect(partnerTry.body.error).toMatch(/^Only the company that owns this deal/);
    const member = await makeUser(db(), me.id, { role: 'partnerships' });
    const { key } = await makeApiKey(db(), me.id, 'write', { userId: member.id });
    const memberTry = await patch(payments[0].id, { approved: true }, key);
    expect(memberTry.status).toBe(403);
    expect(memberTry.body.error).toBe('Admin role required for this operation');
    const otherDeal = await world();
    expect((await patch(otherDeal.payments[0].id, { approved: true })).body).toEqual(PAYMENT_NOT_FOUND);
    const other = await makeTenant(db());
    expect((await patch(payments[0].id, { approved: true }, other.writeKey)).body).toEqual(DEAL_NOT_FOUND);
    const bad = await patch(payments[0].id, { approved: 'yes', surprise: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: any) => d.path).sort()).toEqual(['approved', 'surprise']);
    const unchanged = (await db().select().from(dealPayments).where(eq(dealPayments.id, payments[0].id)))[0]!;
    expect(unchanged.approved).toBeNull();
  });
});

describe('payments: events and notifications', () => {
  it('payments.update goes to both sides; the partner hears of payments made and completed', async () => {
    const { me, partner, deal, patch, payments } = await world();
    await patch(payments[0].id, { approved: true });
    await patch(payments[0].id, { payment_completed: true });
    const updates = await db()
      .select()
      .from(events)
      .where(and(inArray(events.company_id, [me.id, partner.id]), eq(events.type, 'payments.update')))
      .orderBy(asc(events.id));
    expect(updates.map((e) => e.company_id).sort()).toEqual([me.id, me.id, partner.id, partner.id].sort());
    expect(updates.at(-1)!.payload).toEqual({
      payment: expect.objectContaining({ id: payments[0].id, deal_uuid: deal.uuid, payment_completed: true }),
      deal: { uuid: deal.uuid, label: deal.label },
    });

    // The partner's admin and its user on the deal: two payments made, one completed.
    for (const user of [partner.users[0]!, partner.users[1]!]) {
      const got = (await notificationsOf(db(), user.id)).filter((n) => n.type.startsWith('payment_'));
      expect(got.map((n) => n.type).sort(), user.email).toEqual([
        'payment_completed',
        'payment_created',
        'payment_created',
      ]);
      expect(got.find((n) => n.type === 'payment_completed')).toMatchObject({
        title: `A payment on ${deal.label} was completed`,
        body: '125.06 USD',
        data: { deal_uuid: deal.uuid, payment_id: payments[0].id, payment_uuid: payments[0].uuid },
      });
    }
    // The owner's side hears nothing of its own payments.
    for (const user of me.users) {
      expect((await notificationsOf(db(), user.id)).filter((n) => n.type.startsWith('payment_'))).toEqual([]);
    }
  });
});

describe('payments: entering a payment stage (PATCH /v1/deals/{id})', () => {
  it('makes the payments its commission names, once; the partner hears of them', async () => {
    const w = await partnershipWorld(db(), api());
    const invoiced = await makeDealStage(db(), w.me.id, { pipeline: 'payment', phase: 'invoiced' });
    const deal = await createDeal(api(), w.me.keys.write, { lead_id: w.myLead, deal_value: '99.99' });
    await api().request('PUT', `/v1/deals/${deal.id}/commission`, {
      key: w.me.keys.write,
      body: {
        calculation: {
          entries: [
            { payment_stage_id: invoiced.id, calculation: { option: 'percentage', value: '33.3333' } },
          ],
        },
      },
    });
    const list = () => api().get(`/v1/deals/${deal.id}/payments`, { key: w.partner.keys.read });
    expect((await list()).body).toEqual([]);
    const entered = await api().patch(`/v1/deals/${deal.id}`, {
      key: w.me.keys.write,
      body: { payment_stage_id: invoiced.id },
    });
    expect(entered.status, JSON.stringify(entered.body)).toBe(200);
    // 33.3333% of 99.99 = 33.329966… → 33.33.
    expect((await list()).body.map((p: any) => [p.payment_stage_id, p.payment_value])).toEqual([
      [invoiced.id, '33.33'],
    ]);
    // Leaving and re-entering the stage pays nothing twice.
    await api().patch(`/v1/deals/${deal.id}`, { key: w.me.keys.write, body: { payment_stage_id: null } });
    await api().patch(`/v1/deals/${deal.id}`, {
      key: w.me.keys.write,
      body: { payment_stage_id: invoiced.id },
    });
    expect((await list()).body).toHaveLength(1);
    const admin = w.partner.users.find((u) => u.role === 'admin')!;
    expect(
      (await notificationsOf(db(), admin.id)).filter((n) => n.type === 'payment_created').map((n) => n.body),
    ).toEqual(['33.33 USD']);
  });
});
