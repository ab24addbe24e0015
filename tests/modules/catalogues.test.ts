import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { uniq } from '../helpers/app.js';
import {
  conflict,
  createOk,
  expectRejected,
  FORBIDDEN,
  getOk,
  ISO_TIMESTAMP,
  idsOf,
  invalid,
  MISSING_ID,
  notFound,
  UUID,
  unknownFields,
  useTestApp,
} from '../helpers/catalogue-api.js';
import { use } from '../helpers/catalogue-usage.js';
import { makeTenant } from '../helpers/factories.js';

// Every catalogue from one table of cases: the five verbs, pagination, filters, duplicates,
// "in use" deletes, read keys and other companies' entries. Resource-specific rules (bulk
// updates, stage order, custom field options, campaign dates) have their own files.

const ctx = useTestApp();

type Body = Record<string, unknown>;

interface Case {
  name: string;
  path: string;
  /** As in "Tag not found". */
  noun: string;
  /** Every field of the object returned, beyond id/uuid/company_id/timestamps. */
  fields: string[];
  /** The field that names an entry: label, or a campaign's title. */
  title: 'label' | 'title';
  maxTitle: number;
  /** A valid body (unique each time) and what the API fills in when it is created. */
  create: () => Body;
  defaults: Body;
  update: Body;
  /** A list filter, with a body that matches it and one that does not. */
  filter?: { query: string; match: Body; other: Body };
  /** The 409 message for a second entry with this label (when labels are unique). */
  duplicate?: (label: string) => string;
  /** Adds one record that refers to the entry; returns how to take it away. */
  use?: (db: Db, companyId: number, id: number) => Promise<() => Promise<void>>;
  /** The 400 message for `partner_type: 'distributor'` (none: the resource has no partner_type). */
  partnerTypeError?: string;
}

const NULLABLE_PARTNER_TYPE = 'must be one of: referral, reseller, or null';

/** The `partner_type` filter: entries of `match` are listed, entries of `other` are not. */
const byPartnerType = (match: string, other: string | null) => ({
  query: `partner_type=${match}`,
  match: { partner_type: match },
  other: { partner_type: other },
});

