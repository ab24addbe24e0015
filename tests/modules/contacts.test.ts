import { describe, expect, it } from 'vitest';
import { uniq } from '../helpers/app.js';
import { useTestApp } from '../helpers/catalogue-api.js';
import { makeTag } from '../helpers/catalogue-factories.js';
import { makeTenant } from '../helpers/factories.js';
import { ids, invitePartner, newDomain } from '../helpers/partners.js';

// Partner contacts (/v1/contacts): the people a company keeps for each of its partners.

const ctx = useTestApp();
const db = () => ctx.t.database.db;

const ISO = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

/** A tenant with one partner (and that partner's initial contact, ann@…). */
async function withPartner(name = `Partner ${uniq()}`) {
  const tenant = await makeTenant(db());
  const domain = newDomain();
  const partner = await invitePartner(ctx.t.api, tenant.writeKey, domain, { name });
  return { ...tenant, partner, domain };
}

describe('contacts: create, read, update, delete', () => {
  it('round-trips a contact with tags', async () => {
    const me = await withPartner('Globex');
    const [t1, t2] = [
      await makeTag(db(), me.company.id, { label: 'b-tag' }),
      await makeTag(db(), me.company.id, { label: 'a-tag' }),
    ];
    const res = await ctx.t.api.post('/v1/contacts', {
      key: me.writeKey,
      body: {
        email: `  Carol@${me.domain} `,
        first_name: 'Carol',
        last_name: 'King',
        position: 'CTO',
        phone_number: '+32 2 555 01 01',
        partnership_id: me.partner.id,
        tags: [t1.id, t2.id],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: `Carol@${me.domain}`,
      first_name: 'Carol',
      last_name: 'King',
      position: 'CTO',
      phone_number: '+32 2 555 01 01',
      company_name: 'Globex',
      partnership_id: me.partner.id,
      tags: [
        { id: t2.id, label: 'a-tag', background_color: '#6B7280', text_color: '#FFFFFF' },
        { id: t1.id, label: 'b-tag', background_color: '#6B7280', text_color: '#FFFFFF' },
      ],
      created_at: ISO,
      updated_at: ISO,
    });
    expect((await ctx.t.api.get(`/v1/contacts/${res.body.id}`, { key: me.readKey })).body).toEqual(res.body);

    const patched = await ctx.t.api.patch(`/v1/contacts/${res.body.id}`, {
      key: me.writeKey,
      body: { position: null, last_name: 'Queen', tags: [t1.id] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      first_name: 'Carol',
      last_name: 'Queen',
      position: null,
      tags: [{ id: t1.id }],
    });
    expect(patched.body.tags).toHaveLength(1);
    const cleared = await ctx.t.api.patch(`/v1/contacts/${res.body.id}`, {
      key: me.writeKey,
      body: { tags: [] },
    });
    expect(cleared.body).toMatchObject({ last_name: 'Queen', tags: [] });

    const del = await ctx.t.api.delete(`/v1/contacts/${res.body.id}`, { key: me.writeKey });
    expect(del.status).toBe(204);
    expect((await ctx.t.api.get(`/v1/contacts/${res.body.id}`, { key: me.readKey })).status).toBe(404);
    expect((await ctx.t.api.delete(`/v1/contacts/${res.body.id}`, { key: me.writeKey })).status).toBe(404);
  });

  it('one email once per partner (any case), on create and update; another partner may have it', async () => {
    const me = await withPartner();
    const other = await invitePartner(ctx.t.api, me.writeKey);
    const email = `dup@${me.domain}`;
    const first = await ctx.t.api.post('/v1/contacts', {
      key: me.writeKey,
      body: { email, partnership_id: me.partner.id },
    });
    expect(first.status).toBe(201);
    const dup = await ctx.t.api.post('/v1/contacts', {
      key: me.writeKey,
      body: { email: email.toUpperCase(), partnership_id: me.partner.id },
    });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({
      error: `A contact with email '${email.toUpperCase()}' already exists for this partner`,
      code: 'conflict',
    });
    const elsewhere = await ctx.t.api.post('/v1/contacts', {
      key: me.writeKey,
      body: { email, partnership_id: other.id },
    });
    expect(elsewhere.status).toBe(201);
    // ann@ is the partner's initial contact: renaming dup@ to it collides.
    const rename = await ctx.t.api.patch(`/v1/contacts/${first.body.id}`, {
      key: me.writeKey,
      body: { email: `ann@${me.domain}` },
    });
    expect(rename.status).toBe(409);
  });

  it('the invited company keeps contacts on its own side of the partnership', async () => {
    const inviter = await makeTenant(db());
    const invited = await makeTenant(db());
    await invitePartner(ctx.t.api, inviter.writeKey, invited.company.domain!);
    const theirs = (await ctx.t.api.get('/v1/partners', { key: invited.readKey })).body.data[0];
    const res = await ctx.t.api.post('/v1/contacts', {
      key: invited.writeKey,
      body: { email: `boss@${inviter.company.domain}`, partnership_id: theirs.id },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ company_name: inviter.company.name, partnership_id: theirs.id });
    // The inviter's own contacts are unaffected.
    expect(
      (await ctx.t.api.get('/v1/contacts', { key: inviter.readKey })).body.data.map(
        (c: { email: string }) => c.email,
      ),
    ).toEqual([`ann@${invited.company.domain}`]);
  });
});

describe('contacts: list', () => {
  it('filters by partnership_id and search (name, email, partner company), paginated', async () => {
    const me = await withPartner('Initech');
    const second = await invitePartner(ctx.t.api, me.writeKey, newDomain(), { name: 'Umbrella' });
    const add = async (body: Record<string, unknown>) =>
      (await ctx.t.api.post('/v1/contacts', { key: me.writeKey, body })).body as { id: number };
    const peter = await add({
      email: `peter@${me.domain}`,
      first_name: 'Peter',
      last_name: 'Gibbons',
      partnership_id: me.partner.id,
    });
    const alice = await add({
      email: `alice@x-${uniq()}.test`,
      first_name: 'Alice',
      partnership_id: second.id,
    });
    const contactOf = async (partnershipId: number) =>
      (await ctx.t.api.get(`/v1/contacts?partnership_id=${partnershipId}`, { key: me.readKey })).body.data[0];
    const [ann, secondAnn] = [await contactOf(me.partner.id), await contactOf(second.id)];

    const get = async (query: string) => {
      const res = await ctx.t.api.get(`/v1/contacts?${query}`, { key: me.readKey });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res;
    };
    expect(ids(await get(`partnership_id=${me.partner.id}`))).toEqual([ann.id, peter.id]);
    expect(ids(await get(`partnership_id=${second.id}`))).toEqual([secondAnn.id, alice.id]);
    expect(ids(await get('search=peter%20gib'))).toEqual([peter.id]);
    expect(ids(await get('search=ALICE@'))).toEqual([alice.id]);
    expect(ids(await get('search=umbrella'))).toEqual([secondAnn.id, alice.id]); // the partner company's name
    expect(ids(await get(`search=initech&partnership_id=${second.id}`))).toEqual([]);
    expect(ids(await get('search=%25'))).toEqual([]);
    const page = await get('pageSize=2&page=2');
    expect(page.body).toMatchObject({ meta: { 'record-count': 4, 'page-count': 2 } });
    expect(ids(page)).toHaveLength(2);
    const bad = await ctx.t.api.get('/v1/contacts?partnership_id=abc', { key: me.readKey });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ path: 'partnership_id', message: 'must be a positive integer id' }]);
  });
});

