import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema/index.js';
import { useTestApp } from '../helpers/app.js';
import { makeTag } from '../helpers/catalogue-factories.js';
import { makeUser } from '../helpers/factories.js';
import {
  campaignBody,
  createLead,
  demo,
  eventsOf,
  getLead,
  seedExampleBody,
  uniqueEmail,
} from '../helpers/leads.js';

// After the create: GET, PATCH (replace semantics, the duplicate rule, each side its own row),
// DELETE (soft, frees the email), their events, and isolation between companies on every route.

const ctx = useTestApp();
const db = () => ctx.t.database.db;
const api = () => ctx.t.api;

const ISO = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
const NOT_FOUND = { error: 'Lead not found or not accessible', code: 'not_found' };
const ALREADY_DELETED = { error: 'Lead not found or already deleted', code: 'not_found' };
const FORBIDDEN = { error: 'Write access required for this operation', code: 'forbidden' };

const patch = (key: string, id: number, body: unknown) => api().patch(`/v1/leads/${id}`, { key, body });

describe('PATCH /v1/leads/{id}', () => {
  it('changes only the fields sent and answers {id, uuid, updated_at}', async () => {
    const { me } = await demo(db());
    const created = await createLead(
      api(),
      me.keys.write,
      campaignBody(me, { first_name: 'Ann', phone_number: '1' }),
    );
    const before = await getLead(api(), me.keys.read, created.id);

    const res = await patch(me.keys.write, created.id, {
      status: 'contacted',
      last_name: 'Lee',
      phone_number: null,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ id: created.id, uuid: created.uuid, updated_at: ISO });
    expect(Date.parse(res.body.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));

    const after = await getLead(api(), me.keys.read, created.id);
    expect(after).toEqual({
      ...before,
      status: 'contacted',
      last_name: 'Lee',
      phone_number: null,
      updated_at: res.body.updated_at,
    });
  });

  it('tags and assignedUsers replace their lists; absent they stay; [] empties them', async () => {
    const { me } = await demo(db());
    const [hot, enterprise] = me.tags;
    const [admin, colleague] = me.users;
    const created = await createLead(api(), me.keys.write, campaignBody(me, { tags: [hot!.id] }));
    const ids = async () => {
      const lead = await getLead(api(), me.keys.read, created.id);
      return {
        tags: lead.tags.map((t: { id: number }) => t.id).sort(),
        users: lead.assigned_users.map((u: { id: number }) => u.id),
      };
    };

    expect(
      (
        await patch(me.keys.write, created.id, {
          tags: [enterprise!.id, { id: hot!.id }],
          assignedUsers: [colleague!.id, admin!.id],
        })
      ).status,
    ).toBe(200);
    expect(await ids()).toEqual({
      tags: [hot!.id, enterprise!.id].sort(),
      users: [admin!.id, colleague!.id],
    });

    expect((await patch(me.keys.write, created.id, { tags: [enterprise!.id] })).status).toBe(200);
    expect(await ids()).toEqual({ tags: [enterprise!.id], users: [admin!.id, colleague!.id] });

    expect((await patch(me.keys.write, created.id, { assignedUsers: [] })).status).toBe(200);
    expect(await ids()).toEqual({ tags: [enterprise!.id], users: [] });

    expect((await patch(me.keys.write, created.id, { tags: [] })).status).toBe(200);
    expect(await ids()).toEqual({ tags: [], users: [] });
  });

  it('customFields are upserted; value null removes one', async () => {
    const { me, partner } = await demo(db());
    const body = seedExampleBody(me, partner);
    const created = await createLead(api(), me.keys.write, body);
    const [number, text] = body.customFields;
    const values = async () =>
      (await getLead(api(), me.keys.read, created.id)).custom_fields.map(
        (f: { id: number; value: unknown }) => [f.id, f.value],
      );

    await patch(me.keys.write, created.id, {
      customFields: [{ customFieldId: number!.customFieldId, type: 'number', value: { number: 5 } }],
    });
    expect(await values()).toEqual([
      [number!.customFieldId, { number: 5 }],
      [text!.customFieldId, text!.value],
    ]);
    await patch(me.keys.write, created.id, {
      customFields: [{ customFieldId: text!.customFieldId, type: 'text', value: null }],
    });
    expect(await values()).toEqual([[number!.customFieldId, { number: 5 }]]);
  });

  it('refuses what the create would refuse, naming each field', async () => {
    const { me, partner } = await demo(db());
    const created = await createLead(api(), me.keys.write, campaignBody(me));
    const partnerTag = await makeTag(db(), me.id, { association: 'partner' });
    const gone = await makeUser(db(), me.id);
    await db().update(users).set({ disabled_at: sql`now()` }).where(eq(users.id, gone.id));
    const res = await patch(me.keys.write, created.id, {
      status: 'won',
      email: 'nope',
      tags: [partnerTag.id],
      assignedUsers: [gone.id, partner.users[0]!.id],
    });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      { path: 'email', message: 'must be a valid email address' },
      { path: 'status', message: 'must be one of: new, contacted, qualified, converted, lost' },
    ]);
    const ids = await patch(me.keys.write, created.id, {
      tags: [partnerTag.id],
      assignedUsers: [gone.id, partner.users[0]!.id],
    });
    expect(ids.status).toBe(400);
    expect(ids.body).toEqual({
      error: `Invalid field 'assignedUsers[0]': no active user in your company with id ${gone.id}`,
      code: 'bad_request',
      details: [
        { path: 'assignedUsers[0]', message: `no active user in your company with id ${gone.id}` },
        {
          path: 'assignedUsers[1]',
          message: `no active user in your company with id ${partner.users[0]!.id}`,
        },
        { path: 'tags[0]', message: `no lead tag in your company with id ${partnerTag.id}` },
      ],
    });
    // A lead keeps an email or a company name.
    const bare = await patch(me.keys.write, created.id, { email: null });
    expect(bare.status).toBe(400);
    expect(bare.body.details).toEqual([
      { path: 'email', message: 'a lead needs an email or a company_name' },
    ]);
    expect(
      (await patch(me.keys.write, created.id, { email: null, company_name: 'Still Named' })).status,
    ).toBe(200);
    expect((await patch(me.keys.write, created.id, { unknown: 1 })).body.error).toBe(
      'Unknown field: unknown',
    );
  });

  it('an email change follows the duplicate rule: 409 on a live lead, fine after it is deleted', async () => {
    const { me } = await demo(db());
    const taken = uniqueEmail();
    const first = await createLead(api(), me.keys.write, campaignBody(me, { email: taken }));
    const second = await createLead(api(), me.keys.write, campaignBody(me));
    const res = await patch(me.keys.write, second.id, { email: ` ${taken.toUpperCase()} ` });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'Duplicate lead or unique constraint violation', code: 'conflict' });
    // Its own email in another case is not a duplicate of itself.
    expect((await patch(me.keys.write, first.id, { email: taken.toUpperCase() })).status).toBe(200);
    expect((await api().delete(`/v1/leads/${first.id}`, { key: me.keys.write })).status).toBe(204);
    expect((await patch(me.keys.write, second.id, { email: taken })).status).toBe(200);
  });

  it("changes stay on the side that makes them: the sender's lead and the partner's copy are two rows", async () => {
    const { me, partner } = await demo(db());
    const created = await createLead(api(), me.keys.write, seedExampleBody(me, partner));
    const copyId = (await api().get('/v1/leads', { key: partner.keys.read })).body.data[0].id;

    expect(
      (
        await patch(partner.keys.write, copyId, {
          status: 'qualified',
          assignedUsers: [],
          first_name: 'Johnny',
        })
      ).status,
    ).toBe(200);
    expect((await patch(me.keys.write, created.id, { status: 'lost', tags: [] })).status).toBe(200);

    expect(await getLead(api(), me.keys.read, created.id)).toMatchObject({
      status: 'lost',
      first_name: 'John',
      tags: [],
    });
    expect(await getLead(api(), partner.keys.read, copyId)).toMatchObject({
      status: 'qualified',
      first_name: 'Johnny',
      assigned_users: [],
    });
  });

  it('writes leads.update with the lead as it is after the change', async () => {
    const { me } = await demo(db());
    const created = await createLead(api(), me.keys.write, campaignBody(me));
    await patch(me.keys.write, created.id, { status: 'converted', assignedUsers: [me.users[1]!.id] });
    const rows = await eventsOf(db(), [me.id]);
    expect(rows.map((e) => e.type)).toEqual(['leads.create', 'leads.update']);
    expect(rows[1]!.payload).toMatchObject({
      lead: {
        id: created.id,
        uuid: created.uuid,
        status: 'converted',
        assigned_users: [expect.objectContaining({ email: me.users[1]!.email })],
      },
    });
  });
});

