import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoCompany } from '../../src/cli/seed.js';
import { dealPayments } from '../../src/db/schema/index.js';
import { uniq, useTestApp } from '../helpers/app.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';
import { campaignBody, createLead, demo } from '../helpers/leads.js';
import { sendLead } from '../helpers/notifications.js';

// API.md §1 "permissions" and §4 "Roles", walked over EVERY route of the route table:
//   - a read key gets 403 "Write access required" on every write;
//   - a write key of a `partnerships` user gets 403 "Admin role required" exactly on the admin
//     routes, and something other than 403 everywhere else;
//   - another company's object is 404 on every route that addresses one;
//   - a deactivated user's key is 401 everywhere, and works again once the user is reactivated.
// The table below must list every route: a route added without a row here (or declared with
// another role) fails the first test, and a route declared without a role cannot be registered.

const ctx = useTestApp({
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  RATE_LIMIT_PER_MINUTE: '100000',
  // Every failed-auth request spends the IP's budget, and this file makes hundreds.
  RATE_LIMIT_IP_PER_MINUTE: '100000',
});

const MISSING = 2_147_483_647;
const WRITE_REQUIRED = { error: 'Write access required for this operation', code: 'forbidden' };
const ADMIN_REQUIRED = { error: 'Admin role required for this operation', code: 'forbidden' };

/** The objects of company A that the routes address, by path parameter. */
interface World {
  user: number;
  lead: number;
  note: number;
  partner: number;
  contact: number;
  webhook: number;
  delivery: number;
  notification: number;
  tag: number;
  tier: number;
  category: number;
  partnerStage: number;
  dealStage: number;
  paymentStage: number;
  customField: number;
  campaign: number;
  apiKey: number;
  invitation: number;
  deal: number;
  dealNote: number;
  payment: number;
}

type Params = (w: World) => Record<string, number>;
interface Row {
  role: 'admin' | 'member';
  /** The objects the path names; without, the route names none. */
  params?: Params;
  /** A body the route accepts, so that only the object (not the body) decides the answer. */
  body?: () => unknown;
}