const cases: Case[] = [
  {
    name: 'tags',
    path: '/v1/tags',
    noun: 'Tag',
    fields: ['label', 'association', 'background_color', 'text_color', 'partner_type'],
    title: 'label',
    maxTitle: 100,
    create: () => ({ label: `VIP ${uniq()}`, association: 'lead' }),
    defaults: { background_color: '#6B7280', text_color: '#FFFFFF', partner_type: null },
    update: {
      label: 'Renamed tag',
      background_color: '#000',
      text_color: '#ABCDEF',
      partner_type: 'reseller',
    },
    filter: {
      query: 'association=partner',
      match: { association: 'partner' },
      other: { association: 'card' },
    },
    duplicate: (label) => `A tag with label '${label}' already exists for association 'lead'`,
    use: (db, companyId, id) => use.tagOnPartner(db, companyId, id),
    partnerTypeError: NULLABLE_PARTNER_TYPE,
  },
  {
    name: 'tiers',
    path: '/v1/tiers',
    noun: 'Tier',
    fields: ['label', 'background_color', 'text_color', 'partner_type', 'commission_calculation'],
    title: 'label',
    maxTitle: 100,
    create: () => ({ label: `Gold ${uniq()}` }),
    defaults: {
      background_color: '#6B7280',
      text_color: '#FFFFFF',
      partner_type: null,
      commission_calculation: null,
    },
    update: { label: 'Platinum', background_color: '#E5E4E2', partner_type: 'referral' },
    filter: byPartnerType('reseller', null),
    duplicate: (label) => `A tier with label '${label}' already exists`,
    use: (db, companyId, id) => use.onPartner(db, companyId, 'tier_id', id),
    partnerTypeError: NULLABLE_PARTNER_TYPE,
  },
  {
    name: 'categories',
    path: '/v1/categories',
    noun: 'Category',
    fields: ['label', 'partner_type'],
    title: 'label',
    maxTitle: 100,
    create: () => ({ label: `SaaS ${uniq()}` }),
    defaults: { partner_type: null },
    update: { label: 'Agencies', partner_type: 'reseller' },
    filter: byPartnerType('referral', 'reseller'),
    duplicate: (label) => `A category with label '${label}' already exists`,
    use: (db, companyId, id) => use.onPartner(db, companyId, 'category_id', id),
    partnerTypeError: NULLABLE_PARTNER_TYPE,
  },
  {
    name: 'partner stages',
    path: '/v1/stages/partner-stages',
    noun: 'Stage',
    fields: ['label', 'series', 'phase', 'partner_type'],
    title: 'label',
    maxTitle: 100,
    create: () => ({ label: `Onboarding ${uniq()}`, partner_type: 'referral' }),
    defaults: { phase: 'discovery', series: 1 },
    update: { label: 'Live', phase: 'active', series: 40, partner_type: 'reseller' },
    filter: byPartnerType('reseller', 'referral'),
    use: (db, companyId, id) => use.onPartner(db, companyId, 'stage_id', id),
    partnerTypeError: 'must be one of: referral, reseller',
  },
  {
    name: 'deal stages',
    path: '/v1/stages/lead-deal-stages',
    noun: 'Stage',
    fields: ['label', 'series', 'phase', 'partner_type'],
    title: 'label',
    maxTitle: 100,
    create: () => ({ label: `Proposal ${uniq()}`, phase: 'negotiation' }),
    defaults: { series: 1, partner_type: null },
    update: { label: 'Won', phase: 'closed_won', partner_type: 'referral' },
    filter: byPartnerType('referral', null),
    partnerTypeError: NULLABLE_PARTNER_TYPE,
  },
  {
    name: 'payment stages',
    path: '/v1/stages/payment-stages',
    noun: 'Stage',
    fields: ['label', 'series', 'phase', 'partner_type'],
    title: 'label',
    maxTitle: 100,
    create: () => ({ label: `Invoice paid ${uniq()}`, phase: 'invoiced' }),
    defaults: { series: 1, partner_type: null },
    update: { label: 'Paid', phase: 'paid', partner_type: 'referral' },
    filter: byPartnerType('referral', null),
    partnerTypeError: NULLABLE_PARTNER_TYPE,
  },
  {
    name: 'custom fields',
    path: '/v1/custom-fields',
    noun: 'Custom field',
    fields: ['label', 'type', 'category', 'partner_type', 'required', 'shared', 'options'],
    title: 'label',
    maxTitle: 100,
    create: () => ({ label: `Revenue ${uniq()}`, type: 'number', category: 'partner' }),
    defaults: { partner_type: null, required: false, shared: false, options: null },
    update: { label: 'ARR', required: true, shared: true, partner_type: 'reseller' },
    filter: { query: 'category=lead', match: { category: 'lead' }, other: { category: 'lead_deal' } },
    duplicate: (label) => `A custom field with label '${label}' already exists for category 'partner'`,
    use: (db, companyId, id) => use.customFieldValue(db, companyId, id, { number: 12 }),
    partnerTypeError: NULLABLE_PARTNER_TYPE,
  },
  {
    name: 'campaigns',
    path: '/v1/campaigns',
    noun: 'Campaign',
    fields: ['title', 'description', 'status', 'start_date', 'end_date'],
    title: 'title',
    maxTitle: 200,
    create: () => ({ title: `Spring push ${uniq()}`, start_date: '2025-03-01' }),
    defaults: { description: null, status: 'active', end_date: null },
    update: { title: 'Summer push', description: 'Moved', status: 'paused', end_date: '2025-09-30' },
    filter: { query: 'status=draft', match: { status: 'draft' }, other: { status: 'completed' } },
  },
];

const api = () => ctx.t.api;
const db = () => ctx.t.database.db;

