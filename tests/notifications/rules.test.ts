import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { recordEvents } from '../../src/modules/events/events.js';
import { uniq, useTestApp } from '../helpers/app.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';
import { invite, notificationsOf, sendLead } from '../helpers/notifications.js';

// Who is notified of what: each rule through the API where a producer exists, and through
// recordEvents (as a producer calls it) for the internal `meta` a producer may pass.

const ctx = useTestApp();
const db = () => ctx.t.database.db;
const api = () => ctx.t.api;

type Tenant = Awaited<ReturnType<typeof makeTenant>>;

/** The notification types each user has, by user id. */
async function kinds(userIds: number[]) {
  const out: Record<number, string[]> = {};
  for (const id of userIds) out[id] = (await notificationsOf(db(), id)).map((n) => n.type);
  return out;
}

/** A campaign lead of the tenant, through the API. */
async function makeLead(tenant: Tenant, fields: Record<string, unknown> = {}) {
  const campaign = await api().post('/v1/campaigns', {
    key: tenant.writeKey,
    body: { title: `Campaign ${uniq()}` },
  });
  const body = {
    associationType: 'campaigns',
    companyCampaignId: campaign.body.id,
    email: `lead-${uniq()}@example.test`,
  };
  const res = await api().post('/v1/leads', { key: tenant.writeKey, body: { ...body, ...fields } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id as number, uuid: res.body.uuid as string, email: body.email };
}

async function deactivate(tenant: Tenant, userId: number) {
  expect((await api().delete(`/v1/users/${userId}`, { key: tenant.writeKey })).status).toBe(204);
}

describe('rule: a partnership accepted', () => {
  it("notifies the inviting company's active admins and the user who invited, nobody else", async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const otherAdmin = await makeUser(db(), me.company.id, { role: 'admin' });
    const goneAdmin = await makeUser(db(), me.company.id, { role: 'admin' });
    const inviterUser = await makeUser(db(), me.company.id, { role: 'partnerships' });
    const bystander = await makeUser(db(), me.company.id, { role: 'partnerships' });
    await deactivate(me, goneAdmin.id);
    const inviterKey = (await makeApiKey(db(), me.company.id, 'write', { userId: inviterUser.id })).key;
    const { answer } = await invite(api(), inviterKey, them);
    expect(await kinds([me.admin.id, otherAdmin.id, inviterUser.id])).toEqual({
      [me.admin.id]: [],
      [otherAdmin.id]: [],
      [inviterUser.id]: [],
    });

    await answer('accept');
    const accepted = ['partnership_accepted'];
    expect(
      await kinds([me.admin.id, otherAdmin.id, inviterUser.id, goneAdmin.id, bystander.id, them.admin.id]),
    ).toEqual({
      [me.admin.id]: accepted,
      [otherAdmin.id]: accepted,
      [inviterUser.id]: accepted,
      [goneAdmin.id]: [],
      [bystander.id]: [],
      [them.admin.id]: [],
    });
    const [row] = await notificationsOf(db(), inviterUser.id);
    expect(row).toMatchObject({ company_id: me.company.id, event_id: expect.any(Number) });
  });

  it('a decline notifies nobody', async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const { answer } = await invite(api(), me.writeKey, them);
    await answer('decline');
    expect(await kinds([me.admin.id, them.admin.id])).toEqual({ [me.admin.id]: [], [them.admin.id]: [] });
  });
});

