import { randomUUID } from 'node:crypto';
import { and, asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, leadNotes } from '../../src/db/schema/index.js';
import { notesForLead } from '../../src/modules/leads/notes/lead-notes.repository.js';
import { documentToText, type ProseMirrorNode } from '../../src/modules/notes/index.js';
import { createTestDatabase, startTestApp, type TestApp } from '../helpers/app.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';
import { deleteLead, makeLead } from '../helpers/lead-factories.js';

let t: TestApp;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  t = await startTestApp(db.url);
});

afterAll(async () => {
  await t?.close();
  await drop?.();
});

/** Journeybee's answer for a lead that is not the caller's, or was deleted. */
const LEAD_NOT_FOUND = { error: 'Lead not found or not accessible', code: 'not_found' };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const paragraph = (...content: ProseMirrorNode[]): ProseMirrorNode => ({ type: 'paragraph', content });
const text = (value: string, extra: Partial<ProseMirrorNode> = {}): ProseMirrorNode => ({
  type: 'text',
  text: value,
  ...extra,
});
const doc = (...content: ProseMirrorNode[]): ProseMirrorNode => ({ type: 'doc', content });
const simpleDoc = (value = 'A note') => doc(paragraph(text(value)));

/** A tenant with a lead, and helpers bound to it. */
async function setup() {
  const tenant = await makeTenant(t.database.db);
  const lead = await makeLead(t.api, tenant.writeKey);
  const notesUrl = `/v1/leads/${lead.id}/notes`;
  const addNote = async (
    body: Record<string, unknown> = { document: simpleDoc() },
    key = tenant.writeKey,
  ) => {
    const res = await t.api.post(notesUrl, { key, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };
  return { ...tenant, lead, notesUrl, addNote };
}

/** The company's note events, oldest first (other writes, such as making users, record their own). */
const noteEventsOf = (companyId: number) =>
  t.database.db
    .select()
    .from(events)
    .where(and(eq(events.company_id, companyId), like(events.type, 'leads.notes_%')))
    .orderBy(asc(events.id));

describe('lead notes: happy paths', () => {
  it('creates, reads, lists, updates and deletes a note', async () => {
    const { writeKey, admin, company, lead, notesUrl } = await setup();
    const colleague = await makeUser(t.database.db, company.id, { first_name: 'Cole' });
    const attachment = randomUUID();
    const document = doc(
      { type: 'heading', attrs: { level: 2 }, content: [text('Kick-off')] },
      paragraph(text('Ask '), { type: 'mention', attrs: { id: colleague.id, label: 'Cole' } }),
    );
    const created = await t.api.post(notesUrl, {
      key: writeKey,
      body: { document, attachments: [attachment], mentions: [colleague.id, admin.id, colleague.id] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      lead_id: lead.id,
      document,
      content: document,
      attachments: [attachment],
      mentions: [colleague.id, admin.id],
      created_by: { id: admin.id, first_name: admin.first_name, last_name: admin.last_name },
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    const noteUrl = `${notesUrl}/${created.body.id}`;

    const got = await t.api.get(noteUrl, { key: writeKey });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);
    expect((await t.api.get(`/api${noteUrl}`, { key: writeKey })).body).toEqual(created.body);

    const list = await t.api.get(notesUrl, { key: writeKey });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ data: [created.body], meta: { 'record-count': 1, 'page-count': 1 } });

    const newDocument = simpleDoc('Signed!');
    const patched = await t.api.patch(noteUrl, {
      key: writeKey,
      body: { document: newDocument, mentions: [] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ id: created.body.id, updated_at: expect.stringMatching(ISO) });
    expect(Date.parse(patched.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));
    const after = await t.api.get(noteUrl, { key: writeKey });
    expect(after.body).toEqual({
      ...created.body,
      document: newDocument,
      content: newDocument,
      mentions: [],
      updated_at: patched.body.updated_at,
    });

    const del = await t.api.delete(noteUrl, { key: writeKey });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await t.api.get(noteUrl, { key: writeKey })).body).toEqual({
      error: 'Note not found',
      code: 'not_found',
    });
    expect((await t.api.delete(noteUrl, { key: writeKey })).status).toBe(404);
    expect((await t.api.get(notesUrl, { key: writeKey })).body.meta['record-count']).toBe(0);
  });

  it('lists newest first, paginated, and notesForLead returns the same objects', async () => {
    const { readKey, company, lead, notesUrl, addNote } = await setup();
    const made = [];
    for (let i = 1; i <= 5; i++) made.push(await addNote({ document: simpleDoc(`Note ${i}`) }));
    const newestFirst = [...made].reverse();

    const page1 = await t.api.get(`${notesUrl}?page=1&pageSize=2`, { key: readKey });
    expect(page1.status).toBe(200);
    expect(page1.body.meta).toEqual({ 'record-count': 5, 'page-count': 3 });
    expect(page1.body.data).toEqual(newestFirst.slice(0, 2));
    const page3 = await t.api.get(`${notesUrl}?page=3&pageSize=2`, { key: readKey });
    expect(page3.body.data).toEqual(newestFirst.slice(4));
    const past = await t.api.get(`${notesUrl}?page=9&pageSize=2`, { key: readKey });
    expect(past.status).toBe(200);
    expect(past.body.data).toEqual([]);

    const bad = await t.api.get(`${notesUrl}?pageSize=51`, { key: readKey });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("Invalid query parameter 'pageSize': must be an integer from 1 to 50");

    const direct = await notesForLead(t.database.db, company.id, lead.id);
    expect(JSON.parse(JSON.stringify(direct))).toEqual(newestFirst);
    const inTransaction = await t.database.db.transaction((tx) => notesForLead(tx, company.id, lead.id));
    expect(inTransaction).toEqual(direct);
    expect(await notesForLead(t.database.db, company.id + 1_000_000, lead.id)).toEqual([]);
  });

  it('writes notes by a key without a user with created_by null', async () => {
    const { company, addNote } = await setup();
    const userless = await makeApiKey(t.database.db, company.id, 'write');
    const note = await addNote({ document: simpleDoc() }, userless.key);
    expect(note.created_by).toBeNull();
  });

  it('treats an empty PATCH as a no-op', async () => {
    const { writeKey, company, notesUrl, addNote } = await setup();
    const note = await addNote();
    const before = (await noteEventsOf(company.id)).length;
    const res = await t.api.patch(`${notesUrl}/${note.id}`, { key: writeKey, body: {} });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: note.id, updated_at: note.updated_at });
    expect((await noteEventsOf(company.id)).length).toBe(before);
  });
});