describe.each(cases)('$name', (c) => {
  const objectKeys = ['id', 'uuid', 'company_id', ...c.fields, 'created_at', 'updated_at'].sort();

  it('creates (201, the full object), gets, lists, updates (200, the full object) and deletes (204)', async () => {
    const { writeKey, company } = await makeTenant(db());
    const body = c.create();
    const created = await createOk(api(), writeKey, c.path, body);
    expect(Object.keys(created).sort()).toEqual(objectKeys);
    expect(created).toMatchObject({ ...body, ...c.defaults, company_id: company.id });
    expect(created.id).toEqual(expect.any(Number));
    expect(created.uuid).toMatch(UUID);
    expect(created.created_at).toMatch(ISO_TIMESTAMP);
    expect(created.updated_at).toBe(created.created_at);

    expect(await getOk(api(), writeKey, `${c.path}/${created.id}`)).toEqual(created);
    expect(await getOk(api(), writeKey, c.path)).toEqual({
      data: [created],
      meta: { 'record-count': 1, 'page-count': 1 },
    });
    // The /api/v1 mirror serves the same catalogue.
    expect(await getOk(api(), writeKey, `/api${c.path}/${created.id}`)).toEqual(created);

    const patched = await api().patch(`${c.path}/${created.id}`, { key: writeKey, body: c.update });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toEqual({
      ...created,
      ...c.update,
      updated_at: expect.stringMatching(ISO_TIMESTAMP),
    });
    expect(Date.parse(patched.body.updated_at)).toBeGreaterThan(Date.parse(created.updated_at));
    expect(await getOk(api(), writeKey, `${c.path}/${created.id}`)).toEqual(patched.body);

    // An empty PATCH changes nothing and returns the object as it is.
    const noop = await api().patch(`${c.path}/${created.id}`, { key: writeKey, body: {} });
    expect(noop.status).toBe(200);
    expect(noop.body).toEqual(patched.body);

    const deleted = await api().delete(`${c.path}/${created.id}`, { key: writeKey });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const gone = await api().request(method, `${c.path}/${created.id}`, {
        key: writeKey,
        body: method === 'PATCH' ? c.update : undefined,
      });
      expect(gone.status, method).toBe(404);
      expect(gone.body).toEqual(notFound(c.noun));
    }
    expect((await getOk(api(), writeKey, c.path)).meta['record-count']).toBe(0);
  });

  it('paginates with exact meta, and filters', async () => {
    const { readKey, writeKey } = await makeTenant(db());
    const filter = c.filter!;
    const made = [];
    for (const extra of [filter.match, filter.other, filter.match]) {
      made.push(await createOk(api(), writeKey, c.path, { ...c.create(), ...extra }));
    }
    const ids = made.map((m) => m.id);

    const first = await getOk(api(), readKey, `${c.path}?pageSize=2`);
    expect(first.meta).toEqual({ 'record-count': 3, 'page-count': 2 });
    expect(idsOf(first)).toEqual(ids.slice(0, 2));
    const second = await getOk(api(), readKey, `${c.path}?page=2&pageSize=2`);
    expect(idsOf(second)).toEqual(ids.slice(2));
    const past = await getOk(api(), readKey, `${c.path}?page=3&pageSize=2`);
    expect(past).toEqual({ data: [], meta: { 'record-count': 3, 'page-count': 2 } });
    const defaults = await getOk(api(), readKey, c.path);
    expect(defaults.meta).toEqual({ 'record-count': 3, 'page-count': 1 });

    const filtered = await getOk(api(), readKey, `${c.path}?${filter.query}`);
    expect(idsOf(filtered)).toEqual([ids[0], ids[2]]);
    expect(filtered.meta).toEqual({ 'record-count': 2, 'page-count': 1 });

    const badPage = await api().get(`${c.path}?pageSize=51`, { key: readKey });
    expect(badPage.body).toEqual(invalid('pageSize', 'must be an integer from 1 to 50', 'query parameter'));
    const unknown = await api().get(`${c.path}?colour=red`, { key: readKey });
    expect(unknown.body).toEqual(unknownFields(['colour'], 'query parameter'));
  });

  it('rejects invalid bodies with a 400 naming the field', async () => {
    const { writeKey } = await makeTenant(db());
    const post = (body: Body) => api().post(c.path, { key: writeKey, body });
    const { [c.title]: _title, ...untitled } = c.create();

    expect((await post(untitled)).body).toEqual(invalid(c.title, 'is required'));
    expect((await post({ ...c.create(), [c.title]: '   ' })).body).toEqual(
      invalid(c.title, 'must not be empty'),
    );
    expect((await post({ ...c.create(), [c.title]: 42 })).body).toEqual(invalid(c.title, 'must be a string'));
    expect((await post({ ...c.create(), [c.title]: 'x'.repeat(c.maxTitle + 1) })).body).toEqual(
      invalid(c.title, `must be at most ${c.maxTitle} characters`),
    );
    const unknown = await post({ ...c.create(), colour: 'red', company_id: 1 });
    expect(unknown.body).toEqual(unknownFields(['colour', 'company_id']));
    if (c.partnerTypeError) {
      expect((await post({ ...c.create(), partner_type: 'distributor' })).body).toEqual(
        invalid('partner_type', c.partnerTypeError),
      );
    }
    const notJson = await api().post(c.path, {
      key: writeKey,
      rawBody: 'label=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(notJson.status).toBe(415);

    const entry = await createOk(api(), writeKey, c.path, c.create());
    const patch = (body: Body) => api().patch(`${c.path}/${entry.id}`, { key: writeKey, body });
    expect((await patch({ [c.title]: '' })).body).toEqual(invalid(c.title, 'must not be empty'));
    expect((await patch({ id: 5 })).body).toEqual(unknownFields(['id']));
    // Not an id: the same 404 as an id no entry has (tests/http/path-ids.test.ts).
    const badId = await api().get(`${c.path}/abc`, { key: writeKey });
    expect(badId.status).toBe(404);
    expect(badId.body).toEqual((await api().get(`${c.path}/2147483647`, { key: writeKey })).body);
    // Nothing invalid was written.
    expect(await getOk(api(), writeKey, `${c.path}/${entry.id}`)).toEqual(entry);
    expect((await getOk(api(), writeKey, c.path)).meta['record-count']).toBe(1);
  });

  it('refuses every write to a read key (403) and changes nothing', async () => {
    const { readKey, writeKey } = await makeTenant(db());
    const entry = await createOk(api(), writeKey, c.path, c.create());
    for (const [method, path, body] of [
      ['POST', c.path, c.create()],
      ['PATCH', `${c.path}/${entry.id}`, c.update],
      ['DELETE', `${c.path}/${entry.id}`, undefined],
    ] as const) {
      const res = await api().request(method, path, { key: readKey, body });
      expect(res.status, method).toBe(403);
      expect(res.body).toEqual(FORBIDDEN);
    }
    expect(await getOk(api(), readKey, c.path)).toEqual({
      data: [entry],
      meta: { 'record-count': 1, 'page-count': 1 },
    });
  });

  it("answers 404 for another company's entry on every verb, exactly like a missing id", async () => {
    const mine = await makeTenant(db());
    const theirs = await makeTenant(db());
    const victim = await createOk(api(), theirs.writeKey, c.path, c.create());
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', c.update],
      ['PATCH', {}],
      ['DELETE', undefined],
    ] as const) {
      const foreign = await api().request(method, `${c.path}/${victim.id}`, { key: mine.writeKey, body });
      const missing = await api().request(method, `${c.path}/${MISSING_ID}`, { key: mine.writeKey, body });
      expect(foreign.status, method).toBe(404);
      expect(foreign.body).toEqual(notFound(c.noun));
      expect(foreign.text).toBe(missing.text);
    }
    expect((await getOk(api(), mine.readKey, c.path)).data).toEqual([]);
    expect(await getOk(api(), theirs.readKey, `${c.path}/${victim.id}`)).toEqual(victim);
  });
});

