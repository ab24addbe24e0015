import { and, desc, eq, inArray, like } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { events, partnerships } from '../../src/db/schema/index.js';
import * as create from '../../src/modules/leads/leads.create.js';
import { leadPayloads } from '../../src/modules/leads/leads.payload.js';
import { CreateLeadBody, UpdateLeadBody } from '../../src/modules/leads/leads.schemas.js';
import * as update from '../../src/modules/leads/leads.update.js';
import { uniq, useTestApp } from '../helpers/app.js';
import { makeCustomField } from '../helpers/catalogue-factories.js';
import { campaignBody, createLead, demo, leadRowCounts, seedExampleBody } from '../helpers/leads.js';

// The lead commands build their events' payloads inside their one write statement, from what
// that statement writes (CTEs share one snapshot). Whatever they build must be exactly the lead
// as the tables hold it once the statement is done: `leadPayloads` reads it that way. And what
// changes between a command's facts and its write is caught by the write's guards.

const ctx = useTestApp({}, { relay: false });
const db = () => ctx.t.database.db;
const api = () => ctx.t.api;

/** The last lead events of these companies, newest first. */
async function lastEvents(companyIds: number[], n: number) {
  return db()
    .select()
    .from(events)
    .where(and(inArray(events.company_id, companyIds), like(events.type, 'leads.%')))
    .orderBy(desc(events.id))
    .limit(n);
}

/** The event's payload equals the lead read back from the tables. */
async function expectPayloadAsStored(event: { payload: unknown; company_id: number }, leadId: number) {
  const stored = (await leadPayloads(db(), [leadId])).get(leadId)!;
  expect(event.company_id).toBe(stored.companyId);
  expect(event.payload).toEqual({ lead: stored.lead });
}