describe('lead notes: validation', () => {
  const deep = (levels: number): ProseMirrorNode => {
    let node: ProseMirrorNode = text('deep');
    for (let i = 0; i < levels; i++) node = { type: 'blockquote', content: [node] };
    return doc(node);
  };
  // Raw JSON: nesting this deep is beyond JSON.stringify's stack, but not beyond JSON.parse's.
  const hostileAttrs = (levels: number) =>
    `{"document": {"type": "doc", "content": [{"type": "paragraph", "attrs": ${'{"a": '.repeat(levels)}{}${'}'.repeat(levels)}}]}}`;
  const hostileContent = (levels: number) =>
    `{"document": {"type": "doc", "content": [${'{"type": "p", "content": ['.repeat(levels)}${']}'.repeat(levels)}]}}`;

  // [case, body, first detail path, its message]
  const cases: [string, Record<string, unknown> | string, string, string][] = [
    ['no document', { mentions: [] }, 'document', 'is required'],
    [
      'a string',
      { document: 'hello' },
      'document',
      'must be a ProseMirror document object {"type": "doc", "content": [...]}',
    ],
    [
      'an array',
      { document: [simpleDoc()] },
      'document',
      'must be a ProseMirror document object {"type": "doc", "content": [...]}',
    ],
    ['a root that is not doc', { document: paragraph(text('x')) }, 'document.type', "must be 'doc'"],
    [
      'a root without content',
      { document: { type: 'doc' } },
      'document.content',
      'is required: an array of nodes',
    ],
    [
      'content that is not an array',
      { document: { type: 'doc', content: { type: 'paragraph' } } },
      'document.content',
      'must be an array of nodes',
    ],
    [
      'a node that is not an object',
      { document: doc('x' as unknown as ProseMirrorNode) },
      'document.content[0]',
      'must be a node object {type, content?, text?, marks?, attrs?}',
    ],
    [
      'a node without a type',
      { document: doc({ content: [] } as unknown as ProseMirrorNode) },
      'document.content[0].type',
      'must be a non-empty string of at most 100 characters',
    ],
    [
      'a text node without text',
      { document: doc(paragraph({ type: 'text' })) },
      'document.content[0].content[0].text',
      'must be a non-empty string on a text node',
    ],
    [
      'text on a block node',
      { document: doc({ type: 'paragraph', text: 'x' }) },
      'document.content[0].text',
      'only text nodes have text',
    ],
    [
      'content on a text node',
      { document: doc(paragraph({ type: 'text', text: 'x', content: [] })) },
      'document.content[0].content[0].content',
      'a text node has no content',
    ],
    [
      'an unknown node field',
      { document: doc({ type: 'paragraph', html: '<p>' } as unknown as ProseMirrorNode) },
      'document.content[0].html',
      'is not a field of a ProseMirror node',
    ],
    [
      'marks that are not an array',
      { document: doc(paragraph(text('x', { marks: 'bold' as never }))) },
      'document.content[0].content[0].marks',
      'must be an array of marks',
    ],
    [
      'a mark without a type',
      { document: doc(paragraph(text('x', { marks: [{ attrs: {} } as never] }))) },
      'document.content[0].content[0].marks[0].type',
      'must be a non-empty string of at most 100 characters',
    ],
    [
      'attrs that are not an object',
      { document: doc({ type: 'heading', attrs: [2] as never }) },
      'document.content[0].attrs',
      'must be an object',
    ],
    [
      'a nested doc',
      { document: doc(simpleDoc()) },
      'document.content[0].type',
      "'doc' may only be the root node",
    ],
    [
      'nodes nested 33 levels deep',
      { document: deep(32) },
      `document${'.content[0]'.repeat(32)}.content`,
      'nodes must not nest deeper than 32 levels',
    ],
    [
      'attrs nested 100,000 levels deep',
      hostileAttrs(100_000),
      'document.content[0].attrs',
      'must not nest deeper than 8 levels',
    ],
    [
      'nodes nested 20,000 levels deep',
      hostileContent(20_000),
      `document${'.content[0]'.repeat(32)}.content`,
      'nodes must not nest deeper than 32 levels',
    ],
    [
      'a document over 64 KiB',
      { document: simpleDoc('x'.repeat(64 * 1024)) },
      'document',
      `must be at most 65536 bytes as JSON (this one is ${JSON.stringify(simpleDoc('x'.repeat(64 * 1024))).length})`,
    ],
    [
      'an attachment that is not a UUID',
      { document: simpleDoc(), attachments: ['file.pdf'] },
      'attachments[0]',
      'must be a file attachment UUID',
    ],
    [
      'a mention that is not an id',
      { document: simpleDoc(), mentions: ['12'] },
      'mentions[0]',
      'must be a positive integer id',
    ],
  ];

  it.each(cases)('refuses %s (400 naming the path)', async (_name, body, path, message) => {
    const { writeKey, company, notesUrl } = await setup();
    const res = await t.api.post(
      notesUrl,
      typeof body === 'string'
        ? { key: writeKey, rawBody: body, headers: { 'content-type': 'application/json' } }
        : { key: writeKey, body },
    );
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(400);
    expect(res.body.code).toBe('bad_request');
    expect(res.body.details[0]).toEqual({ path, message });
    expect(res.body.error).toBe(`Invalid field '${path}': ${message}`);
    expect(await t.database.db.select().from(leadNotes).where(eq(leadNotes.company_id, company.id))).toEqual(
      [],
    );
  });

  it('accepts a document of exactly 32 node levels and 64 KiB', async () => {
    const { addNote } = await setup();
    await addNote({ document: deep(31) });
    const base = JSON.stringify(simpleDoc('')).length;
    await addNote({ document: simpleDoc('x'.repeat(64 * 1024 - base)) });
  });

  it('refuses unknown fields', async () => {
    const { writeKey, notesUrl } = await setup();
    const res = await t.api.post(notesUrl, { key: writeKey, body: { document: simpleDoc(), content: {} } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Unknown field: content');
  });

  it('refuses mentions of users who are not active users of the company, naming each', async () => {
    const { writeKey, admin, company, notesUrl, addNote } = await setup();
    const other = await makeTenant(t.database.db);
    const disabled = await makeUser(t.database.db, company.id);
    const off = await t.api.delete(`/v1/users/${disabled.id}`, { key: writeKey });
    expect(off.status).toBe(204);
    const mentions = [admin.id, other.admin.id, disabled.id, 2_000_000_000];
    const res = await t.api.post(notesUrl, { key: writeKey, body: { document: simpleDoc(), mentions } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: `Invalid field 'mentions[1]': no active user with id ${other.admin.id} in your company`,
      code: 'bad_request',
      details: [1, 2, 3].map((i) => ({
        path: `mentions[${i}]`,
        message: `no active user with id ${mentions[i]} in your company`,
      })),
    });

    const note = await addNote();
    const patch = await t.api.patch(`${notesUrl}/${note.id}`, {
      key: writeKey,
      body: { mentions: [other.admin.id] },
    });
    expect(patch.status).toBe(400);
    expect(patch.body.details).toEqual([
      { path: 'mentions[0]', message: `no active user with id ${other.admin.id} in your company` },
    ]);
    const badDoc = await t.api.patch(`${notesUrl}/${note.id}`, {
      key: writeKey,
      body: { document: { type: 'doc', content: [{ type: '' }] } },
    });
    expect(badDoc.status).toBe(400);
    expect(badDoc.body.details[0].path).toBe('document.content[0].type');
    const unchanged = await t.api.get(`${notesUrl}/${note.id}`, { key: writeKey });
    expect(unchanged.body).toEqual(note);
    // One note (the valid one), one event: the refused writes recorded nothing.
    expect((await noteEventsOf(company.id)).map((e) => e.type)).toEqual(['leads.notes_create']);
  });
});

describe('lead notes: outbox events', () => {
  it('records leads.notes_create / _update / _delete with the note webhook payload', async () => {
    const { writeKey, writeKeyId, admin, company, lead, notesUrl, addNote } = await setup();
    const document = doc(
      paragraph(
        text('Met '),
        text('Dana', { marks: [{ type: 'bold' }] }),
        { type: 'hardBreak' },
        text('at EXPO'),
      ),
      paragraph(),
      {
        type: 'bulletList',
        content: [
          { type: 'listItem', content: [paragraph(text('pricing'))] },
          {
            type: 'listItem',
            content: [paragraph(text('ask '), { type: 'mention', attrs: { id: admin.id, label: 'Avery' } })],
          },
        ],
      },
    );
    const note = await addNote({ document });
    const patched = await t.api.patch(`${notesUrl}/${note.id}`, {
      key: writeKey,
      body: { document: simpleDoc('Updated') },
    });
    expect(patched.status).toBe(200);
    expect((await t.api.delete(`${notesUrl}/${note.id}`, { key: writeKey })).status).toBe(204);

    const payload = (plain: string) => ({
      note: {
        uuid: note.uuid,
        created_at: note.created_at,
        document: plain,
        user_uuid: admin.uuid,
        user_email: admin.email,
        user_first_name: admin.first_name,
        user_last_name: admin.last_name,
        lead_uuid: lead.uuid,
      },
    });
    const written = await noteEventsOf(company.id);
    expect(written.map((e) => [e.type, e.api_key_id, e.payload])).toEqual([
      ['leads.notes_create', writeKeyId, payload('Met Dana\nat EXPO\n\npricing\nask @Avery')],
      ['leads.notes_update', writeKeyId, payload('Updated')],
      ['leads.notes_delete', writeKeyId, payload('Updated')],
    ]);
  });

  it('converts TipTap documents to plain text', () => {
    expect(documentToText(doc())).toBe('');
    expect(documentToText(simpleDoc('One'))).toBe('One');
    expect(documentToText(doc(paragraph(text('a')), paragraph(text('b'))))).toBe('a\nb');
    expect(documentToText(doc(paragraph(text('a'), { type: 'hardBreak' }, text('b'))))).toBe('a\nb');
    expect(
      documentToText(doc({ type: 'blockquote', content: [paragraph(text('q1')), paragraph(text('q2'))] })),
    ).toBe('q1\nq2');
    expect(documentToText(doc(paragraph({ type: 'mention', attrs: { id: 7 } })))).toBe('@7');
    expect(documentToText(doc(paragraph(text('end')), paragraph()))).toBe('end');
  });
});

describe('lead notes: tenancy and permissions', () => {
  const verbs = (notesUrl: string, noteId: number) =>
    [
      ['GET', notesUrl, undefined],
      ['POST', notesUrl, { document: simpleDoc('intruder') }],
      ['GET', `${notesUrl}/${noteId}`, undefined],
      ['PATCH', `${notesUrl}/${noteId}`, { document: simpleDoc('intruder') }],
      ['DELETE', `${notesUrl}/${noteId}`, undefined],
    ] as const;

  it("answers 404 for every verb on another company's lead and notes", async () => {
    const mine = await setup();
    const theirs = await setup();
    const note = await theirs.addNote({ document: simpleDoc('secret') });
    for (const [method, url, body] of verbs(theirs.notesUrl, note.id)) {
      const res = await t.api.request(method, url, { key: mine.writeKey, body });
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.body).toEqual(LEAD_NOT_FOUND);
    }
    // Their note through my lead: the note is not found.
    for (const [method, url, body] of verbs(mine.notesUrl, note.id).slice(2)) {
      const res = await t.api.request(method, url, { key: mine.writeKey, body });
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.body).toEqual({ error: 'Note not found', code: 'not_found' });
    }
    expect((await t.api.get(`${theirs.notesUrl}/${note.id}`, { key: theirs.readKey })).body).toEqual(note);
    expect((await noteEventsOf(mine.company.id)).length).toBe(0);
  });

  it('answers 404 for a note of another lead of the same company', async () => {
    const { writeKey, addNote } = await setup();
    const otherLead = await makeLead(t.api, writeKey);
    const note = await addNote();
    for (const [method, url, body] of verbs(`/v1/leads/${otherLead.id}/notes`, note.id).slice(2)) {
      const res = await t.api.request(method, url, { key: writeKey, body });
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.body).toEqual({ error: 'Note not found', code: 'not_found' });
    }
  });

  it('answers 404 for every verb once the lead is deleted', async () => {
    const { writeKey, lead, notesUrl, addNote } = await setup();
    const note = await addNote();
    await deleteLead(t.api, writeKey, lead.id);
    for (const [method, url, body] of verbs(notesUrl, note.id)) {
      const res = await t.api.request(method, url, { key: writeKey, body });
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.body).toEqual(LEAD_NOT_FOUND);
    }
  });

  it('refuses writes with a read key (403) but lets it read', async () => {
    const { readKey, notesUrl, addNote } = await setup();
    const note = await addNote();
    for (const [method, url, body] of verbs(notesUrl, note.id)) {
      const res = await t.api.request(method, url, { key: readKey, body });
      if (method === 'GET') expect(res.status, url).toBe(200);
      else {
        expect(res.status, `${method} ${url}`).toBe(403);
        expect(res.body).toEqual({ error: 'Write access required for this operation', code: 'forbidden' });
      }
    }
  });
});