describe.each(cases.filter((c) => c.duplicate))('$name: unique labels', (c) => {
  it('rejects a duplicate label (409, case-insensitive) on create and update', async () => {
    const { writeKey } = await makeTenant(db());
    const first = await createOk(api(), writeKey, c.path, c.create());
    const shouted = first.label.toUpperCase();
    const again = await api().post(c.path, { key: writeKey, body: { ...c.create(), label: ` ${shouted} ` } });
    expect(again.status).toBe(409);
    expect(again.body).toEqual(conflict(c.duplicate!(shouted)));

    const second = await createOk(api(), writeKey, c.path, c.create());
    const renamed = await api().patch(`${c.path}/${second.id}`, { key: writeKey, body: { label: shouted } });
    expect(renamed.status).toBe(409);
    expect(renamed.body).toEqual(conflict(c.duplicate!(shouted)));
    expect(await getOk(api(), writeKey, `${c.path}/${second.id}`)).toEqual(second);
    expect((await getOk(api(), writeKey, c.path)).meta['record-count']).toBe(2);

    // Another company may use the same label.
    const other = await makeTenant(db());
    await createOk(api(), other.writeKey, c.path, { ...c.create(), label: first.label });
  });
});

describe.each(cases.filter((c) => c.use))('$name: in use', (c) => {
  it('refuses to delete an entry in use (409 with the count), and deletes it once unused', async () => {
    const { writeKey, company } = await makeTenant(db());
    const entry = await createOk(api(), writeKey, c.path, c.create());
    const undo = [await c.use!(db(), company.id, entry.id), await c.use!(db(), company.id, entry.id)];
    const refused = await api().delete(`${c.path}/${entry.id}`, { key: writeKey });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual(
      conflict(`${c.noun} "${entry[c.title]}" is in use by 2 record(s) and cannot be deleted`),
    );
    expect(await getOk(api(), writeKey, `${c.path}/${entry.id}`)).toEqual(entry);

    await undo[0]!();
    const stillOne = await api().delete(`${c.path}/${entry.id}`, { key: writeKey });
    expect(stillOne.body.error).toContain('is in use by 1 record(s)');
    await undo[1]!();
    expect((await api().delete(`${c.path}/${entry.id}`, { key: writeKey })).status).toBe(204);
  });
});

