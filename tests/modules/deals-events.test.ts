import { and, asc, eq, gt, inArray, like, or, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { events } from '../../src/db/schema/index.js';
import { dealPayloads } from '../../src/modules/deals/deals.payload.js';
import { useTestApp } from '../helpers/app.js';
import { makeCustomField } from '../helpers/catalogue-factories.js';
import { createDeal, entry, ownLead, partnershipWorld, setTierCommission } from '../helpers/deal-commands.js';
import { makeDealStage } from '../helpers/deal-factories.js';
import { latestEventId, notificationsOf, relayed } from '../helpers/notifications.js';

// The deal commands write their events in their one statement, one per side, with payloads built
// from the statement's CTEs: each must be exactly the deal as that side sees it once the
// statement is done (`dealPayloads` reads it from the tables). The partner side's event notifies
// its users of a deal on a lead it sent; entering a payment stage sends `payments.create`.

const ctx = useTestApp({ RATE_LIMIT_PER_MINUTE: '100000' });
const db = () => ctx.t.database.db;
const api = () => ctx.t.api;

/** The deal and payment events after `after`, oldest first. */
async function dealEventsAfter(after: number) {
  return db()
    .select()
    .from(events)
    .where(and(gt(events.id, after), or(like(events.type, 'deals.%'), like(events.type, 'payments.%'))))
    .orderBy(asc(events.id));
}

/** Each `deals.*` event's payload equals the deal as its company's side reads it now. */
async function expectAsStored(list: Awaited<ReturnType<typeof dealEventsAfter>>) {
  const deals = list.filter((e) => e.type.startsWith('deals.'));
  const ids = [...new Set(deals.map((e) => (e.payload as any).deal.id as number))];
  const stored = await dealPayloads(db(), ids);
  for (const e of deals) {
    const deal = (e.payload as any).deal;
    expect(e.payload, `${e.type} to company ${e.company_id}`).toEqual({
      deal: stored.get(deal.id)!.get(e.company_id),
    });
  }
}

async function world() {
  const w = await partnershipWorld(db(), api());
  const pay = await makeDealStage(db(), w.me.id, { pipeline: 'payment', label: 'Invoice sent' });
  await setTierCommission(db(), w.me.id, w.partnershipId, { entries: [entry(pay.id, 'percentage', '10')] });
  const { rows } = await db().execute<{ sent_by_user_id: number }>(
    sql`SELECT sent_by_user_id FROM partnership_leads WHERE sender_lead_id = ${w.theirLead}`,
  );
  return { ...w, pay, sender: rows[0]!.sent_by_user_id };
}

describe('deal events', () => {
  it('create: deals.create to each side (the partner side with its notice) and payments.create to both', async () => {
    const w = await world();
    const myField = await makeCustomField(db(), w.me.id, 'text', { category: 'lead_deal' });
    const theirField = await makeCustomField(db(), w.partner.id, 'select', { category: 'lead_deal' });
    const after = await latestEventId(db());
    const deal = await createDeal(api(), w.me.keys.write, {
      lead_id: w.myLead,
      label: 'Rollout',
      deal_value: '1000.10',
      expiration_date: '2026-12-31',
      payment_stage_id: w.pay.id,
      tags: [w.myTag.id],
      assignedUsers: [w.me.users[0]!.id],
      customFields: [{ customFieldId: myField.id, type: 'text', value: { text: 'ours' } }],
      partnerCustomFields: [
        { customFieldId: theirField.id, type: 'select', value: { select: theirField.options[0]!.id } },
      ],
    });
    const list = await dealEventsAfter(after);
    expect(list.map((e) => [e.type, e.company_id])).toEqual([
      ['deals.create', w.me.id],
      ['deals.create', w.partner.id],
      ['payments.create', w.me.id],
      ['payments.create', w.partner.id],
    ]);
    const [mine, theirs, myPayment, theirPayment] = list;
    expect([mine!.actor_user_id, mine!.meta]).toEqual([w.me.users[0]!.id, null]);
    expect(mine!.api_key_id).not.toBeNull();
    expect([theirs!.actor_user_id, theirs!.api_key_id]).toEqual([null, null]);
    expect(theirs!.meta).toEqual({ reason: 'deal_created', notifyUserIds: [w.sender] });
    await expectAsStored(list);
    const own = (mine!.payload as any).deal;
    expect(own).toMatchObject({
      uuid: deal.uuid,
      side: 'owner',
      label: 'Rollout',
      deal_value: '1000.10',
      total_commission_value: '100.01',
      currency_code: 'USD',
      expiration_date: '2026-12-31',
      stage_uuid: w.myStages[0]!.uuid,
      payment_stage_uuid: w.pay.uuid,
      partner_company_name: w.partner.name,
      tags: [expect.objectContaining({ uuid: w.myTag.uuid })],
      assigned_users: [expect.objectContaining({ id: w.me.users[0]!.id })],
      custom_fields: [expect.objectContaining({ value: { text: 'ours' } })],
      payments: [expect.objectContaining({ payment_value: '100.01', deal_uuid: deal.uuid })],
    });
    expect((theirs!.payload as any).deal).toMatchObject({
      uuid: deal.uuid,
      side: 'partner',
      deal_value: '1000.10',
      stage_uuid: w.theirStages[0]!.uuid,
      payment_stage_uuid: w.pay.uuid,
      partner_company_name: w.me.name,
      tags: [],
      assigned_users: [],
      custom_fields: [expect.objectContaining({ value: { select: theirField.options[0]!.id } })],
    });
    expect(myPayment!.payload).toEqual(theirPayment!.payload);
    expect(myPayment!.payload).toEqual({
      payment: own.payments[0],
      deal: { uuid: deal.uuid, label: 'Rollout' },
    });
  });

  it("update: deals.update to both sides as stored; the owner's stage change notifies the partner's users", async () => {
    const w = await world();
    const deal = await createDeal(api(), w.me.keys.write, { lead_id: w.myLead, deal_value: 50 });
    await relayed(db());
    const after = await latestEventId(db());
    const partnerSide = await api().patch(`/v1/deals/${deal.id}`, {
      key: w.partner.keys.write,
      body: { stage_id: w.theirStages[1]!.id, tags: [w.theirTag.id] },
    });
    expect(partnerSide.status).toBe(200);
    const owner = await api().patch(`/v1/deals/${deal.id}`, {
      key: w.me.keys.write,
      body: {
        stage_id: w.myStages[1]!.id,
        payment_stage_uuid: w.pay.uuid,
        assignedUsers: [w.me.users[0]!.id],
      },
    });
    expect(owner.status).toBe(200);
    const list = await dealEventsAfter(after);
    expect(list.map((e) => [e.type, e.company_id, e.meta])).toEqual([
      ['deals.update', w.me.id, null],
      ['deals.update', w.partner.id, null],
      ['deals.update', w.me.id, null],
      [
        'deals.update',
        w.partner.id,
        { reason: 'deal_stage_changed', stageLabel: w.myStages[1]!.label, notifyUserIds: [w.sender] },
      ],
      ['payments.create', w.me.id, null],
      ['payments.create', w.partner.id, null],
    ]);
    // The last events are the deal as it is now; the first ones were too when they were written.
    await expectAsStored(list.slice(2));
    expect((list[1]!.payload as any).deal).toMatchObject({
      stage_uuid: w.theirStages[1]!.uuid,
      tags: [expect.objectContaining({ uuid: w.theirTag.uuid })],
    });
    expect((list[3]!.payload as any).deal.payments).toEqual([
      expect.objectContaining({ payment_value: '5.00', approved: null, payment_completed: false }),
    ]);

    // The deal notices (the payment made by entering the payment stage has its own: payment_created).
    const notices = (await notificationsOf(db(), w.sender)).filter((n) => n.type.startsWith('deal_'));
    expect(notices.map((n) => [n.type, n.title, n.body])).toEqual([
      ['deal_created', `${w.me.name} opened a deal on a lead you sent`, expect.any(String)],
      [
        'deal_stage_changed',
        `${w.me.name} moved a deal on a lead you sent to ${w.myStages[1]!.label}`,
        expect.any(String),
      ],
    ]);
    expect(notices[0]!.data).toMatchObject({
      deal_id: deal.id,
      deal_uuid: deal.uuid,
      from_company_name: w.me.name,
    });
    // Nobody of the owner hears of its own deal.
    const mine = await notificationsOf(db(), w.me.users[0]!.id);
    expect(mine.filter((n) => n.type.startsWith('deal_'))).toEqual([]);
  });

  it("falls back to the partner's admins when nobody of its lead is active", async () => {
    const w = await world();
    await db().execute(
      sql`UPDATE partnership_leads SET sent_by_user_id = NULL WHERE sender_lead_id = ${w.theirLead}`,
    );
    const deal = await createDeal(api(), w.me.keys.write, { lead_id: w.myLead });
    await relayed(db());
    const { rows } = await db().execute<{ user_id: number; type: string }>(sql`
      SELECT n.user_id, n.type FROM notifications n WHERE n.type = 'deal_created' AND n.data ->> 'deal_uuid' = ${deal.uuid}`);
    const { rows: admins } = await db().execute<{ id: number }>(
      sql`SELECT id FROM users WHERE company_id = ${w.partner.id} AND role = 'admin' AND disabled_at IS NULL ORDER BY id`,
    );
    expect(admins.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.user_id).sort((a, b) => a - b)).toEqual(admins.map((a) => a.id));
  });

  it('a deal on a lead the partner did not send notifies nobody', async () => {
    const w = await world();
    const lead = await ownLead(api(), w.me);
    const deal = await createDeal(api(), w.me.keys.write, {
      lead_id: lead.id,
      partnership_id: w.partnershipId,
    });
    await relayed(db());
    const { rows } = await db().execute(
      sql`SELECT 1 FROM notifications WHERE data ->> 'deal_uuid' = ${deal.uuid}`,
    );
    expect(rows).toEqual([]);
  });

  it('delete: deals.delete to both sides with the final state', async () => {
    const w = await world();
    const deal = await createDeal(api(), w.me.keys.write, { lead_id: w.myLead, tags: [w.myTag.id] });
    const after = await latestEventId(db());
    expect((await api().delete(`/v1/deals/${deal.id}`, { key: w.me.keys.write })).status).toBe(204);
    const list = await dealEventsAfter(after);
    expect(list.map((e) => [e.type, e.company_id])).toEqual([
      ['deals.delete', w.me.id],
      ['deals.delete', w.partner.id],
    ]);
    await expectAsStored(list);
    expect((list[0]!.payload as any).deal.tags).toHaveLength(1);
  });

  it("deleting a lead deletes the caller's deals on it (deals.delete to both sides), and no other deal", async () => {
    const w = await world();
    const onLead = await createDeal(api(), w.me.keys.write, { lead_id: w.myLead, label: 'On the lead' });
    const alsoOnLead = await createDeal(api(), w.me.keys.write, { lead_id: w.myLead, label: 'Second' });
    const theirs = await createDeal(api(), w.partner.keys.write, { lead_id: w.theirLead, label: 'Theirs' });
    const elsewhere = await createDeal(api(), w.me.keys.write, { lead_id: (await ownLead(api(), w.me)).id });
    const after = await latestEventId(db());
    expect((await api().delete(`/v1/leads/${w.myLead}`, { key: w.me.keys.write })).status).toBe(204);
    const { rows } = await db().execute<{ id: number; deleted: boolean }>(sql`
      SELECT id, deleted_at IS NOT NULL AS deleted FROM deals
      WHERE id = ANY(${sql.param([onLead.id, alsoOnLead.id, theirs.id, elsewhere.id])}::int[]) ORDER BY id`);
    expect(rows).toEqual([
      { id: onLead.id, deleted: true },
      { id: alsoOnLead.id, deleted: true },
      { id: theirs.id, deleted: false },
      { id: elsewhere.id, deleted: false },
    ]);
    const list = await dealEventsAfter(after);
    expect(
      list
        .map((e) => [e.type, e.company_id, (e.payload as any).deal.id])
        .sort((a, b) => `${a}`.localeCompare(`${b}`)),
    ).toEqual(
      [
        ['deals.delete', w.me.id, onLead.id],
        ['deals.delete', w.partner.id, onLead.id],
        ['deals.delete', w.me.id, alsoOnLead.id],
        ['deals.delete', w.partner.id, alsoOnLead.id],
      ].sort((a, b) => `${a}`.localeCompare(`${b}`)),
    );
    await expectAsStored(list);
    const leadEvents = await db()
      .select({ type: events.type })
      .from(events)
      .where(
        and(gt(events.id, after), eq(events.type, 'leads.delete'), inArray(events.company_id, [w.me.id])),
      );
    expect(leadEvents).toHaveLength(1);
    // The partner's deal on its own lead is still the partner's, and still seen by us.
    expect(
      (await api().patch(`/v1/deals/${theirs.id}`, { key: w.partner.keys.write, body: {} })).status,
    ).toBe(200);
  });
});