const doc = { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Hi' }] }] };
const label = () => ({ label: `L ${uniq()}` });
const catalogue = (path: string, key: keyof World, body: () => unknown = label): Record<string, Row> => ({
  [`GET /v1${path}`]: { role: 'member' },
  [`POST /v1${path}`]: { role: 'admin' },
  [`GET /v1${path}/:id`]: { role: 'member', params: (w) => ({ id: w[key] }) },
  [`PATCH /v1${path}/:id`]: { role: 'admin', params: (w) => ({ id: w[key] }), body },
  [`DELETE /v1${path}/:id`]: { role: 'admin', params: (w) => ({ id: w[key] }) },
});
const partnerRoutes = (base: string): Record<string, Row> => ({
  [`GET /v1${base}`]: { role: 'member' },
  [`POST /v1${base}`]: { role: 'member' },
  [`GET /v1${base}/:id`]: { role: 'member', params: (w) => ({ id: w.partner }) },
  [`PATCH /v1${base}/:id`]: { role: 'member', params: (w) => ({ id: w.partner }), body: () => ({}) },
  [`DELETE /v1${base}/:id`]: { role: 'member', params: (w) => ({ id: w.partner }) },
  [`POST /v1${base}/:id/accept`]: { role: 'member', params: (w) => ({ id: w.partner }) },
  [`POST /v1${base}/:id/decline`]: { role: 'member', params: (w) => ({ id: w.partner }) },
  [`GET /v1${base}/:id/users`]: { role: 'member', params: (w) => ({ id: w.partner }) },
});

/** A deal's notes, commission and payments, at /deals and its alias /lead-deals. */
const dealMoneyRoutes = (base: string): Record<string, Row> => ({
  [`GET /v1${base}/:id/notes`]: { role: 'member', params: (w) => ({ id: w.deal }) },
  [`POST /v1${base}/:id/notes`]: {
    role: 'member',
    params: (w) => ({ id: w.deal }),
    body: () => ({ document: doc }),
  },
  [`GET /v1${base}/:id/notes/:noteId`]: {
    role: 'member',
    params: (w) => ({ id: w.deal, noteId: w.dealNote }),
  },
  [`PATCH /v1${base}/:id/notes/:noteId`]: {
    role: 'member',
    params: (w) => ({ id: w.deal, noteId: w.dealNote }),
    body: () => ({ document: doc }),
  },
  [`DELETE /v1${base}/:id/notes/:noteId`]: {
    role: 'member',
    params: (w) => ({ id: w.deal, noteId: w.dealNote }),
  },
  [`GET /v1${base}/:id/commission`]: { role: 'member', params: (w) => ({ id: w.deal }) },
  [`PUT /v1${base}/:id/commission`]: {
    role: 'admin',
    params: (w) => ({ id: w.deal }),
    body: () => ({ calculation: null }),
  },
  [`GET /v1${base}/:id/payments`]: { role: 'member', params: (w) => ({ id: w.deal }) },
  [`PATCH /v1${base}/:id/payments/:paymentId`]: {
    role: 'admin',
    params: (w) => ({ id: w.deal, paymentId: w.payment }),
    body: () => ({}),
  },
});

const dealRoutes = (base: string): Record<string, Row> => ({
  [`POST /v1${base}`]: { role: 'member' },
  [`PATCH /v1${base}/:id`]: { role: 'member', params: (w) => ({ id: w.deal }), body: () => ({}) },
  [`DELETE /v1${base}/:id`]: { role: 'member', params: (w) => ({ id: w.deal }) },
});

const ROUTES: Record<string, Row> = {
  'GET /v1/me': { role: 'member' },
  'PATCH /v1/me': { role: 'member' },
  'GET /v1/company': { role: 'member' },
  'PATCH /v1/company': { role: 'admin' },
  'GET /v1/api-keys': { role: 'admin' },
  'POST /v1/api-keys': { role: 'admin' },
  'GET /v1/api-keys/:id': { role: 'admin', params: (w) => ({ id: w.apiKey }) },
  'DELETE /v1/api-keys/:id': { role: 'admin', params: (w) => ({ id: w.apiKey }) },
  'GET /v1/auth/session': { role: 'member' },
  'POST /v1/auth/logout': { role: 'member' },
  'POST /v1/auth/password': {
    role: 'member',
    body: () => ({ current_password: 'x', new_password: 'a much longer passphrase' }),
  },
  'GET /v1/invitations': { role: 'admin' },
  'POST /v1/invitations': { role: 'admin' },
  'DELETE /v1/invitations/:id': { role: 'admin', params: (w) => ({ id: w.invitation }) },
  'GET /v1/users': { role: 'member' },
  'POST /v1/users': { role: 'admin' },
  'GET /v1/users/:id': { role: 'member', params: (w) => ({ id: w.user }) },
  'PATCH /v1/users/:id': {
    role: 'admin',
    params: (w) => ({ id: w.user }),
    body: () => ({ first_name: 'X' }),
  },
  'DELETE /v1/users/:id': { role: 'admin', params: (w) => ({ id: w.user }) },
  ...partnerRoutes('/partners'),
  ...partnerRoutes('/partnerships'),
  'GET /v1/contacts': { role: 'member' },
  'POST /v1/contacts': { role: 'member' },
  'GET /v1/contacts/:id': { role: 'member', params: (w) => ({ id: w.contact }) },
  'PATCH /v1/contacts/:id': { role: 'member', params: (w) => ({ id: w.contact }), body: () => ({}) },
  'DELETE /v1/contacts/:id': { role: 'member', params: (w) => ({ id: w.contact }) },
  'GET /v1/leads': { role: 'member' },
  'POST /v1/leads': { role: 'member' },
  'GET /v1/leads/:id': { role: 'member', params: (w) => ({ id: w.lead }) },
  'PATCH /v1/leads/:id': { role: 'member', params: (w) => ({ id: w.lead }), body: () => ({}) },
  'DELETE /v1/leads/:id': { role: 'member', params: (w) => ({ id: w.lead }) },
  'GET /v1/leads/:id/notes': { role: 'member', params: (w) => ({ id: w.lead }) },
  'POST /v1/leads/:id/notes': {
    role: 'member',
    params: (w) => ({ id: w.lead }),
    body: () => ({ document: doc }),
  },
  'GET /v1/leads/:id/notes/:noteId': { role: 'member', params: (w) => ({ id: w.lead, noteId: w.note }) },
  'PATCH /v1/leads/:id/notes/:noteId': {
    role: 'member',
    params: (w) => ({ id: w.lead, noteId: w.note }),
    body: () => ({ document: doc }),
  },
  'DELETE /v1/leads/:id/notes/:noteId': { role: 'member', params: (w) => ({ id: w.lead, noteId: w.note }) },
  'GET /v1/deals': { role: 'member' },
  'GET /v1/deals/:id': { role: 'member', params: (w) => ({ id: w.deal }) },
  'GET /v1/lead-deals': { role: 'member' },
  'GET /v1/lead-deals/:id': { role: 'member', params: (w) => ({ id: w.deal }) },
  // CSV (src/modules/csv): the list routes' role, and POST /v1/leads's for the import.
  'GET /v1/leads/export.csv': { role: 'member' },
  'GET /v1/partners/export.csv': { role: 'member' },
  'GET /v1/deals/export.csv': { role: 'member' },
  'POST /v1/leads/import': { role: 'member' },
  ...catalogue('/tags', 'tag'),
  ...catalogue('/tiers', 'tier'),
  ...catalogue('/categories', 'category'),
  'PATCH /v1/categories': { role: 'admin' },
  ...catalogue('/stages/partner-stages', 'partnerStage'),
  'PATCH /v1/stages/partner-stages': { role: 'admin' },
  ...catalogue('/stages/lead-deal-stages', 'dealStage'),
  'PATCH /v1/stages/lead-deal-stages': { role: 'admin' },
  ...catalogue('/stages/payment-stages', 'paymentStage'),
  'PATCH /v1/stages/payment-stages': { role: 'admin' },
  ...catalogue('/custom-fields', 'customField'),
  ...catalogue('/campaigns', 'campaign', () => ({ title: `T ${uniq()}` })),
  'GET /v1/countries': { role: 'member' },
  'GET /v1/countries/:id': { role: 'member' },
  'GET /v1/currencies': { role: 'member' },
  'GET /v1/currencies/:id': { role: 'member' },
  'GET /v1/reports/partners': { role: 'member' },
  'GET /v1/export': { role: 'admin' },
  'GET /v1/webhooks': { role: 'admin' },
  'POST /v1/webhooks': { role: 'admin' },
  'GET /v1/webhooks/:id': { role: 'admin', params: (w) => ({ id: w.webhook }) },
  'PATCH /v1/webhooks/:id': {
    role: 'admin',
    params: (w) => ({ id: w.webhook }),
    body: () => ({ description: 'x' }),
  },
  'DELETE /v1/webhooks/:id': { role: 'admin', params: (w) => ({ id: w.webhook }) },
  'POST /v1/webhooks/:id/rotate-secret': { role: 'admin', params: (w) => ({ id: w.webhook }) },
  'POST /v1/webhooks/:id/test': { role: 'admin', params: (w) => ({ id: w.webhook }) },
  'GET /v1/webhooks/:id/deliveries': { role: 'admin', params: (w) => ({ id: w.webhook }) },
  'GET /v1/webhooks/:id/deliveries/:deliveryId': {
    role: 'admin',
    params: (w) => ({ id: w.webhook, deliveryId: w.delivery }),
  },
  'POST /v1/webhooks/:id/deliveries/:deliveryId/retry': {
    role: 'admin',
    params: (w) => ({ id: w.webhook, deliveryId: w.delivery }),
  },
  ...dealRoutes('/deals'),
  ...dealRoutes('/lead-deals'),
  'GET /v1/notifications': { role: 'member' },
  'GET /v1/notifications/stream': { role: 'member' },
  'POST /v1/notifications/:id/read': { role: 'member', params: (w) => ({ id: w.notification }) },
  'POST /v1/notifications/read-all': { role: 'member' },
  ...dealMoneyRoutes('/deals'),
  ...dealMoneyRoutes('/lead-deals'),
};

// The routes anyone may call: outside the authenticated scope, limited per IP, role-less.
const PUBLIC_ROUTES = [
  'POST /v1/auth/signup',
  'POST /v1/auth/login',
  'POST /v1/auth/password-reset',
  'POST /v1/auth/password-reset/complete',
  'GET /v1/auth/invitations/:token',
  'POST /v1/auth/invitations/:token/accept',
];

const entries = Object.entries(ROUTES).map(([route, row]) => {
  const [method, url] = route.split(' ') as [string, string];
  return { route, method, url, ...row };
});
const writes = entries.filter((e) => e.method !== 'GET');

const fill = (url: string, values: Record<string, number>) =>
  url.replace(/:(\w+)/g, (_, name: string) => String(values[name] ?? MISSING));

/** One request; a stream is closed as soon as its status is known. */
async function call(method: string, path: string, key: string, body?: unknown) {
  const abort = new AbortController();
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(ctx.t.api.baseUrl + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: abort.signal,
  });
  if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    abort.abort();
    return { status: res.status, body: null };
  }
  const text = await res.text();
  if ((res.headers.get('content-type') ?? '').startsWith('text/csv'))
    return { status: res.status, body: null };
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