describe('lead events: the payload built by the write is the lead as stored', () => {
  it("create: the caller's lead and the partner's copy, with tags, values, users and the partnership lead", async () => {
    const { me, partner } = await demo(db());
    const region = await makeCustomField(db(), partner.id, 'select', { category: 'lead', label: 'Region' });
    const body = {
      ...seedExampleBody(me, partner),
      partnerCustomFields: [
        { customFieldId: region.id, type: 'select', value: { select: region.options[1]!.id } },
      ],
    };
    const created = await createLead(api(), me.keys.write, body);
    const [copyEvent, ownEvent] = await lastEvents([me.id, partner.id], 2);
    expect([ownEvent!.type, ownEvent!.company_id, copyEvent!.type, copyEvent!.company_id]).toEqual([
      'leads.create',
      me.id,
      'leads.create',
      partner.id,
    ]);
    expect(ownEvent!.actor_user_id).toBe(me.users[0]!.id);
    expect(copyEvent!.actor_user_id).toBeNull();
    expect([ownEvent!.meta, copyEvent!.meta]).toEqual([null, null]);
    await expectPayloadAsStored(ownEvent!, created.id);
    const copyId = (copyEvent!.payload as { lead: { id: number } }).lead.id;
    await expectPayloadAsStored(copyEvent!, copyId);
    expect((copyEvent!.payload as { lead: { custom_fields: unknown[] } }).lead.custom_fields).toEqual([
      expect.objectContaining({
        label: 'Region',
        options: region.options.map((o) => ({ id: o.id, label: o.label })),
      }),
    ]);
  });

  it('create: a campaign lead with nothing else', async () => {
    const { me } = await demo(db());
    const created = await createLead(api(), me.keys.write, campaignBody(me));
    const [event] = await lastEvents([me.id], 1);
    await expectPayloadAsStored(event!, created.id);
  });

  it('update: columns, tags and users replaced, values upserted and cleared; meta names the users newly assigned', async () => {
    const { me, partner } = await demo(db());
    const created = await createLead(api(), me.keys.write, seedExampleBody(me, partner));
    const [number, text] = me.customFields;
    const [admin, colleague] = me.users;
    const patch = (body: unknown) => api().patch(`/v1/leads/${created.id}`, { key: me.keys.write, body });

    expect((await patch({ assignedUsers: [admin!.id] })).status).toBe(200);
    let [event] = await lastEvents([me.id], 1);
    expect(event!.meta).toEqual({ notifyUserIds: [admin!.id] });
    await expectPayloadAsStored(event!, created.id);

    const res = await patch({
      first_name: 'Ada',
      email: `ada-${uniq()}@example.test`,
      status: 'qualified',
      tags: [me.tags[1]!.id],
      assignedUsers: [colleague!.id, admin!.id],
      customFields: [
        { customFieldId: number!.id, type: 'number', value: { number: 7 } },
        { customFieldId: text!.id, type: 'text', value: null },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    [event] = await lastEvents([me.id], 1);
    expect(event!.type).toBe('leads.update');
    expect(event!.actor_user_id).toBe(admin!.id);
    expect(event!.meta).toEqual({ notifyUserIds: [colleague!.id] });
    await expectPayloadAsStored(event!, created.id);
    expect((event!.payload as { lead: { updated_at: string } }).lead.updated_at).toBe(res.body.updated_at);

    // Nothing but a column: the lists come from the tables, and no one is notified.
    expect((await patch({ last_name: 'Lovelace' })).status).toBe(200);
    [event] = await lastEvents([me.id], 1);
    expect(event!.meta).toBeNull();
    await expectPayloadAsStored(event!, created.id);
  });

  it('delete: the final state of the lead', async () => {
    const { me, partner } = await demo(db());
    const created = await createLead(api(), me.keys.write, seedExampleBody(me, partner));
    expect((await api().delete(`/v1/leads/${created.id}`, { key: me.keys.write })).status).toBe(204);
    const [event] = await lastEvents([me.id], 1);
    expect(event!.type).toBe('leads.delete');
    expect(event!.actor_user_id).toBeNull();
    await expectPayloadAsStored(event!, created.id);
  });

  it("the partner's copy payload, seen from the copy's lead id, matches after the sender's changes too", async () => {
    const { me, partner } = await demo(db());
    await createLead(api(), me.keys.write, seedExampleBody(me, partner));
    const [copyEvent] = await lastEvents([partner.id], 1);
    const copyId = (copyEvent!.payload as { lead: { id: number } }).lead.id;
    expect(
      (await api().patch(`/v1/leads/${copyId}`, { key: partner.keys.write, body: { status: 'lost' } }))
        .status,
    ).toBe(200);
    const [event] = await db()
      .select()
      .from(events)
      .where(eq(events.company_id, partner.id))
      .orderBy(desc(events.id))
      .limit(1);
    await expectPayloadAsStored(event!, copyId);
  });
});

describe('lead commands: what changes between the facts and the write is caught in the write', () => {
  it('a partnership declined meanwhile: the same 400 as the rules give, and nothing is written', async () => {
    const { me, partner } = await demo(db());
    const caller = { companyId: me.id, userId: me.users[0]!.id, keyId: null };
    const input = CreateLeadBody.parse(seedExampleBody(me, partner));
    const facts = await create.facts(db(), caller, input);
    const plan = create.rules(facts, caller, input);
    const partnershipId = me.partners[0]!.partnership_id;
    await db().update(partnerships).set({ status: 'declined' }).where(eq(partnerships.id, partnershipId));
    const before = await leadRowCounts(db());
    await expect(create.write(db(), plan)).rejects.toMatchObject({
      code: 'bad_request',
      message: 'Invalid field values or missing required association',
      details: [
        {
          path: 'partnershipLead.partnership_id',
          message: `no accepted referral partnership of your company with id ${partnershipId}`,
        },
      ],
    });
    expect(await leadRowCounts(db())).toEqual(before);
  });

  it('a lead deleted meanwhile: PATCH is the 404 and writes nothing', async () => {
    const { me } = await demo(db());
    const created = await createLead(api(), me.keys.write, campaignBody(me));
    const caller = { companyId: me.id, userId: me.users[0]!.id, keyId: null };
    const input = UpdateLeadBody.parse({
      status: 'lost',
      tags: [me.tags[0]!.id],
      assignedUsers: [me.users[1]!.id],
      customFields: [{ customFieldId: me.customFields[0]!.id, type: 'number', value: { number: 1 } }],
    });
    const facts = await update.facts(db(), caller, created.id, input);
    const plan = update.rules(facts, caller, created.id, input);
    expect((await api().delete(`/v1/leads/${created.id}`, { key: me.keys.write })).status).toBe(204);
    const before = await leadRowCounts(db());
    await expect(update.write(db(), plan)).rejects.toMatchObject({
      code: 'not_found',
      message: 'Lead not found or not accessible',
    });
    expect(await leadRowCounts(db())).toEqual(before);
  });
});
