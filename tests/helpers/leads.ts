import { and, inArray, like, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { type DemoCompany, seedDemo } from '../../src/cli/seed.js';
import type { Db } from '../../src/db/database.js';
import { events } from '../../src/db/schema/index.js';
import { type ApiClient, uniq } from './app.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;

/** `seed --demo`: two companies in an accepted referral partnership (API.md section 3). */
export async function demo(db: Db): Promise<{ me: DemoCompany; partner: DemoCompany }> {
  const { companies } = await seedDemo(db, silent);
  return { me: companies[0]!, partner: companies[1]! };
}

export const uniqueEmail = (local = 'lead') => `${local}-${uniq()}@example.test`;

/**
 * The seed's Example Request (003), verbatim but for its ids, taken from the demo: the
 * partnership, the partner's company and the caller's side, the caller's tags and its number
 * and text custom fields, the partner's users, the caller's company partnership to credit.
 * The email is made unique so tests can send it more than once.
 */
export function seedExampleBody(me: DemoCompany, partner: DemoCompany, email = uniqueEmail('contact')) {
  const side = me.partners[0]!;
  const numberField = me.customFields.find((f) => f.type === 'number')!;
  const textField = me.customFields.find((f) => f.type === 'text')!;
  return {
    company_name: 'TechCorp Solutions',
    email,
    phone_number: '+1-555-123-4567',
    first_name: 'John',
    last_name: 'Smith',
    source: 'partnership',
    associationType: 'referral',
    partnershipLead: {
      partnership_id: side.partnership_id,
      partners_company_id: side.partner_company_id,
      company_partnerships_id: side.id,
      sendToPartner: true,
      partnerUsers: partner.users.map((u) => u.id),
    },
    tags: me.tags.map((t) => t.id),
    customFields: [
      { customFieldId: numberField.id, type: 'number', value: { number: 100000 } },
      { customFieldId: textField.id, type: 'text', value: { text: 'High-value prospect from referral' } },
    ],
    attributions: [{ id: side.id, attributedDate: '2024-01-15T10:30:00Z' }],
  };
}

/** The smallest valid body: a campaign lead. */
export function campaignBody(company: DemoCompany, overrides: Record<string, unknown> = {}) {
  return {
    email: uniqueEmail(),
    associationType: 'campaigns',
    companyCampaignId: company.campaigns[0]!.id,
    ...overrides,
  };
}

/** POST /v1/leads that must answer 201. */
export async function createLead(api: ApiClient, key: string, body: unknown) {
  const res = await api.post('/v1/leads', { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: number; uuid: string; partnershipLeadId: number | null };
}

/** GET /v1/leads/{id} that must answer 200. */
export async function getLead(api: ApiClient, key: string, id: number) {
  const res = await api.get(`/v1/leads/${id}`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** The lead events (`leads.*`) of these companies in the outbox, oldest first. */
export function eventsOf(db: Db, companyIds: number[]) {
  return db
    .select({
      company_id: events.company_id,
      type: events.type,
      payload: events.payload,
      api_key_id: events.api_key_id,
    })
    .from(events)
    .where(and(inArray(events.company_id, companyIds), like(events.type, 'leads.%')))
    .orderBy(events.id);
}

/** How many rows a table holds for a company column (or in all), to prove nothing was written. */
export async function countRows(db: Db, table: string, where = sql`true`): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)} WHERE ${where}`,
  );
  return rows[0]!.n;
}

/** Rows of every table a lead create writes to, to prove a refused or failed one wrote none. */
export function leadRowCounts(db: Db): Promise<number[]> {
  const tables = [
    'leads',
    'lead_tags',
    'lead_users',
    'lead_attributions',
    'partnership_leads',
    'custom_field_values',
    'events',
  ];
  return Promise.all(tables.map((table) => countRows(db, table)));
}
