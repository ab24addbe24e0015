import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AddressableTable, maxIdOf, pathIdTables } from '../../src/core/path-ids.js';
import { dealPayments } from '../../src/db/schema/index.js';
import { type ApiResponse, uniq, useTestApp } from '../helpers/app.js';
import { makeTenant } from '../helpers/factories.js';
import { campaignBody, createLead, demo, seedExampleBody } from '../helpers/leads.js';

// Contract row "ids in paths": `{id}` is a positive decimal written canonically or the object's
// uuid; anything else is a 404 (the same 404 as an id no object has). The table walks EVERY
// route of the route table that has a path parameter: each must declare what it addresses
// (idParam / idParams), refuse every non-canonical form with that 404, and answer a uuid as it
// answers the id, tenancy included.

const ctx = useTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', RATE_LIMIT_PER_MINUTE: '1000000' });
const api = () => ctx.t.api;
const db = () => ctx.t.database.db;

interface Ref {
  id: number;
  uuid: string;
}

/** The objects the routes address, one of each kind, of the `me` company (countries and currencies are global). */
const objects = new Map<string, Ref>();
let key: string;
let readKey: string;
/** An unrelated company's key. */
let otherKey: string;
/** The partner company's key (it has its own side of the partnership). */
let partnerKey: string;

/** What a route's parameter addresses: the deal-stage routes address the other stage pipeline. */
function refFor(route: { url: string; tables: Record<string, AddressableTable> }, param: string): Ref {
  const table = route.tables[param];
  const pipeline = route.url.includes('/lead-deal-stages')
    ? 'deal stages'
    : route.url.includes('/payment-stages')
      ? 'payment stages'
      : undefined;
  const name = table === 'stages' && pipeline ? pipeline : table;
  const ref = name && objects.get(name);
  if (!ref)
    throw new Error(`${route.url}: no ${name ?? param} object to address; add one to this file's setup`);
  return ref;
}

/** Bodies the routes need to get past validation (a PATCH gets `{}` unless listed). */
const NOTE_BODY = {
  document: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Hi' }] }] },
};
const BODIES: Record<string, unknown> = {
  'POST /v1/leads/:id/notes': NOTE_BODY,
  'POST /v1/deals/:id/notes': NOTE_BODY,
  'POST /v1/lead-deals/:id/notes': NOTE_BODY,
  'PUT /v1/deals/:id/commission': { calculation: null },
  'PUT /v1/lead-deals/:id/commission': { calculation: null },
};
const bodyFor = (method: string, url: string) =>
  BODIES[`${method} ${url}`] ?? (method === 'PATCH' ? {} : undefined);

async function uuidOf(table: AddressableTable, id: number): Promise<string> {
  const { rows } = await db().execute<{ uuid: string }>(
    sql`SELECT uuid::text AS uuid FROM ${sql.identifier(table)} WHERE id = ${id}`,
  );
  if (!rows[0]) throw new Error(`no ${table} ${id}`);
  return rows[0].uuid;
}

async function created(res: Promise<ApiResponse<{ id: number }>>, status = 201): Promise<number> {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body.id;
}