describe('rule: a mention in a note', () => {
  const doc = (text: string) => ({
    type: 'doc',
    content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
  });

  it('notifies the mentioned users (not the author), and on update only the newly mentioned', async () => {
    const me = await makeTenant(db());
    const ann = await makeUser(db(), me.company.id, { first_name: 'Ann' });
    const bob = await makeUser(db(), me.company.id, { first_name: 'Bob' });
    const lead = await makeLead(me, { company_name: 'Acme' });
    const created = await api().post(`/v1/leads/${lead.id}/notes`, {
      key: me.writeKey,
      body: { document: doc('Ann, please call them'), mentions: [ann.id, me.admin.id] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(await kinds([ann.id, bob.id, me.admin.id])).toEqual({
      [ann.id]: ['note_mention'],
      [bob.id]: [],
      [me.admin.id]: [],
    });
    const [mention] = await notificationsOf(db(), ann.id);
    expect(mention).toMatchObject({
      title: `${me.admin.first_name} ${me.admin.last_name} mentioned you in a note`,
      body: 'Ann, please call them',
      data: {
        lead_id: lead.id,
        lead_uuid: lead.uuid,
        note_id: created.body.id,
        note_uuid: created.body.uuid,
      },
    });

    const updated = await api().patch(`/v1/leads/${lead.id}/notes/${created.body.id}`, {
      key: me.writeKey,
      body: { mentions: [ann.id, bob.id] },
    });
    expect(updated.status).toBe(200);
    expect(await kinds([ann.id, bob.id])).toEqual({ [ann.id]: ['note_mention'], [bob.id]: ['note_mention'] });
  });
});

/** Records one event as a producer does, in a transaction of its own. */
function produce(event: Parameters<typeof recordEvents>[1][number]) {
  return (db() as Db).transaction((tx) => recordEvents(tx, [event]));
}

describe('rule: a lead assigned to you', () => {
  it('leads.create notifies the assigned users named in the payload, except the one who created it', async () => {
    const me = await makeTenant(db());
    const ann = await makeUser(db(), me.company.id);
    const lead = await makeLead(me, { company_name: 'Globex' });
    await produce({
      companyId: me.company.id,
      type: 'leads.create',
      apiKeyId: me.writeKeyId,
      payload: {
        lead: {
          id: lead.id,
          uuid: lead.uuid,
          company_name: 'Globex',
          assigned_users: [
            { uuid: ann.uuid, email: ann.email },
            { uuid: me.admin.uuid, email: me.admin.email },
          ],
          received_from_company: [],
        },
      },
    });
    expect(await kinds([ann.id, me.admin.id])).toEqual({ [ann.id]: ['lead_assigned'], [me.admin.id]: [] });
    expect((await notificationsOf(db(), ann.id))[0]).toMatchObject({
      title: 'A lead was assigned to you',
      body: 'Globex',
      data: { lead_id: lead.id, lead_uuid: lead.uuid },
    });
  });

  it('PATCH /v1/leads/{id} notifies the users it newly assigns, each time they are assigned anew', async () => {
    const me = await makeTenant(db());
    const ann = await makeUser(db(), me.company.id);
    const bob = await makeUser(db(), me.company.id);
    const lead = await makeLead(me, { company_name: 'Hooli' });
    const patch = async (body: Record<string, unknown>) => {
      const res = await api().patch(`/v1/leads/${lead.id}`, { key: me.writeKey, body });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    };
    const count = async () =>
      Object.fromEntries(
        Object.entries(await kinds([ann.id, bob.id, me.admin.id])).map(([id, list]) => [id, list.length]),
      );

    await patch({ assignedUsers: [ann.id, me.admin.id] });
    expect(await count()).toEqual({ [ann.id]: 1, [bob.id]: 0, [me.admin.id]: 0 });
    const [first] = await notificationsOf(db(), ann.id);
    expect(first).toMatchObject({
      type: 'lead_assigned',
      body: 'Hooli',
      data: { lead_id: lead.id, lead_uuid: lead.uuid },
    });
    await patch({ assignedUsers: [ann.id, bob.id] });
    expect(await count()).toEqual({ [ann.id]: 1, [bob.id]: 1, [me.admin.id]: 0 });
    await patch({ status: 'contacted' });
    await patch({ assignedUsers: [] });
    expect(await count()).toEqual({ [ann.id]: 1, [bob.id]: 1, [me.admin.id]: 0 });
    await patch({ assignedUsers: [ann.id] });
    expect(await count()).toEqual({ [ann.id]: 2, [bob.id]: 1, [me.admin.id]: 0 });
  });

  it('meta.notifyUserIds names the recipients exactly, limited to active users of the company', async () => {
    const me = await makeTenant(db());
    const stranger = await makeTenant(db());
    const ann = await makeUser(db(), me.company.id);
    const gone = await makeUser(db(), me.company.id);
    await deactivate(me, gone.id);
    const lead = await makeLead(me);
    const event = {
      companyId: me.company.id,
      type: 'leads.update' as const,
      apiKeyId: me.writeKeyId,
      payload: { lead: { id: lead.id, uuid: lead.uuid, email: lead.email, assigned_users: [] } },
    };
    // Without meta an update notifies nobody: its payload cannot tell who is new.
    await produce(event);
    await produce({
      ...event,
      meta: { notifyUserIds: [ann.id, gone.id, stranger.admin.id, me.admin.id] },
    });
    expect(await kinds([ann.id, gone.id, stranger.admin.id, me.admin.id])).toEqual({
      [ann.id]: ['lead_assigned'],
      [gone.id]: [],
      [stranger.admin.id]: [],
      [me.admin.id]: [],
    });
    expect((await notificationsOf(db(), ann.id))[0]!.body).toBe(lead.email);
  });

  it('notifications roll back with the transaction that recorded the event', async () => {
    const me = await makeTenant(db());
    const ann = await makeUser(db(), me.company.id);
    const lead = await makeLead(me);
    await expect(
      (db() as Db).transaction(async (tx) => {
        await recordEvents(tx, [
          {
            companyId: me.company.id,
            type: 'leads.update',
            payload: { lead: { id: lead.id, uuid: lead.uuid } },
            meta: { notifyUserIds: [ann.id] },
          },
        ]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await notificationsOf(db(), ann.id)).toEqual([]);
  });
});

describe('rule: a lead received from a partner (POST /v1/leads with sendToPartner)', () => {
  it('notifies the partner users the sender named', async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const named = await makeUser(db(), them.company.id);
    const { mine, answer } = await invite(api(), me.writeKey, them);
    await answer('accept');
    await sendLead(api(), me.writeKey, mine.partnership_id, [named.id]);
    expect(await kinds([named.id, them.admin.id, me.admin.id])).toEqual({
      [named.id]: ['lead_received'],
      [them.admin.id]: [],
      [me.admin.id]: ['partnership_accepted'],
    });
    const [received] = await notificationsOf(db(), named.id);
    expect(received).toMatchObject({
      company_id: them.company.id,
      title: `New lead from ${me.company.name}`,
      body: 'Initech',
      data: { partnership_uuid: mine.partnership.uuid, from_company_name: me.company.name },
    });
    // The notification points at the partner's own copy, which its key can read.
    const copy = await api().get(`/v1/leads/${(received!.data as any).lead_id}`, { key: them.readKey });
    expect(copy.status).toBe(200);
    expect(copy.body.company_name).toBe('Initech');
  });

  it("with nobody named, notifies the partner company's active admins", async () => {
    const me = await makeTenant(db());
    const them = await makeTenant(db());
    const otherAdmin = await makeUser(db(), them.company.id, { role: 'admin' });
    const member = await makeUser(db(), them.company.id, { role: 'partnerships' });
    const { mine, answer } = await invite(api(), me.writeKey, them);
    await answer('accept');
    await sendLead(api(), me.writeKey, mine.partnership_id);
    expect(await kinds([them.admin.id, otherAdmin.id, member.id])).toEqual({
      [them.admin.id]: ['lead_received'],
      [otherAdmin.id]: ['lead_received'],
      [member.id]: [],
    });
  });
});