let a: DemoCompany;
let world: World;

beforeAll(async () => {
  const db = ctx.t.database.db;
  const { me, partner } = await demo(db);
  a = me;
  const key = me.keys.write;
  const api = ctx.t.api;
  const post = async (path: string, body: unknown) => {
    const res = await api.post(path, { key, body });
    expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBeLessThan(300);
    return res.body;
  };
  const lead = await createLead(api, key, campaignBody(me));
  const note = await post(`/v1/leads/${lead.id}/notes`, { document: doc });
  const contact = await post('/v1/contacts', {
    email: `c-${uniq()}@${partner.domain}`,
    partnership_id: me.partners[0]!.id,
  });
  const webhook = await post('/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['leads.create'] });
  await post(`/v1/webhooks/${webhook.id}/test`, undefined);
  const deliveries = await api.get(`/v1/webhooks/${webhook.id}/deliveries`, { key });
  // The partner sends A a lead assigned to A's admin: A's admin gets a notification.
  await sendLead(api, partner.keys.write, partner.partners[0]!.partnership_id, [me.users[0]!.id]);
  const notifications = await api.get('/v1/notifications', { key });
  const keys = await api.get('/v1/api-keys', { key });
  const invitation = await post('/v1/invitations', {
    email: `inv-${uniq()}@example.test`,
    role: 'partnerships',
  });
  const deal = await post('/v1/deals', { lead_id: lead.id });
  // A payment on it (rows made directly: only the routes' roles are under test here).
  const dealNote = await post(`/v1/deals/${deal.id}/notes`, { document: doc });
  const [payment] = await db
    .insert(dealPayments)
    .values({
      deal_id: deal.id,
      company_id: me.id,
      partnership_id: me.partners[0]!.partnership_id,
      occurrence: 1,
      payment_value: '10',
      currency_code: 'USD',
      payment_date: '2026-01-01',
    })
    .returning();
  world = {
    deal: deal.id,
    dealNote: dealNote.id,
    payment: payment!.id,
    user: (await makeUser(db, me.id)).id,
    lead: lead.id,
    note: note.id,
    partner: me.partners[0]!.id,
    contact: contact.id,
    webhook: webhook.id,
    delivery: deliveries.body.data[0].id,
    notification: notifications.body.data[0].id,
    tag: me.tags[0]!.id,
    tier: (await post('/v1/tiers', label())).id,
    category: (await post('/v1/categories', label())).id,
    partnerStage: (await post('/v1/stages/partner-stages', { ...label(), partner_type: 'referral' })).id,
    dealStage: (await post('/v1/stages/lead-deal-stages', { ...label(), phase: 'discovery' })).id,
    paymentStage: (await post('/v1/stages/payment-stages', { ...label(), phase: 'pending' })).id,
    customField: me.customFields[0]!.id,
    campaign: me.campaigns[0]!.id,
    apiKey: keys.body.data[0].id,
    invitation: invitation.id,
  };
  for (const [name, id] of Object.entries(world)) expect(id, name).toBeGreaterThan(0);
});

describe('roles: the route table', () => {
  it('lists every authenticated /v1 route with the role it declares, and nothing else', () => {
    const served = ctx.t.app.routeTable.routes
      .filter(
        (r) => r.url.startsWith('/v1/') && r.method !== 'HEAD' && r.url !== '/v1/openapi.json' && !r.public,
      )
      .map((r) => `${r.method} ${r.url} ${r.role}`)
      .sort();
    const expected = entries.map((e) => `${e.route} ${e.role}`).sort();
    expect(served).toEqual(expected);
  });

  it('has exactly the public routes, without a role, and they answer without a key', async () => {
    const publicRoutes = ctx.t.app.routeTable.routes
      .filter((r) => r.url.startsWith('/v1/') && r.method !== 'HEAD' && r.public)
      .map((r) => `${r.method} ${r.url} ${r.role}`)
      .sort();
    expect(publicRoutes).toEqual(PUBLIC_ROUTES.map((r) => `${r} undefined`).sort());
    for (const route of PUBLIC_ROUTES) {
      const [method, url] = route.split(' ') as [string, string];
      const res = await call(
        method,
        url.replace(':token', 'x'.repeat(43)),
        '',
        method === 'GET' ? undefined : {},
      );
      // Invalid bodies or unknown links, never "Missing API key".
      expect({ route, status: res.status }).toEqual({ route, status: method === 'GET' ? 404 : 400 });
    }
  });

  it('mirrors every route under /api/v1 with the same role', () => {
    const byRoute = (prefix: string) =>
      ctx.t.app.routeTable.routes
        .filter((r) => r.url.startsWith(`${prefix}/`) && r.url !== `${prefix}/openapi.json`)
        .map((r) => `${r.method} ${r.url.slice(prefix.length)} ${r.role}`)
        .sort();
    expect(byRoute('/api/v1')).toEqual(byRoute('/v1'));
  });
});

describe('roles: every route, every caller', () => {
  it('a read key is refused every write with 403 "Write access required"', async () => {
    for (const e of writes) {
      const res = await call(e.method, fill(e.url, e.params?.(world) ?? {}), a.keys.read, e.body?.());
      expect({ route: e.route, status: res.status, body: res.body }).toEqual({
        route: e.route,
        status: 403,
        body: WRITE_REQUIRED,
      });
    }
  });

  it('a partnerships user is refused exactly the admin routes, with 403 "Admin role required"', async () => {
    const db = ctx.t.database.db;
    const tenant = await makeTenant(db);
    const member = await makeUser(db, tenant.company.id, { role: 'partnerships' });
    const { key } = await makeApiKey(db, tenant.company.id, 'write', { userId: member.id });
    for (const e of entries) {
      // Objects that do not exist and empty bodies: the role is decided before either is looked at.
      const res = await call(e.method, fill(e.url, {}), key, e.method === 'GET' ? undefined : {});
      if (e.role === 'admin') {
        expect({ route: e.route, status: res.status, body: res.body }).toEqual({
          route: e.route,
          status: 403,
          body: ADMIN_REQUIRED,
        });
      } else {
        expect(res.status, `${e.route} → ${JSON.stringify(res.body)}`).not.toBe(403);
        expect(res.status, `${e.route} → ${JSON.stringify(res.body)}`).toBeLessThan(500);
      }
    }
  });

  it("another company's object is 404 on every route that addresses one", async () => {
    const outsider = await makeTenant(ctx.t.database.db);
    const addressed = entries.filter((e) => e.params && e.url.includes(':'));
    expect(addressed.length).toBeGreaterThan(40);
    for (const e of addressed) {
      const res = await call(e.method, fill(e.url, e.params!(world)), outsider.writeKey, e.body?.());
      expect({ route: e.route, status: res.status, code: res.body?.code }).toEqual({
        route: e.route,
        status: 404,
        code: 'not_found',
      });
    }
    // …while the owner reaches each of them (reads only: nothing is changed here).
    for (const e of addressed.filter((x) => x.method === 'GET')) {
      const res = await call(e.method, fill(e.url, e.params!(world)), a.keys.read);
      expect(res.status, `${e.route} → ${JSON.stringify(res.body)}`).toBe(200);
    }
  });

  it("a deactivated user's key is 401 on every route, and works again when the user is reactivated", async () => {
    const db = ctx.t.database.db;
    const tenant = await makeTenant(db);
    const second = await makeUser(db, tenant.company.id, { role: 'admin' });
    const { key } = await makeApiKey(db, tenant.company.id, 'write', { userId: second.id });
    expect((await call('GET', '/v1/users', key)).status).toBe(200);

    const off = await ctx.t.api.delete(`/v1/users/${second.id}`, { key: tenant.writeKey });
    expect(off.status).toBe(204);
    for (const e of entries) {
      const res = await call(e.method, fill(e.url, {}), key, e.method === 'GET' ? undefined : {});
      expect({ route: e.route, status: res.status, body: res.body }).toEqual({
        route: e.route,
        status: 401,
        body: { error: 'Invalid API key', code: 'unauthorized' },
      });
    }
    const on = await ctx.t.api.patch(`/v1/users/${second.id}`, {
      key: tenant.writeKey,
      body: { disabled_at: null },
    });
    expect(on.status).toBe(200);
    expect((await call('GET', '/v1/users', key)).status).toBe(200);
  });
});

describe('roles: what the refusals leave behind', () => {
  it('a partnerships user cannot create a webhook or deactivate the admin, and nothing changes', async () => {
    const db = ctx.t.database.db;
    const tenant = await makeTenant(db);
    const member = await makeUser(db, tenant.company.id, { role: 'partnerships' });
    const { key } = await makeApiKey(db, tenant.company.id, 'write', { userId: member.id });
    const hook = await ctx.t.api.post('/v1/webhooks', {
      key,
      body: { url: 'http://127.0.0.1:9/x', events: ['leads.create'] },
    });
    expect(hook.status).toBe(403);
    expect(hook.body).toEqual(ADMIN_REQUIRED);
    const demote = await ctx.t.api.delete(`/v1/users/${tenant.admin.id}`, { key });
    expect(demote.status).toBe(403);
    const counts = await db.execute<{ hooks: number; disabled: number }>(sql`
      SELECT (SELECT count(*)::int FROM webhook_endpoints WHERE company_id = ${tenant.company.id}) AS hooks,
             (SELECT count(*)::int FROM users WHERE company_id = ${tenant.company.id} AND disabled_at IS NOT NULL) AS disabled`);
    expect(counts.rows[0]).toEqual({ hooks: 0, disabled: 0 });
  });
});
