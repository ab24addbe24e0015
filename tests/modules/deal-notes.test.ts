import { randomUUID } from 'node:crypto';
import { and, asc, eq, like, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { events } from '../../src/db/schema/index.js';
import { useTestApp } from '../helpers/app.js';
import { makeDeal } from '../helpers/deal-factories.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';
import { demo } from '../helpers/leads.js';
import { notificationsOf } from '../helpers/notifications.js';

// Deal notes (A18): the lead-note document rules, one set of notes per side of a deal.

const ctx = useTestApp();
const api = () => ctx.t.api;
const db = () => ctx.t.database.db;

const DEAL_NOT_FOUND = { error: 'Deal not found or not accessible', code: 'not_found' };
const NOTE_NOT_FOUND = { error: 'Note not found', code: 'not_found' };
const doc = (text: string) => ({
  type: 'doc',
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});

/** Two companies in an accepted partnership and a partnership deal both see. */
async function world() {
  const { me, partner } = await demo(db());
  const deal = await makeDeal(db(), {
    owner: { companyId: me.id },
    partner: { companyId: partner.id },
    partnershipId: me.partners[0]!.partnership_id,
    dealValue: '100',
  });
  const add = async (key: string, body: unknown, base = '/v1/deals') => {
    const res = await api().post(`${base}/${deal.id}/notes`, { key, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };
  return { me, partner, deal, add };
}

const noteEvents = (companyId: number) =>
  db()
    .select()
    .from(events)
    .where(and(eq(events.company_id, companyId), like(events.type, 'deals.notes_%')))
    .orderBy(asc(events.id));

describe('deal notes: happy paths', () => {
  it('creates, reads, lists, updates and deletes a note, with its events', async () => {
    const { me, deal } = await world();
    const key = me.keys.write;
    const attachment = randomUUID();
    const created = await api().post(`/v1/deals/${deal.id}/notes`, {
      key,
      body: { document: doc('Called them'), attachments: [attachment], mentions: [me.users[1]!.id] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      deal_id: deal.id,
      document: doc('Called them'),
      content: doc('Called them'),
      attachments: [attachment],
      mentions: [me.users[1]!.id],
      created_by: {
        id: me.users[0]!.id,
        first_name: me.users[0]!.first_name,
        last_name: me.users[0]!.last_name,
      },
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const id = created.body.id;
    const one = await api().get(`/v1/deals/${deal.id}/notes/${id}`, { key: me.keys.read });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(created.body);
    // The alias and the uuid address the same note.
    const byUuid = await api().get(`/v1/lead-deals/${deal.uuid}/notes/${created.body.uuid}`, { key });
    expect(byUuid.body).toEqual(created.body);

    const patched = await api().patch(`/v1/deals/${deal.id}/notes/${id}`, {
      key,
      body: { document: doc('Demo booked') },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ id, updated_at: expect.any(String) });
    expect(new Date(patched.body.updated_at).getTime()).toBeGreaterThanOrEqual(
      new Date(created.body.updated_at).getTime(),
    );
    // A body that changes nothing is answered without a write (and without an event).
    const same = await api().patch(`/v1/deals/${deal.id}/notes/${id}`, { key, body: {} });
    expect(same.body).toEqual(patched.body);

    const list = await api().get(`/v1/deals/${deal.id}/notes`, { key });
    expect(list.status).toBe(200);
    expect(list.body.data.map((n: any) => n.document)).toEqual([doc('Demo booked')]);
    expect(list.body.meta).toEqual({ 'record-count': 1, 'page-count': 1 });

    const removed = await api().delete(`/v1/deals/${deal.id}/notes/${id}`, { key });
    expect(removed.status).toBe(204);
    expect((await api().get(`/v1/deals/${deal.id}/notes/${id}`, { key })).body).toEqual(NOTE_NOT_FOUND);
    expect((await api().delete(`/v1/deals/${deal.id}/notes/${id}`, { key })).status).toBe(404);

    const evs = await noteEvents(me.id);
    expect(evs.map((e) => e.type)).toEqual([
      'deals.notes_create',
      'deals.notes_update',
      'deals.notes_delete',
    ]);
    const author = me.users[0]!;
    expect(evs[0]!.payload).toEqual({
      note: {
        uuid: created.body.uuid,
        created_at: created.body.created_at,
        updated_at: created.body.updated_at,
        document: 'Called them',
        user_uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        user_email: author.email,
        user_first_name: author.first_name,
        user_last_name: author.last_name,
        lead_deal_uuid: deal.uuid,
      },
    });
    expect((evs[1]!.payload as any).note.document).toBe('Demo booked');
    expect((evs[2]!.payload as any).note).toMatchObject({ uuid: created.body.uuid, document: 'Demo booked' });
  });

  it('pages the list newest first with the exact total', async () => {
    const { me, deal, add } = await world();
    for (const n of [1, 2, 3]) await add(me.keys.write, { document: doc(`Note ${n}`) });
    const first = await api().get(`/v1/deals/${deal.id}/notes?pageSize=2`, { key: me.keys.read });
    expect(first.body.data.map((n: any) => n.document.content[0].content[0].text)).toEqual([
      'Note 3',
      'Note 2',
    ]);
    expect(first.body.meta).toEqual({ 'record-count': 3, 'page-count': 2 });
    const second = await api().get(`/v1/deals/${deal.id}/notes?pageSize=2&page=2`, { key: me.keys.read });
    expect(second.body.data.map((n: any) => n.document.content[0].content[0].text)).toEqual(['Note 1']);
  });
});

describe('deal notes: two sides', () => {
  it("each company sees only its own notes on the shared deal, and cannot touch the other's", async () => {
    const { me, partner, deal, add } = await world();
    const mine = await add(me.keys.write, { document: doc('Owner note') });
    const theirs = await add(partner.keys.write, { document: doc('Partner note') }, '/v1/lead-deals');
    const listOf = async (key: string) =>
      (await api().get(`/v1/deals/${deal.id}/notes`, { key })).body.data.map((n: any) => n.id);
    expect(await listOf(me.keys.read)).toEqual([mine.id]);
    expect(await listOf(partner.keys.read)).toEqual([theirs.id]);
    // The other side's note is the same 404 as a note that does not exist.
    for (const [key, id] of [
      [me.keys.write, theirs.id],
      [partner.keys.write, mine.id],
    ] as const) {
      const url = `/v1/deals/${deal.id}/notes/${id}`;
      expect((await api().get(url, { key })).body).toEqual(NOTE_NOT_FOUND);
      expect((await api().patch(url, { key, body: { document: doc('x') } })).body).toEqual(NOTE_NOT_FOUND);
      expect((await api().delete(url, { key })).body).toEqual(NOTE_NOT_FOUND);
    }
    // Each side's event goes to its own company only.
    expect((await noteEvents(me.id)).map((e) => (e.payload as any).note.uuid)).toEqual([mine.uuid]);
    expect((await noteEvents(partner.id)).map((e) => (e.payload as any).note.uuid)).toEqual([theirs.uuid]);
  });

  it("is a 404 for another company's deal, a deleted deal and a missing one", async () => {
    const { deal } = await world();
    const other = await makeTenant(db());
    const body = { document: doc('x') };
    for (const path of [
      `/v1/deals/${deal.id}/notes`,
      `/v1/deals/${deal.uuid}/notes`,
      '/v1/deals/999999/notes',
    ]) {
      expect((await api().get(path, { key: other.readKey })).body).toEqual(DEAL_NOT_FOUND);
      expect((await api().post(path, { key: other.writeKey, body })).body).toEqual(DEAL_NOT_FOUND);
    }
    const { me } = await world();
    const live = await makeDeal(db(), { owner: { companyId: me.id } });
    const note = await api().post(`/v1/deals/${live.id}/notes`, { key: me.keys.write, body });
    expect(note.status).toBe(201);
    await db().execute(sql`UPDATE deals SET deleted_at = now() WHERE id = ${live.id}`);
    expect((await api().get(`/v1/deals/${live.id}/notes`, { key: me.keys.read })).body).toEqual(
      DEAL_NOT_FOUND,
    );
    expect(
      (await api().get(`/v1/deals/${live.id}/notes/${note.body.id}`, { key: me.keys.read })).body,
    ).toEqual(DEAL_NOT_FOUND);
    expect(
      (await api().patch(`/v1/deals/${live.id}/notes/${note.body.id}`, { key: me.keys.write, body })).body,
    ).toEqual(DEAL_NOT_FOUND);
    expect(
      (await api().delete(`/v1/deals/${live.id}/notes/${note.body.id}`, { key: me.keys.write })).body,
    ).toEqual(DEAL_NOT_FOUND);
  });
});

describe('deal notes: validation', () => {
  it('refuses a bad document, attachments and mentions, naming each field', async () => {
    const { me, partner, deal } = await world();
    const url = `/v1/deals/${deal.id}/notes`;
    const key = me.keys.write;
    const missing = await api().post(url, { key, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.details).toEqual([{ path: 'document', message: expect.any(String) }]);
    const bad = await api().post(url, {
      key,
      body: { document: { type: 'paragraph', content: [{ type: 'text' }] }, attachments: ['nope'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: any) => d.path).sort()).toEqual(
      ['attachments[0]', 'document.content[0].text', 'document.type'].sort(),
    );
    // Mentions: only active users of the caller's company (a partner's user is not one).
    const gone = await makeUser(db(), me.id);
    await db().execute(sql`UPDATE users SET disabled_at = now() WHERE id = ${gone.id}`);
    const mentions = await api().post(url, {
      key,
      body: { document: doc('x'), mentions: [me.users[1]!.id, partner.users[0]!.id, gone.id] },
    });
    expect(mentions.status).toBe(400);
    expect(mentions.body.details.map((d: any) => d.path)).toEqual(['mentions[1]', 'mentions[2]']);
    expect(await noteEvents(me.id)).toEqual([]);
  });
});

describe('deal notes: mentions notify', () => {
  it('notifies the mentioned users once, then only the newly mentioned ones', async () => {
    const { me, deal, add } = await world();
    const ann = await makeUser(db(), me.id, { first_name: 'Ann' });
    const bob = await makeUser(db(), me.id, { first_name: 'Bob' });
    // A key of Ann's: she is not told of her own mention.
    const annKey = (await makeApiKey(db(), me.id, 'write', { userId: ann.id })).key;
    const note = await add(annKey, { document: doc('Ask Ann and Bob'), mentions: [ann.id, bob.id] });
    await api().patch(`/v1/deals/${deal.id}/notes/${note.id}`, {
      key: me.keys.write,
      body: { mentions: [ann.id, bob.id, me.users[1]!.id] },
    });
    const bobs = await notificationsOf(db(), bob.id);
    expect(bobs).toEqual([
      expect.objectContaining({
        type: 'deal_note_mention',
        title: 'Ann User mentioned you in a deal note',
        body: 'Ask Ann and Bob',
        data: { deal_uuid: deal.uuid, note_uuid: note.uuid },
      }),
    ]);
    // Ann wrote the note mentioning herself, and was already mentioned when the PATCH came.
    expect(await notificationsOf(db(), ann.id)).toEqual([]);
    expect(
      (await notificationsOf(db(), me.users[1]!.id)).filter((n) => n.type === 'deal_note_mention'),
    ).toHaveLength(1);
  });
});