describe('DELETE /v1/leads/{id}', () => {
  it('204, then the lead is gone from every read; a second DELETE is 404; its email is free', async () => {
    const { me } = await demo(db());
    const email = uniqueEmail();
    const created = await createLead(api(), me.keys.write, campaignBody(me, { email }));
    const other = await createLead(api(), me.keys.write, campaignBody(me));
    const count = async () => (await api().get('/v1/leads', { key: me.keys.read })).body.meta['record-count'];
    expect(await count()).toBe(2);

    const res = await api().delete(`/v1/leads/${created.id}`, { key: me.keys.write });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    expect(await api().get(`/v1/leads/${created.id}`, { key: me.keys.read })).toMatchObject({
      status: 404,
      body: NOT_FOUND,
    });
    expect(await patch(me.keys.write, created.id, { status: 'lost' })).toMatchObject({
      status: 404,
      body: NOT_FOUND,
    });
    const list = await api().get('/v1/leads', { key: me.keys.read });
    expect(list.body.data.map((l: { id: number }) => l.id)).toEqual([other.id]);
    expect(await count()).toBe(1);
    expect(await api().delete(`/v1/leads/${created.id}`, { key: me.keys.write })).toMatchObject({
      status: 404,
      body: ALREADY_DELETED,
    });

    const again = await createLead(api(), me.keys.write, campaignBody(me, { email }));
    expect(again.id).not.toBe(created.id);
  });

  it('writes leads.delete with the final state of the lead', async () => {
    const { me } = await demo(db());
    const created = await createLead(api(), me.keys.write, campaignBody(me));
    await api().delete(`/v1/leads/${created.id}`, { key: me.keys.write });
    const rows = await eventsOf(db(), [me.id]);
    expect(rows.map((e) => e.type)).toEqual(['leads.create', 'leads.delete']);
    expect(rows[1]!.payload).toMatchObject({ lead: { id: created.id, uuid: created.uuid } });
  });
});

