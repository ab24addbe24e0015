import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoCompany } from '../../src/cli/seed.js';
import { customFieldValues, dealTags, dealUsers } from '../../src/db/schema/index.js';
import { insertNotifications } from '../../src/modules/notifications/notifications.repository.js';
import { type ApiResponse, uniq, useTestApp } from '../helpers/app.js';
import {
  makeCategory,
  makeCustomField,
  makeStage,
  makeTag,
  makeTier,
} from '../helpers/catalogue-factories.js';
import { makeDeal, makeDealStage } from '../helpers/deal-factories.js';
import { makeTenant } from '../helpers/factories.js';
import { campaignBody, demo, seedExampleBody } from '../helpers/leads.js';
import { invite } from '../helpers/notifications.js';
import { newDomain, partnerBody } from '../helpers/partners.js';

// Guards that cannot drift, without timing anything (issue 10 §5): the number of statements each
// command sends to PostgreSQL over real HTTP, counted at the pool (BEGIN and COMMIT count, the
// API key lookup counts), must stay within its budget. A change that adds a round trip to a
// command fails here, with the statements it sent. The relay is off in this file: its work
// happens after the response, on its own schedule, and is not the request's.

const ctx = useTestApp({ RATE_LIMIT_PER_MINUTE: '100000' }, { relay: false, countStatements: true });
const api = () => ctx.t.api;

let me: DemoCompany;
let partner: DemoCompany;
const key = () => me.keys.write;

/** Sends the request and returns it with the statements it sent. */
async function measured(
  send: () => Promise<ApiResponse>,
): Promise<{ res: ApiResponse; statements: string[] }> {
  const counter = ctx.t.statements!;
  counter.take();
  const res = await send();
  return { res, statements: counter.take() };
}

interface Row {
  name: string;
  /** At most this many statements, the key lookup included. */
  budget: number;
  /** Makes what the command needs (not counted); returns the measured request. */
  prepare: () => Promise<() => Promise<ApiResponse>>;
  status: number;
}

const post = (path: string, body: unknown, headers?: Record<string, string>) => () =>
  api().post(path, { key: key(), body, ...(headers ? { headers } : {}) });
const doc = (text: string) => ({
  type: 'doc',
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});
const patch = (path: string, body: unknown) => () => api().patch(path, { key: key(), body });

/** A partnership deal in a payment stage of mine (rows made directly: POST /v1/deals is not measured here). */
async function partnershipDeal() {
  const db = ctx.t.database.db;
  const stage = await makeDealStage(db, me.id, { pipeline: 'payment' });
  const deal = await makeDeal(db, {
    owner: { companyId: me.id },
    partner: { companyId: partner.id },
    partnershipId: me.partners[0]!.partnership_id,
    dealValue: '1000',
    paymentStageId: stage.id,
  });
  return { id: deal.id, stage: stage.id };
}

const commissionBody = (stage: number) => ({
  calculation: {
    entries: [
      {
        payment_stage_id: stage,
        calculation: { type: 'recurring', option: 'percentage', value: '10', number_of_occurrences: 3 },
      },
    ],
  },
});