describe('contacts: validation', () => {
  it.each([
    ['email missing', (p: number) => ({ partnership_id: p }), 'email', 'is required'],
    [
      'email malformed',
      (p: number) => ({ email: 'nope', partnership_id: p }),
      'email',
      'must be a valid email address',
    ],
    ['partnership_id missing', () => ({ email: 'a@b.test' }), 'partnership_id', 'is required'],
    [
      'partnership_id a string',
      () => ({ email: 'a@b.test', partnership_id: '1' }),
      'partnership_id',
      'must be a positive integer id',
    ],
    [
      'partnership_id unknown',
      () => ({ email: 'a@b.test', partnership_id: 2147483647 }),
      'partnership_id',
      'no partner with id 2147483647 in your company',
    ],
    [
      'position too long',
      (p: number) => ({ email: 'a@b.test', partnership_id: p, position: 'x'.repeat(201) }),
      'position',
      'must be at most 200 characters',
    ],
    [
      'tags repeated',
      (p: number) => ({ email: 'a@b.test', partnership_id: p, tags: [1, 1] }),
      'tags[1]',
      'repeats id 1',
    ],
    [
      'tags unknown',
      (p: number) => ({ email: 'a@b.test', partnership_id: p, tags: [2147483647] }),
      'tags',
      'Unknown referral partner tag id(s) for your company: 2147483647',
    ],
  ])('%s', async (_name, body, path, message) => {
    const me = await withPartner();
    const res = await ctx.t.api.post('/v1/contacts', { key: me.writeKey, body: body(me.partner.id) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: `Invalid field '${path}': ${message}`,
      code: 'bad_request',
      details: [{ path, message }],
    });
  });

  it('a contact cannot be moved to another partner (unknown field)', async () => {
    const me = await withPartner();
    const contact = (await ctx.t.api.get('/v1/contacts', { key: me.readKey })).body.data[0];
    const res = await ctx.t.api.patch(`/v1/contacts/${contact.id}`, {
      key: me.writeKey,
      body: { partnership_id: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Unknown field: partnership_id');
  });
});

describe('contacts: permissions and isolation', () => {
  it('a read key gets 403 on every write', async () => {
    const me = await withPartner();
    const contact = (await ctx.t.api.get('/v1/contacts', { key: me.readKey })).body.data[0];
    for (const [method, path, body] of [
      ['POST', '/v1/contacts', { email: `x@${me.domain}`, partnership_id: me.partner.id }],
      ['PATCH', `/v1/contacts/${contact.id}`, { first_name: 'X' }],
      ['DELETE', `/v1/contacts/${contact.id}`, undefined],
    ] as const) {
      const res = await ctx.t.api.request(method, path, { key: me.readKey, body });
      expect(res.status, method).toBe(403);
      expect(res.body).toEqual({ error: 'Write access required for this operation', code: 'forbidden' });
    }
    expect((await ctx.t.api.get(`/v1/contacts/${contact.id}`, { key: me.readKey })).body).toEqual(contact);
  });

  it("another company's contacts and partnerships are 404 / invisible on every verb", async () => {
    const owner = await withPartner();
    const outsider = await withPartner();
    const tag = await makeTag(db(), owner.company.id);
    const contact = (await ctx.t.api.get('/v1/contacts', { key: owner.readKey })).body.data[0];
    const verbs = [
      ['GET', undefined],
      ['PATCH', { first_name: 'Hacked' }],
      ['PATCH', { tags: [tag.id] }],
      ['DELETE', undefined],
    ] as const;
    for (const [method, body] of verbs) {
      const res = await ctx.t.api.request(method, `/v1/contacts/${contact.id}`, {
        key: outsider.writeKey,
        body,
      });
      const missing = await ctx.t.api.request(method, '/v1/contacts/2147483647', {
        key: outsider.writeKey,
        body,
      });
      expect(res.status, method).toBe(404);
      expect(res.body).toEqual({ error: 'Contact not found', code: 'not_found' });
      expect(res.text).toBe(missing.text);
    }
    // Their partnership id is "no partner" for a create, exactly like an unknown id.
    const create = await ctx.t.api.post('/v1/contacts', {
      key: outsider.writeKey,
      body: { email: `spy@${owner.domain}`, partnership_id: owner.partner.id },
    });
    expect(create.status).toBe(400);
    expect(create.body.details).toEqual([
      { path: 'partnership_id', message: `no partner with id ${owner.partner.id} in your company` },
    ]);
    // Another company's tag is not yours to use.
    const foreignTag = await ctx.t.api.post('/v1/contacts', {
      key: outsider.writeKey,
      body: { email: `x@${outsider.domain}`, partnership_id: outsider.partner.id, tags: [tag.id] },
    });
    expect(foreignTag.status).toBe(400);
    // Lists and filters show only one's own.
    const filtered = await ctx.t.api.get(`/v1/contacts?partnership_id=${owner.partner.id}`, {
      key: outsider.readKey,
    });
    expect(filtered.body).toEqual({ data: [], meta: { 'record-count': 0, 'page-count': 0 } });
    const all = await ctx.t.api.get('/v1/contacts?pageSize=50', { key: outsider.readKey });
    expect(ids(all)).not.toContain(contact.id);
    expect((await ctx.t.api.get(`/v1/contacts/${contact.id}`, { key: owner.readKey })).body).toEqual(contact);
  });
});