describe("leads: another company's lead is 404 on every route; read keys cannot write", () => {
  it('GET, PATCH and DELETE of a lead of another company (even a partner) answer 404 and change nothing', async () => {
    const { me, partner } = await demo(db());
    const created = await createLead(api(), me.keys.write, seedExampleBody(me, partner));
    const before = await getLead(api(), me.keys.read, created.id);
    const stranger = (await demo(db())).me;
    for (const other of [partner, stranger]) {
      for (const prefix of ['/v1', '/api/v1']) {
        const path = `${prefix}/leads/${created.id}`;
        expect(await api().get(path, { key: other.keys.read })).toMatchObject({
          status: 404,
          body: NOT_FOUND,
        });
        expect(await api().patch(path, { key: other.keys.write, body: { status: 'lost' } })).toMatchObject({
          status: 404,
          body: NOT_FOUND,
        });
        expect(await api().delete(path, { key: other.keys.write })).toMatchObject({
          status: 404,
          body: ALREADY_DELETED,
        });
      }
      const list = await api().get('/v1/leads', { key: other.keys.read });
      expect(list.body.data.map((l: { id: number }) => l.id)).not.toContain(created.id);
    }
    expect(await getLead(api(), me.keys.read, created.id)).toEqual(before);
  });

  it('an id no lead has is 404, and so is one that is not an id', async () => {
    const { me } = await demo(db());
    expect(await api().get('/v1/leads/2147483647', { key: me.keys.read })).toMatchObject({
      status: 404,
      body: NOT_FOUND,
    });
    for (const bad of ['abc', '0', '2147483648', '007']) {
      expect(await api().get(`/v1/leads/${bad}`, { key: me.keys.read }), bad).toMatchObject({
        status: 404,
        body: NOT_FOUND,
      });
    }
  });

  it('a read key may read but gets 403 on POST, PATCH and DELETE, which change nothing', async () => {
    const { me } = await demo(db());
    const created = await createLead(api(), me.keys.write, campaignBody(me));
    const before = await getLead(api(), me.keys.read, created.id);
    expect(await api().post('/v1/leads', { key: me.keys.read, body: campaignBody(me) })).toMatchObject({
      status: 403,
      body: FORBIDDEN,
    });
    expect(await patch(me.keys.read, created.id, { status: 'lost' })).toMatchObject({
      status: 403,
      body: FORBIDDEN,
    });
    expect(await api().delete(`/v1/leads/${created.id}`, { key: me.keys.read })).toMatchObject({
      status: 403,
      body: FORBIDDEN,
    });
    expect(await getLead(api(), me.keys.read, created.id)).toEqual(before);
    expect((await api().get('/v1/leads', { key: me.keys.read })).body.meta['record-count']).toBe(1);
  });
});

describe('GET /v1/leads/{id}: notes', () => {
  it("includes the lead's notes, newest first", async () => {
    const { me } = await demo(db());
    const created = await createLead(api(), me.keys.write, campaignBody(me));
    const document = (text: string) => ({
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
    });
    for (const text of ['first', 'second']) {
      const res = await api().post(`/v1/leads/${created.id}/notes`, {
        key: me.keys.write,
        body: { document: document(text) },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const lead = await getLead(api(), me.keys.read, created.id);
    expect(lead.notes.map((n: { document: unknown }) => n.document)).toEqual([
      document('second'),
      document('first'),
    ]);
    expect(lead.notes[0]).toMatchObject({ lead_id: created.id, created_by: { id: me.users[0]!.id } });
  });
});