beforeAll(async () => {
  const { me, partner } = await demo(db());
  key = me.keys.write;
  readKey = me.keys.read;
  partnerKey = partner.keys.write;
  otherKey = (await makeTenant(db())).writeKey;
  const post = (path: string, body?: unknown) => api().post(path, { key, body });

  const side = me.partners[0]!;
  const lead = await createLead(api(), key, campaignBody(me));
  const note = await created(post(`/v1/leads/${lead.id}/notes`, BODIES['POST /v1/leads/:id/notes']));
  const webhook = await created(
    post('/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['leads.create'] }),
  );
  const delivery = await created(post(`/v1/webhooks/${webhook}/test`), 202);
  // The partner sends a lead to me, assigned to my users: that notifies them.
  await createLead(api(), partnerKey, seedExampleBody(partner, me));
  const { rows } = await db().execute<{ id: number }>(
    sql`SELECT id FROM notifications WHERE user_id = ${me.users[0]!.id} ORDER BY id LIMIT 1`,
  );

  // A deal of mine alone (a campaign lead: the partner sees it no more than a stranger), a note, a payment.
  const deal = { id: await created(post('/v1/deals', { lead_id: lead.id })) };
  const dealNote = await created(post(`/v1/deals/${deal.id}/notes`, NOTE_BODY));
  const [payment] = await db()
    .insert(dealPayments)
    .values({
      deal_id: deal.id,
      company_id: me.id,
      partnership_id: side.partnership_id,
      occurrence: 1,
      payment_value: '1',
      currency_code: 'USD',
      payment_date: '2026-01-01',
    })
    .returning();

  const ids: Record<string, [AddressableTable, number]> = {
    deals: ['deals', deal.id],
    deal_notes: ['deal_notes', dealNote],
    deal_payments: ['deal_payments', payment!.id],
    users: ['users', me.users[1]!.id],
    company_partnerships: ['company_partnerships', side.id],
    contacts: [
      'contacts',
      await created(post('/v1/contacts', { email: `c-${uniq()}@example.test`, partnership_id: side.id })),
    ],
    tags: ['tags', me.tags[0]!.id],
    tiers: ['tiers', await created(post('/v1/tiers', { label: `Gold ${uniq()}` }))],
    categories: ['categories', await created(post('/v1/categories', { label: `Cat ${uniq()}` }))],
    stages: [
      'stages',
      await created(
        post('/v1/stages/partner-stages', { label: `Stage ${uniq()}`, partner_type: 'referral' }),
      ),
    ],
    'deal stages': [
      'stages',
      await created(post('/v1/stages/lead-deal-stages', { label: `Deal ${uniq()}`, phase: 'discovery' })),
    ],
    'payment stages': [
      'stages',
      await created(post('/v1/stages/payment-stages', { label: `Paid ${uniq()}`, phase: 'paid' })),
    ],
    custom_fields: ['custom_fields', me.customFields[0]!.id],
    campaigns: ['campaigns', me.campaigns[0]!.id],
    countries: ['countries', 75],
    currencies: ['currencies', 1],
    leads: ['leads', lead.id],
    lead_notes: ['lead_notes', note],
    webhook_endpoints: ['webhook_endpoints', webhook],
    webhook_deliveries: ['webhook_deliveries', delivery],
    notifications: ['notifications', Number(rows[0]!.id)],
    api_keys: ['api_keys', (await api().get('/v1/api-keys', { key })).body.data[0].id],
    invitations: [
      'invitations',
      await created(post('/v1/invitations', { email: `i-${uniq()}@example.test`, role: 'partnerships' })),
    ],
  };
  for (const [name, [table, id]] of Object.entries(ids))
    objects.set(name, { id, uuid: await uuidOf(table, id) });
});

/** Every route with path parameters, with what each parameter addresses. */
function routesWithIds() {
  return (
    ctx.t.app.routeTable.routes
      // Public routes' parameters are one-time link tokens, not ids.
      .filter((r) => r.url.includes('/:') && !r.public)
      .map((r) => ({
        ...r,
        tables: pathIdTables(r.schema?.params) ?? {},
        params: [...r.url.matchAll(/:(\w+)/g)].map((m) => m[1]!),
      }))
  );
}

/** The URL with each parameter replaced: by `forms[name]` when given, else the object's id. */
function fill(
  route: { url: string; tables: Record<string, AddressableTable> },
  forms: Record<string, string> = {},
) {
  return route.url.replace(/:(\w+)/g, (_m, name: string) => forms[name] ?? String(refFor(route, name).id));
}

/** The route called at `path` (its URL filled in), with the body it needs. */
const send = (route: { method: string; url: string }, path: string, opts: { key?: string } = {}) =>
  api().request(route.method, path, { key: opts.key ?? key, body: bodyFor(route.method, route.url) });

describe('path ids: every route declares them', () => {
  it('each path parameter of each route names the table it addresses', () => {
    const routes = routesWithIds();
    expect(routes.length).toBeGreaterThan(60);
    const undeclared = routes
      .filter((r) => r.params.join() !== Object.keys(r.tables).join())
      .map(
        (r) =>
          `${r.method} ${r.url}: params ${r.params.join(', ')}, declared ${Object.keys(r.tables).join(', ') || 'none'}`,
      );
    expect(undeclared).toEqual([]);
  });
});

describe('path ids: forms that are not a canonical id or a uuid', () => {
  const forms = ({ id, uuid }: Ref, table: AddressableTable) => [
    `0${id}`,
    `00${id}`,
    `+${id}`,
    `%20${id}`,
    `${id}%20`,
    `%09${id}`,
    `-${id}`,
    `0x${id.toString(16)}`,
    `${id}.0`,
    `${id}e0`,
    '1e1',
    `${id}abc`,
    `${id}%00`,
    '%00',
    '0',
    '-0',
    String(maxIdOf(table) + 1),
    '99999999999999999999',
    `${id},${id}`,
    `%7B${uuid}%7D`,
    `${uuid}x`,
    uuid.replace(/-/g, ''),
    uuid.slice(0, -1),
    'null',
    'NaN',
    'Infinity',
  ];

  it('are a 404, the same 404 as an id no object has, on every route and for every parameter', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const route of routesWithIds()) {
      if (route.method === 'HEAD' || route.hidden) continue;
      for (const param of route.params) {
        const table = route.tables[param]!;
        const missing = await send(route, fill(route, { [param]: String(maxIdOf(table)) }));
        if (missing.status !== 404) {
          problems.push(`${route.method} ${route.url} ${param}=max: ${missing.status} ${missing.text}`);
          continue;
        }
        // They change nothing, so they may run side by side.
        await Promise.all(
          forms(refFor(route, param), table).map(async (form) => {
            const res = await send(route, fill(route, { [param]: form }));
            checked++;
            if (res.status !== 404 || JSON.stringify(res.body) !== JSON.stringify(missing.body)) {
              problems.push(`${route.method} ${route.url} ${param}=${form}: ${res.status} ${res.text}`);
            }
          }),
        );
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
    // Nothing was deleted or changed on the way: every object still reads back.
    for (const route of routesWithIds().filter((r) => r.method === 'GET' && !r.hidden)) {
      expect((await send(route, fill(route))).status, route.url).toBe(200);
    }
  }, 180_000);
});

describe('path ids: the uuid addresses the object like its id', () => {
  it('every GET: the uuid (each parameter, and all of them) answers exactly as the id', async () => {
    const gets = routesWithIds().filter((r) => r.method === 'GET' && !r.hidden);
    expect(gets.length).toBeGreaterThan(15);
    for (const route of gets) {
      const byId = await send(route, fill(route));
      expect(byId.status, route.url).toBe(200);
      const variants: Record<string, string>[] = [
        Object.fromEntries(route.params.map((p) => [p, refFor(route, p).uuid])),
        ...route.params.map((p) => ({ [p]: refFor(route, p).uuid })),
        Object.fromEntries(route.params.map((p) => [p, refFor(route, p).uuid.toUpperCase()])),
      ];
      for (const forms of variants) {
        const res = await send(route, fill(route, forms));
        expect({ status: res.status, body: res.body }, `${route.url} ${JSON.stringify(forms)}`).toEqual({
          status: byId.status,
          body: byId.body,
        });
      }
    }
  });

  it("another company's object is the same 404 by uuid as by id (partners and notifications included)", async () => {
    for (const route of routesWithIds()) {
      if (
        route.hidden ||
        route.method === 'HEAD' ||
        route.url.startsWith('/v1/countries') ||
        route.url.startsWith('/v1/currencies')
      )
        continue;
      const uuids = Object.fromEntries(route.params.map((p) => [p, refFor(route, p).uuid]));
      for (const stranger of [otherKey, partnerKey]) {
        const byId = await send(route, fill(route), { key: stranger });
        const byUuid = await send(route, fill(route, uuids), { key: stranger });
        expect(byId.status, `${route.method} ${route.url}`).toBe(404);
        expect(byUuid.body, `${route.method} ${route.url}`).toEqual(byId.body);
      }
    }
    // The partner reads its own side of the partnership by its uuid.
    const mine = await api().get('/v1/partners', { key: partnerKey });
    const side = mine.body.data[0];
    expect((await api().get(`/v1/partners/${side.uuid}`, { key: partnerKey })).body).toEqual(
      (await api().get(`/v1/partners/${side.id}`, { key: partnerKey })).body,
    );
  });

  it('writes take the uuid too', async () => {
    const get = (name: string) => objects.get(name)!;
    const lead = get('leads');
    const patched = await api().patch(`/v1/leads/${lead.uuid}`, { key, body: { status: 'contacted' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: lead.id, uuid: lead.uuid });
    expect((await api().get(`/v1/leads/${lead.id}`, { key: readKey })).body.status).toBe('contacted');

    const note = await api().patch(`/v1/leads/${lead.uuid}/notes/${get('lead_notes').uuid}`, {
      key,
      body: { mentions: [] },
    });
    expect(note.status).toBe(200);
    expect(note.body.id).toBe(get('lead_notes').id);

    const hook = get('webhook_endpoints');
    const delivery = get('webhook_deliveries');
    const retried = await api().post(`/v1/webhooks/${hook.uuid}/deliveries/${delivery.uuid}/retry`, { key });
    expect(retried.status).toBe(202);
    expect(retried.body.id).toBe(delivery.id);

    const read = await api().post(`/v1/notifications/${get('notifications').uuid}/read`, { key });
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(get('notifications').id);
    expect(read.body.read_at).not.toBeNull();

    const tag = await api().post('/v1/tags', { key, body: { label: `Gone ${uniq()}`, association: 'lead' } });
    expect((await api().delete(`/v1/tags/${tag.body.uuid}`, { key })).status).toBe(204);
    expect((await api().get(`/v1/tags/${tag.body.id}`, { key })).status).toBe(404);
    expect((await api().delete(`/v1/tags/${tag.body.uuid}`, { key })).status).toBe(404);
  });

  it('a country has a uuid, and is found by it', async () => {
    const { id, uuid } = objects.get('countries')!;
    const country = await api().get(`/v1/countries/${id}`, { key: readKey });
    expect(country.body.uuid).toBe(uuid);
    expect((await api().get(`/v1/countries/${country.body.uuid}`, { key: readKey })).body).toEqual(
      country.body,
    );
  });
});