async function lead(): Promise<number> {
  const res = await api().post('/v1/leads', { key: key(), body: campaignBody(me) });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function note(leadId: number): Promise<number> {
  const res = await api().post(`/v1/leads/${leadId}/notes`, {
    key: key(),
    body: { document: doc('A note') },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

/** A partnership deal of `me` shared with the partner, with a tag, a user and a custom value each side (not counted). */
async function deal(): Promise<number> {
  const db = ctx.t.database.db;
  const stage = await makeDealStage(db, me.id);
  const d = await makeDeal(db, {
    owner: { companyId: me.id, leadId: await lead(), stageId: stage.id },
    partner: { companyId: partner.id },
    partnershipId: me.partners[0]!.partnership_id,
    dealValue: '1250.50',
  });
  const tag = await makeTag(db, me.id, { association: 'lead_deal' });
  const field = await makeCustomField(db, me.id, 'text', { category: 'lead_deal' });
  await db.insert(dealTags).values({ deal_id: d.id, tag_id: tag.id });
  await db.insert(dealUsers).values({ deal_id: d.id, user_id: me.users[0]!.id });
  await db.insert(customFieldValues).values({
    company_id: me.id,
    custom_field_id: field.id,
    entity_type: 'lead_deal',
    entity_id: d.id,
    value: { text: 'x' },
  });
  return d.id;
}

async function newPartner(): Promise<{ id: number; partnership_id: number }> {
  const res = await api().post('/v1/partners', { key: key(), body: partnerBody(newDomain()) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** A pending invitation from `me` to a new company: its side's id, and its (warmed) write key. */
async function received(): Promise<{ id: number; key: string }> {
  const them = await makeTenant(ctx.t.database.db);
  const { theirs } = await invite(api(), key(), them);
  expect((await api().get('/v1/users', { key: them.writeKey })).status).toBe(200);
  return { id: theirs.id, key: them.writeKey };
}

/** Partner catalogue entries of `me` (made once): a stage, tier, category, tag and custom field. */
let catalogue:
  | Promise<{ stage: string; tier: number; category: number; tag: number; field: number }>
  | undefined;
function partnerCatalogue() {
  const db = ctx.t.database.db;
  catalogue ??= (async () => ({
    stage: (await makeStage(db, me.id)).uuid,
    tier: (await makeTier(db, me.id)).id,
    category: (await makeCategory(db, me.id)).id,
    tag: (await makeTag(db, me.id)).id,
    field: (await makeCustomField(db, me.id, 'number')).id,
  }))();
  return catalogue;
}

/** A create body naming every kind of reference. */
async function fullPartnerBody(domain: string) {
  const c = await partnerCatalogue();
  return partnerBody(domain, {
    emails: [{ email: `ann@${domain}`, tags: [c.tag] }, { email: `bob@${domain}` }],
    stageUuid: c.stage,
    tierId: c.tier,
    categoryId: c.category,
    tags: [c.tag],
    assignedUsers: [me.users[0]!.id],
    customFields: [{ customFieldId: c.field, type: 'number', value: { number: 3 } }],
  });
}

async function contact(): Promise<number> {
  const body = { partnership_id: (await newPartner()).id, email: `bo-${uniq()}@example.test` };
  const res = await api().post('/v1/contacts', { key: key(), body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

async function user(role: 'admin' | 'partnerships'): Promise<{ id: number }> {
  const res = await api().post('/v1/users', {
    key: key(),
    body: { email: `u-${uniq()}@example.test`, role },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

// ---- catalogues, webhooks, api keys ----

/** Creates an entry through the API (not counted); returns its id. */
async function created(path: string, body: unknown): Promise<number> {
  const res = await api().post(path, { key: key(), body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}
const del = (path: string) => () => api().delete(path, { key: key() });

interface CatalogueKind {
  path: string;
  create: () => Record<string, unknown>;
  update: Record<string, unknown>;
  budgets: { create: number; update: number; delete: number };
}

const CATALOGUES: CatalogueKind[] = [
  {
    path: '/v1/tags',
    create: () => ({ label: `Tag ${uniq()}`, association: 'lead' }),
    update: { label: `Tag ${uniq()}`, association: 'lead' },
    budgets: { create: 2, update: 2, delete: 2 },
  },
  {
    path: '/v1/tiers',
    create: () => ({ label: `Tier ${uniq()}` }),
    update: { text_color: '#000000' },
    budgets: { create: 2, update: 2, delete: 2 },
  },
  {
    path: '/v1/categories',
    create: () => ({ label: `Category ${uniq()}` }),
    update: { partner_type: 'referral' },
    budgets: { create: 2, update: 2, delete: 2 },
  },
  {
    path: '/v1/stages/partner-stages',
    create: () => ({ label: `Stage ${uniq()}`, partner_type: 'referral' }),
    update: { phase: 'evaluation' },
    budgets: { create: 2, update: 2, delete: 2 },
  },
  {
    path: '/v1/stages/lead-deal-stages',
    create: () => ({ label: `Stage ${uniq()}`, phase: 'negotiation' }),
    update: { series: 7 },
    budgets: { create: 2, update: 2, delete: 2 },
  },
  {
    path: '/v1/stages/payment-stages',
    create: () => ({ label: `Stage ${uniq()}`, phase: 'invoiced' }),
    update: { series: 7 },
    budgets: { create: 2, update: 2, delete: 2 },
  },
  {
    path: '/v1/custom-fields',
    create: () => ({ label: `Field ${uniq()}`, type: 'text', category: 'lead' }),
    update: { label: `Field ${uniq()}`, type: 'text', required: true },
    budgets: { create: 2, update: 2, delete: 2 },
  },
  {
    path: '/v1/campaigns',
    create: () => ({ title: `Campaign ${uniq()}`, start_date: '2025-01-01' }),
    update: { status: 'paused', description: 'Paused for now' },
    budgets: { create: 2, update: 2, delete: 2 },
  },
];

function catalogueRows(): Row[] {
  const generic = CATALOGUES.flatMap((c): Row[] => [
    {
      name: `POST ${c.path}`,
      budget: c.budgets.create,
      status: 201,
      prepare: async () => post(c.path, c.create()),
    },
    {
      name: `PATCH ${c.path}/{id}`,
      budget: c.budgets.update,
      status: 200,
      prepare: async () => patch(`${c.path}/${await created(c.path, c.create())}`, c.update),
    },
    {
      name: `DELETE ${c.path}/{id}`,
      budget: c.budgets.delete,
      status: 204,
      prepare: async () => del(`${c.path}/${await created(c.path, c.create())}`),
    },
  ]);
  const select = () => ({
    label: `Select ${uniq()}`,
    type: 'select',
    category: 'lead',
    options: [{ label: 'Red' }, { label: 'Green' }, { label: 'Blue' }],
  });
  return [
    ...generic,
    {
      name: 'POST /v1/custom-fields (select, 3 options)',
      budget: 2,
      status: 201,
      prepare: async () => post('/v1/custom-fields', select()),
    },
    {
      name: 'PATCH /v1/custom-fields/{id} (options: keep, relabel, add, remove)',
      budget: 3,
      status: 200,
      prepare: async () => {
        const res = await api().post('/v1/custom-fields', { key: key(), body: select() });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        // Green is relabelled by id, Red kept by its label, Purple added, Blue removed.
        const green = res.body.options[1];
        return patch(`/v1/custom-fields/${res.body.id}`, {
          options: [{ id: green.id, label: 'Lime' }, { label: 'Red' }, { label: 'Purple' }],
        });
      },
    },
    {
      name: 'PATCH /v1/campaigns/{id} (dates)',
      budget: 2,
      status: 200,
      prepare: async () =>
        patch(
          `/v1/campaigns/${await created('/v1/campaigns', CATALOGUES.find((c) => c.path === '/v1/campaigns')!.create())}`,
          {
            end_date: '2025-12-31',
          },
        ),
    },
    {
      name: 'PATCH /v1/stages/partner-stages (bulk, 3 stages)',
      budget: 2,
      status: 200,
      prepare: async () => {
        const path = '/v1/stages/partner-stages';
        const ids = [
          await created(path, CATALOGUES[3]!.create()),
          await created(path, CATALOGUES[3]!.create()),
          await created(path, CATALOGUES[3]!.create()),
        ];
        return patch(path, {
          stages: ids.map((id, i) => ({ id, series: 10 + i, label: `Stage ${uniq()}` })),
        });
      },
    },
    {
      name: 'PATCH /v1/categories (bulk, 2 categories)',
      budget: 2,
      status: 200,
      prepare: async () => {
        const path = '/v1/categories';
        const ids = [
          await created(path, CATALOGUES[2]!.create()),
          await created(path, CATALOGUES[2]!.create()),
        ];
        return patch(path, { categories: ids.map((id) => ({ id, label: `Category ${uniq()}` })) });
      },
    },
  ];
}

// A public address literal: the SSRF check passes without DNS, and nothing is sent (no worker here).
const HOOK_URL = 'https://1.1.1.1/journeybee-hook';

const webhook = () => created('/v1/webhooks', { url: HOOK_URL, events: ['leads.create'] });

function webhookRows(): Row[] {
  return [
    {
      name: 'POST /v1/webhooks',
      budget: 2,
      status: 201,
      prepare: async () => post('/v1/webhooks', { url: HOOK_URL, events: ['leads.create'] }),
    },
    {
      name: 'PATCH /v1/webhooks/{id}',
      budget: 2,
      status: 200,
      prepare: async () =>
        patch(`/v1/webhooks/${await webhook()}`, { description: 'CRM', events: ['leads.update'] }),
    },
    {
      name: 'PATCH /v1/webhooks/{id} (active: false)',
      budget: 2,
      status: 200,
      prepare: async () => patch(`/v1/webhooks/${await webhook()}`, { active: false }),
    },
    {
      name: 'PATCH /v1/webhooks/{id} (active: true, re-enable)',
      budget: 2,
      status: 200,
      prepare: async () => {
        const id = await webhook();
        expect(
          (await api().patch(`/v1/webhooks/${id}`, { key: key(), body: { active: false } })).status,
        ).toBe(200);
        return patch(`/v1/webhooks/${id}`, { active: true });
      },
    },
    {
      name: 'DELETE /v1/webhooks/{id}',
      budget: 2,
      status: 204,
      prepare: async () => del(`/v1/webhooks/${await webhook()}`),
    },
    {
      name: 'POST /v1/webhooks/{id}/rotate-secret',
      budget: 2,
      status: 200,
      prepare: async () => post(`/v1/webhooks/${await webhook()}/rotate-secret`, undefined),
    },
    {
      name: 'POST /v1/webhooks/{id}/test',
      budget: 2,
      status: 202,
      prepare: async () => post(`/v1/webhooks/${await webhook()}/test`, undefined),
    },
    {
      name: 'POST /v1/webhooks/{id}/deliveries/{deliveryId}/retry',
      budget: 2,
      status: 202,
      prepare: async () => {
        const id = await webhook();
        const test = await api().post(`/v1/webhooks/${id}/test`, { key: key() });
        expect(test.status, JSON.stringify(test.body)).toBe(202);
        return post(`/v1/webhooks/${id}/deliveries/${test.body.id}/retry`, undefined);
      },
    },
  ];
}

function apiKeyRows(): Row[] {
  return [
    {
      name: 'POST /v1/api-keys',
      budget: 2,
      status: 201,
      prepare: async () => post('/v1/api-keys', { permission: 'read', name: `Key ${uniq()}` }),
    },
    {
      name: 'DELETE /v1/api-keys/{id}',
      budget: 2,
      status: 204,
      prepare: async () => del(`/v1/api-keys/${await created('/v1/api-keys', { permission: 'read' })}`),
    },
  ];
}

const ROWS: Row[] = [
  // ---- leads ----
  {
    name: 'POST /v1/leads (campaign)',
    budget: 3,
    status: 201,
    prepare: async () => post('/v1/leads', campaignBody(me)),
  },
  {
    name: 'POST /v1/leads (campaign, Idempotency-Key)',
    budget: 4,
    status: 201,
    prepare: async () => post('/v1/leads', campaignBody(me), { 'idempotency-key': `k-${uniq()}` }),
  },
  {
    name: "POST /v1/leads (the seed's full example, sendToPartner)",
    budget: 3,
    status: 201,
    prepare: async () => post('/v1/leads', seedExampleBody(me, partner)),
  },
  {
    name: "POST /v1/leads (the seed's full example, Idempotency-Key)",
    budget: 4,
    status: 201,
    prepare: async () =>
      post('/v1/leads', seedExampleBody(me, partner), { 'idempotency-key': `k-${uniq()}` }),
  },
  {
    name: 'GET /v1/leads/{id}',
    budget: 1,
    status: 200,
    prepare: async () => {
      const id = await lead();
      return () => api().get(`/v1/leads/${id}`, { key: key() });
    },
  },
  {
    name: 'GET /v1/leads?page=1&pageSize=10',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get('/v1/leads?page=1&pageSize=10', { key: key() }),
  },
  {
    name: 'GET /v1/leads?page=99&pageSize=50 (past the last page)',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get('/v1/leads?page=99&pageSize=50', { key: key() }),
  },
  {
    name: 'GET /v1/leads?search=…&status=new',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get('/v1/leads?search=example&status=new', { key: key() }),
  },
  {
    name: 'GET /v1/reports/partners (sorted, filtered)',
    budget: 1,
    status: 200,
    prepare: async () => () =>
      api().get('/v1/reports/partners?from=2020-01-01&sort=-conversion_rate&partner_type=referral', {
        key: key(),
      }),
  },
  {
    name: 'PATCH /v1/leads/{id}',
    budget: 3,
    status: 200,
    prepare: async () => {
      const id = await lead();
      return patch(`/v1/leads/${id}`, { first_name: 'Ada', tags: me.tags.map((t) => t.id) });
    },
  },
  {
    name: 'PATCH /v1/leads/{id} (assignedUsers, customFields)',
    budget: 3,
    status: 200,
    prepare: async () => {
      const id = await lead();
      const field = me.customFields.find((f) => f.type === 'number')!;
      return patch(`/v1/leads/${id}`, {
        assignedUsers: me.users.map((u) => u.id),
        customFields: [{ customFieldId: field.id, type: 'number', value: { number: 7 } }],
      });
    },
  },
  {
    name: 'DELETE /v1/leads/{id}',
    budget: 2,
    status: 204,
    prepare: async () => {
      const id = await lead();
      return () => api().delete(`/v1/leads/${id}`, { key: key() });
    },
  },
  // ---- deals ----
  {
    name: 'POST /v1/deals (a campaign lead)',
    // auth, facts, write, and the deal read back for the response.
    budget: 4,
    status: 201,
    prepare: async () => post('/v1/deals', { lead_id: await lead(), deal_value: '1250.50' }),
  },
  {
    name: 'POST /v1/deals (a partnership deal: both sides, tags, users, values, Idempotency-Key)',
    // + the reservation, and the read-back deal stored over the write's own `{id, uuid}`.
    budget: 6,
    status: 201,
    prepare: async () => {
      const body = seedExampleBody(me, partner);
      const res = await api().post('/v1/leads', { key: key(), body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const tag = await makeTag(ctx.t.database.db, me.id, { association: 'lead_deal' });
      const field = await makeCustomField(ctx.t.database.db, me.id, 'number', { category: 'lead_deal' });
      return post(
        '/v1/deals',
        {
          lead_id: res.body.id,
          deal_value: 99.5,
          tags: [tag.id],
          assignedUsers: [me.users[0]!.id],
          customFields: [{ customFieldId: field.id, type: 'number', value: { number: 3 } }],
        },
        { 'idempotency-key': `k-${uniq()}` },
      );
    },
  },
  {
    name: 'PATCH /v1/deals/{id} (value, tags, users)',
    budget: 3,
    status: 200,
    prepare: async () => {
      const res = await api().post('/v1/deals', { key: key(), body: { lead_id: await lead() } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const tag = await makeTag(ctx.t.database.db, me.id, { association: 'lead_deal' });
      return patch(`/v1/deals/${res.body.id}`, {
        deal_value: '10',
        tags: [tag.id],
        assignedUsers: [me.users[0]!.id],
      });
    },
  },
  {
    name: 'DELETE /v1/deals/{id}',
    budget: 2,
    status: 204,
    prepare: async () => {
      const res = await api().post('/v1/deals', { key: key(), body: { lead_id: await lead() } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return () => api().delete(`/v1/deals/${res.body.id}`, { key: key() });
    },
  },
  // ---- lead notes ----
  {
    name: 'POST /v1/leads/{id}/notes',
    budget: 3,
    status: 201,
    prepare: async () => post(`/v1/leads/${await lead()}/notes`, { document: doc('Called them') }),
  },
  {
    name: 'PATCH /v1/leads/{id}/notes/{noteId}',
    budget: 3,
    status: 200,
    prepare: async () => {
      const id = await lead();
      return patch(`/v1/leads/${id}/notes/${await note(id)}`, { document: doc('Called them again') });
    },
  },
  {
    name: 'GET /v1/leads/{id}/notes',
    budget: 1,
    status: 200,
    prepare: async () => {
      const id = await lead();
      await note(id);
      return () => api().get(`/v1/leads/${id}/notes`, { key: key() });
    },
  },
  {
    name: 'GET /v1/leads/{id}/notes/{noteId}',
    budget: 1,
    status: 200,
    prepare: async () => {
      const id = await lead();
      const noteId = await note(id);
      return () => api().get(`/v1/leads/${id}/notes/${noteId}`, { key: key() });
    },
  },
  {
    name: 'POST /v1/leads/{id}/notes (a mention)',
    budget: 3,
    status: 201,
    prepare: async () =>
      post(`/v1/leads/${await lead()}/notes`, { document: doc('Ask Parker'), mentions: [me.users[1]!.id] }),
  },
  {
    name: 'PATCH /v1/leads/{id}/notes/{noteId} (mentions)',
    budget: 3,
    status: 200,
    prepare: async () => {
      const id = await lead();
      return patch(`/v1/leads/${id}/notes/${await note(id)}`, { mentions: [me.users[1]!.id] });
    },
  },
  {
    name: 'DELETE /v1/leads/{id}/notes/{noteId}',
    budget: 3,
    status: 204,
    prepare: async () => {
      const id = await lead();
      const noteId = await note(id);
      return () => api().delete(`/v1/leads/${id}/notes/${noteId}`, { key: key() });
    },
  },
  // ---- deal notes, commission and payments ----
  {
    name: 'POST /v1/deals/{id}/notes (a mention)',
    budget: 3,
    status: 201,
    prepare: async () =>
      post(`/v1/deals/${(await partnershipDeal()).id}/notes`, {
        document: doc('Ask Parker'),
        mentions: [me.users[1]!.id],
      }),
  },
  {
    name: 'PATCH /v1/deals/{id}/notes/{noteId}',
    budget: 3,
    status: 200,
    prepare: async () => {
      const { id } = await partnershipDeal();
      const created = await api().post(`/v1/deals/${id}/notes`, { key: key(), body: { document: doc('x') } });
      return patch(`/v1/deals/${id}/notes/${created.body.id}`, {
        document: doc('y'),
        mentions: [me.users[1]!.id],
      });
    },
  },
  {
    name: 'DELETE /v1/deals/{id}/notes/{noteId}',
    budget: 3,
    status: 204,
    prepare: async () => {
      const { id } = await partnershipDeal();
      const created = await api().post(`/v1/deals/${id}/notes`, { key: key(), body: { document: doc('x') } });
      return () => api().delete(`/v1/deals/${id}/notes/${created.body.id}`, { key: key() });
    },
  },
  {
    name: 'GET /v1/deals/{id}/notes',
    budget: 1,
    status: 200,
    prepare: async () => {
      const { id } = await partnershipDeal();
      await api().post(`/v1/deals/${id}/notes`, { key: key(), body: { document: doc('x') } });
      return () => api().get(`/v1/deals/${id}/notes`, { key: key() });
    },
  },
  {
    name: 'GET /v1/deals/{id}/notes/{noteId}',
    budget: 1,
    status: 200,
    prepare: async () => {
      const { id } = await partnershipDeal();
      const created = await api().post(`/v1/deals/${id}/notes`, { key: key(), body: { document: doc('x') } });
      return () => api().get(`/v1/deals/${id}/notes/${created.body.id}`, { key: key() });
    },
  },
  {
    name: 'PUT /v1/deals/{id}/commission (payments due now)',
    budget: 3,
    status: 200,
    prepare: async () => {
      const { id, stage } = await partnershipDeal();
      return () =>
        api().request('PUT', `/v1/deals/${id}/commission`, { key: key(), body: commissionBody(stage) });
    },
  },
  {
    name: 'GET /v1/deals/{id}/commission',
    budget: 1,
    status: 200,
    prepare: async () => {
      const { id, stage } = await partnershipDeal();
      await api().request('PUT', `/v1/deals/${id}/commission`, { key: key(), body: commissionBody(stage) });
      return () => api().get(`/v1/deals/${id}/commission`, { key: key() });
    },
  },
  {
    name: 'GET /v1/deals/{id}/payments',
    budget: 1,
    status: 200,
    prepare: async () => {
      const { id, stage } = await partnershipDeal();
      await api().request('PUT', `/v1/deals/${id}/commission`, { key: key(), body: commissionBody(stage) });
      return () => api().get(`/v1/deals/${id}/payments`, { key: key() });
    },
  },
  {
    name: 'PATCH /v1/deals/{id}/payments/{paymentId} (complete)',
    budget: 3,
    status: 200,
    prepare: async () => {
      const { id, stage } = await partnershipDeal();
      await api().request('PUT', `/v1/deals/${id}/commission`, { key: key(), body: commissionBody(stage) });
      const [payment] = (await api().get(`/v1/deals/${id}/payments`, { key: key() })).body;
      return patch(`/v1/deals/${id}/payments/${payment.id}`, { payment_completed: true });
    },
  },
  {
    name: 'POST /v1/tiers (a default commission: its payment stages checked)',
    budget: 3,
    status: 201,
    prepare: async () => {
      const stage = await makeDealStage(ctx.t.database.db, me.id, { pipeline: 'payment' });
      return post('/v1/tiers', {
        label: `Tier ${uniq()}`,
        ...{ commission_calculation: commissionBody(stage.id).calculation },
      });
    },
  },
  // ---- deal reads ----
  {
    name: 'GET /v1/deals/{id} (a partnership deal, tags, users, custom values)',
    budget: 1,
    status: 200,
    prepare: async () => {
      const id = await deal();
      return () => api().get(`/v1/deals/${id}`, { key: key() });
    },
  },
  {
    name: 'GET /v1/deals?page=1&pageSize=10',
    budget: 1,
    status: 200,
    prepare: async () => {
      await deal();
      return () => api().get('/v1/deals?page=1&pageSize=10', { key: key() });
    },
  },
  {
    name: 'GET /v1/deals?page=2&search=…&view=sent&sort=-deal_value',
    budget: 1,
    status: 200,
    prepare: async () => () =>
      api().get('/v1/deals?page=2&search=deal&view=sent&sort=-deal_value', { key: key() }),
  },
  {
    name: 'GET /v1/lead-deals?phases=…&assigned=1',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get('/v1/lead-deals?phases=discovery&assigned=1', { key: key() }),
  },
  {
    name: 'GET /v1/currencies',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get('/v1/currencies?search=dollar', { key: key() }),
  },
  {
    name: 'GET /v1/currencies/{id}',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get('/v1/currencies/1', { key: key() }),
  },
  // ---- partners and contacts ----
  {
    name: 'POST /v1/partners (a new company)',
    budget: 3,
    status: 201,
    prepare: async () => post('/v1/partners', partnerBody(newDomain())),
  },
  {
    name: 'POST /v1/partners (an existing company, every reference, two contacts)',
    budget: 3,
    status: 201,
    prepare: async () => {
      const them = await makeTenant(ctx.t.database.db);
      return post('/v1/partners', await fullPartnerBody(them.company.domain!));
    },
  },
  {
    name: 'PATCH /v1/partners/{id}',
    budget: 3,
    status: 200,
    prepare: async () => patch(`/v1/partners/${(await newPartner()).id}`, { tags: [], fallbackData: null }),
  },
  {
    name: 'PATCH /v1/partners/{id} (withdraw, every reference)',
    budget: 3,
    status: 200,
    prepare: async () => {
      const { id } = await newPartner();
      const c = await partnerCatalogue();
      return patch(`/v1/partners/${id}`, {
        inactive: true,
        stageUuid: c.stage,
        tierId: null,
        categoryId: c.category,
        tags: [c.tag],
        assignedUsers: [],
        customFields: [{ customFieldId: c.field, type: 'number', value: { number: 4 } }],
        fallbackData: { name: 'Old name' },
      });
    },
  },
  {
    name: 'DELETE /v1/partners/{id}',
    budget: 2,
    status: 204,
    prepare: async () => {
      const { id } = await newPartner();
      return () => api().delete(`/v1/partners/${id}`, { key: key() });
    },
  },
  {
    name: 'GET /v1/partners/{id}',
    budget: 1,
    status: 200,
    prepare: async () => {
      const { id } = await newPartner();
      return () => api().get(`/v1/partners/${id}`, { key: key() });
    },
  },
  {
    name: 'POST /v1/partners/{id}/accept',
    budget: 3,
    status: 200,
    prepare: async () => {
      const side = await received();
      return () => api().post(`/v1/partners/${side.id}/accept`, { key: side.key });
    },
  },
  {
    name: 'POST /v1/partnerships/{id}/decline',
    budget: 3,
    status: 200,
    prepare: async () => {
      const side = await received();
      return () => api().post(`/v1/partnerships/${side.id}/decline`, { key: side.key });
    },
  },
  {
    name: 'GET /v1/partners?page=1',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get('/v1/partners?page=1', { key: key() }),
  },
  {
    name: 'GET /v1/partners/{id}/users',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get(`/v1/partners/${me.partners[0]!.id}/users`, { key: key() }),
  },
  {
    name: 'POST /v1/contacts',
    budget: 3,
    status: 201,
    prepare: async () =>
      post('/v1/contacts', { partnership_id: (await newPartner()).id, email: `bo-${uniq()}@example.test` }),
  },
  {
    name: 'PATCH /v1/contacts/{id}',
    budget: 3,
    status: 200,
    prepare: async () => patch(`/v1/contacts/${await contact()}`, { position: 'CTO', tags: [] }),
  },
  {
    name: 'GET /v1/contacts/{id}',
    budget: 1,
    status: 200,
    prepare: async () => {
      const id = await contact();
      return () => api().get(`/v1/contacts/${id}`, { key: key() });
    },
  },
  {
    name: 'GET /v1/contacts?page=1',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get('/v1/contacts?page=1', { key: key() }),
  },
  {
    name: 'DELETE /v1/contacts/{id}',
    budget: 2,
    status: 204,
    prepare: async () => {
      const id = await contact();
      return () => api().delete(`/v1/contacts/${id}`, { key: key() });
    },
  },
  // ---- users, catalogues, webhooks, notifications ----
  {
    name: 'GET /v1/users',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get('/v1/users', { key: key() }),
  },
  {
    name: 'GET /v1/users/{id}',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get(`/v1/users/${me.users[1]!.id}`, { key: key() }),
  },
  {
    name: 'POST /v1/users',
    budget: 2,
    status: 201,
    prepare: async () => post('/v1/users', { email: `u-${uniq()}@example.test`, role: 'partnerships' }),
  },
  {
    name: 'PATCH /v1/users/{id}',
    budget: 2,
    status: 200,
    prepare: async () => patch(`/v1/users/${(await user('partnerships')).id}`, { first_name: 'Bo' }),
  },
  {
    name: 'PATCH /v1/users/{id} (demote an admin)',
    budget: 2,
    status: 200,
    prepare: async () => patch(`/v1/users/${(await user('admin')).id}`, { role: 'partnerships' }),
  },
  {
    name: 'PATCH /v1/users/{id} (deactivate)',
    budget: 2,
    status: 200,
    prepare: async () =>
      patch(`/v1/users/${(await user('partnerships')).id}`, { disabled_at: new Date().toISOString() }),
  },
  {
    name: 'DELETE /v1/users/{id}',
    budget: 2,
    status: 204,
    prepare: async () => {
      const id = (await user('admin')).id;
      return () => api().delete(`/v1/users/${id}`, { key: key() });
    },
  },
  {
    name: 'PATCH /v1/me',
    budget: 2,
    status: 200,
    prepare: async () => patch('/v1/me', { position: `Lead ${uniq()}` }),
  },
  {
    name: 'PATCH /v1/company',
    budget: 2,
    status: 200,
    prepare: async () => patch('/v1/company', { description: `About ${uniq()}` }),
  },
  ...catalogueRows(),
  ...webhookRows(),
  ...apiKeyRows(),
  {
    name: 'POST /v1/notifications/{id}/read',
    budget: 2,
    status: 200,
    prepare: async () => {
      const [row] = await insertNotifications(ctx.t.database.db, [
        {
          companyId: me.id,
          userId: me.users[0]!.id,
          type: 'lead_assigned',
          title: 'A lead was assigned to you',
        },
      ]);
      return post(`/v1/notifications/${row!.id}/read`, {});
    },
  },
  {
    name: 'GET /v1/notifications',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get('/v1/notifications', { key: key() }),
  },
  {
    name: 'POST /v1/notifications/read-all',
    budget: 2,
    status: 200,
    prepare: async () => post('/v1/notifications/read-all', {}),
  },
];

beforeAll(async () => {
  ({ me, partner } = await demo(ctx.t.database.db));
  // Warm up: the key's first use of the minute also records last_used_at.
  expect((await api().get('/v1/users', { key: key() })).status).toBe(200);
});

describe('statement budgets: statements per request, counted at the pool', () => {
  it.each(ROWS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const send = await row.prepare();
    const { res, statements } = await measured(send);
    expect(res.status, JSON.stringify(res.body)).toBe(row.status);
    const listing = statements.map((s, i) => `${i + 1}. ${s.slice(0, 160)}`).join('\n');
    console.log(`${row.name}: ${statements.length}`);
    expect(statements.length, `${row.name} sent:\n${listing}`).toBeLessThanOrEqual(row.budget);
  });
});
