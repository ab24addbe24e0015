import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoCompany } from '../../src/cli/seed.js';
import { type ApiResponse, uniq, useTestApp } from '../helpers/app.js';
import { campaignBody, demo, seedExampleBody } from '../helpers/leads.js';
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

async function newPartner(): Promise<{ id: number; partnership_id: number }> {
  const res = await api().post('/v1/partners', { key: key(), body: partnerBody(newDomain()) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const ROWS: Row[] = [
  // ---- leads ----
  {
    name: 'POST /v1/leads (campaign)',
    budget: 8,
    status: 201,
    prepare: async () => post('/v1/leads', campaignBody(me)),
  },
  {
    name: 'POST /v1/leads (campaign, Idempotency-Key)',
    budget: 11,
    status: 201,
    prepare: async () => post('/v1/leads', campaignBody(me), { 'idempotency-key': `k-${uniq()}` }),
  },
  {
    name: "POST /v1/leads (the seed's full example, sendToPartner)",
    budget: 18,
    status: 201,
    prepare: async () => post('/v1/leads', seedExampleBody(me, partner)),
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
    name: 'PATCH /v1/leads/{id}',
    budget: 10,
    status: 200,
    prepare: async () => {
      const id = await lead();
      return patch(`/v1/leads/${id}`, { first_name: 'Ada', tags: me.tags.map((t) => t.id) });
    },
  },
  {
    name: 'DELETE /v1/leads/{id}',
    budget: 6,
    status: 204,
    prepare: async () => {
      const id = await lead();
      return () => api().delete(`/v1/leads/${id}`, { key: key() });
    },
  },
  // ---- lead notes ----
  {
    name: 'POST /v1/leads/{id}/notes',
    budget: 7,
    status: 201,
    prepare: async () => post(`/v1/leads/${await lead()}/notes`, { document: doc('Called them') }),
  },
  {
    name: 'PATCH /v1/leads/{id}/notes/{noteId}',
    budget: 7,
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
  // ---- partners and contacts ----
  {
    name: 'POST /v1/partners (a new company)',
    budget: 29,
    status: 201,
    prepare: async () => post('/v1/partners', partnerBody(newDomain())),
  },
  {
    name: 'PATCH /v1/partners/{id}',
    budget: 16,
    status: 200,
    prepare: async () => patch(`/v1/partners/${(await newPartner()).id}`, { tags: [], fallbackData: null }),
  },
  {
    name: 'GET /v1/partners?page=1',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get('/v1/partners?page=1', { key: key() }),
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
    name: 'GET /v1/partners/{id}/users',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get(`/v1/partners/${me.partners[0]!.id}/users`, { key: key() }),
  },
  {
    name: 'GET /v1/contacts',
    budget: 1,
    status: 200,
    prepare: async () => () => api().get('/v1/contacts', { key: key() }),
  },
  {
    name: 'GET /v1/contacts/{id}',
    budget: 1,
    status: 200,
    prepare: async () => {
      const res = await api().post('/v1/contacts', {
        key: key(),
        body: { partnership_id: (await newPartner()).id, email: `cy-${uniq()}@example.test`, tags: [] },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return () => api().get(`/v1/contacts/${res.body.id}`, { key: key() });
    },
  },
  {
    name: 'POST /v1/contacts',
    budget: 10,
    status: 201,
    prepare: async () =>
      post('/v1/contacts', { partnership_id: (await newPartner()).id, email: `bo-${uniq()}@example.test` }),
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
    budget: 5,
    status: 201,
    prepare: async () => post('/v1/users', { email: `u-${uniq()}@example.test`, role: 'partnerships' }),
  },
  {
    name: 'POST /v1/tags',
    budget: 2,
    status: 201,
    prepare: async () => post('/v1/tags', { label: `Tag ${uniq()}`, association: 'lead' }),
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