describe('tags', () => {
  it('counts every kind of reference: partners and contacts', async () => {
    const { writeKey, company } = await makeTenant(ctx.t.database.db);
    const tag = await createOk(api(), writeKey, '/v1/tags', { label: 'VIP', association: 'partner' });
    await use.tagOnPartner(ctx.t.database.db, company.id, tag.id);
    await use.tagOnPartner(ctx.t.database.db, company.id, tag.id);
    await use.tagOnContact(ctx.t.database.db, company.id, tag.id);
    const res = await api().delete(`/v1/tags/${tag.id}`, { key: writeKey });
    expect(res.body).toEqual(conflict('Tag "VIP" is in use by 3 record(s) and cannot be deleted'));
  });

  it('keeps labels unique per association only; the association cannot change', async () => {
    const { writeKey } = await makeTenant(ctx.t.database.db);
    const lead = await createOk(api(), writeKey, '/v1/tags', { label: 'Hot', association: 'lead' });
    await createOk(api(), writeKey, '/v1/tags', { label: 'hot', association: 'partner' });

    const moved = await api().patch(`/v1/tags/${lead.id}`, { key: writeKey, body: { association: 'card' } });
    expect(moved.body).toEqual(invalid('association', "cannot be changed (it is 'lead')"));
    const same = await api().patch(`/v1/tags/${lead.id}`, {
      key: writeKey,
      body: { association: 'lead', text_color: '#000000' },
    });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ association: 'lead', text_color: '#000000' });
  });

  it.each([
    [{ label: 'x' }, invalid('association', 'is required')],
    [
      { label: 'x', association: 'deal' },
      invalid('association', 'must be one of: lead, lead_deal, partner, card'),
    ],
    [
      { label: 'x', association: 'lead', background_color: 'red' },
      invalid('background_color', 'must be a hex color such as #6B7280'),
    ],
    [
      { label: 'x', association: 'lead', text_color: '#12345' },
      invalid('text_color', 'must be a hex color such as #6B7280'),
    ],
  ])('400 for %j', async (body, expected) => {
    await expectRejected(ctx.t, 'POST', '/v1/tags', body, expected);
  });
});

describe('openapi', () => {
  it('documents every catalogue route with its responses', async () => {
    const res = await ctx.t.api.get('/v1/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    const expected: [string, string[], string[]][] = [];
    for (const c of cases) {
      const bulk = [
        '/v1/categories',
        '/v1/stages/partner-stages',
        '/v1/stages/lead-deal-stages',
        '/v1/stages/payment-stages',
      ].includes(c.path);
      expected.push([c.path, bulk ? ['get', 'post', 'patch'] : ['get', 'post'], ['200', '201']]);
      expected.push([`${c.path}/{id}`, ['get', 'patch', 'delete'], ['200', '204', '404']]);
    }
    expected.push(['/v1/countries', ['get'], ['200']], ['/v1/countries/{id}', ['get'], ['200', '404']]);
    for (const [path, methods, statuses] of expected) {
      expect(Object.keys(paths[path] ?? {}).sort(), path).toEqual([...methods].sort());
      const documented = new Set(Object.values(paths[path]!).flatMap((op) => Object.keys(op.responses)));
      for (const status of [...statuses, '400', '401', '429'])
        expect(documented, `${path} ${status}`).toContain(status);
    }
    expect(paths['/v1/tags/{id}']!.delete!.responses).toHaveProperty('409');
    expect(paths['/v1/categories']!.patch!.responses).toHaveProperty('404');
  });
});
