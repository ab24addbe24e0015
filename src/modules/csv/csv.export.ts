import { fillPlaceholders, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { type AuthContext, knownCaller, type RequestCaller } from '../../core/auth-context.js';
import { MAX_PAGE_SIZE } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import { customFieldValuesFor, customFieldValuesRepository } from '../custom-field-values/index.js';
import type { DealReadService, ListDealsInput } from '../deals/index.js';
import {
  filterValues,
  ITEM_COLUMNS,
  ITEM_RELATIONS,
  type LeadFilter,
  type ListLeadsInput,
  leadFilter,
  matching,
} from '../leads/index.js';
import type { ListPartnersInput, PartnerOut } from '../partners/index.js';
import { type ColumnField, columnFields, valueText } from './csv.fields.js';
import { cell, pick } from './csv.format.js';

// The CSV exports: a header row, then one record per item, built from the same rows the
// list routes return, with one column per custom field of the company (by label). Each is
// read in batches, so memory stays flat however many rows there are: leads by keyset (id
// order, the list's filters, 500 a statement), partners and deals page by page through their
// list reads (their sort, 50 a page; companies have thousands of those, not millions).

/** A column: its header (the API's field name, dotted for a nested one) and where its value is. */
type Columns = readonly string[];

export const LEAD_COLUMNS: Columns = [
  'id',
  'uuid',
  'company_name',
  'email',
  'phone_number',
  'first_name',
  'last_name',
  'source',
  'status',
  'association_type',
  'partner_type',
  'campaign_id',
  'campaign_title',
  'tags',
  'assigned_users',
  'lead_deals',
  'created_by_user_id',
  'created_at',
  'updated_at',
];

export const PARTNER_COLUMNS: Columns = [
  'id',
  'uuid',
  'partnership_id',
  'partnership.status',
  'partnership.partner_type',
  'partnership.reseller',
  'direction',
  'partner.name',
  'partner.website_url',
  'partner.email_domain',
  'partner.country',
  'stage',
  'tier',
  'category',
  'tags',
  'assigned_users',
  'created_at',
  'updated_at',
];

export const DEAL_COLUMNS: Columns = [
  'id',
  'uuid',
  'label',
  'deal_value',
  'currency_code',
  'expiration_date',
  'side',
  'company_id',
  'lead_id',
  'lead.email',
  'lead.company_name',
  'stage_label',
  'stage_phase',
  'payment_stage_label',
  'partnership_id',
  'partner_type',
  'partner.name',
  'campaign_id',
  'campaign_title',
  'total_commission_value',
  'tags',
  'assigned_users',
  'created_by_user_id',
  'created_at',
  'updated_at',
];

/** GET /v1/partners's read (PartnerService, passed in by the module registry). */
export interface PartnerList {
  list(
    caller: RequestCaller,
    q: ListPartnersInput & { page: number; pageSize: number },
  ): Promise<{ data: PartnerOut[] }>;
}

interface ValueRef {
  id: number;
  value: unknown;
}

/** The header, then a record per row: the columns, then the custom fields' values. */
async function* records<T>(
  columns: Columns,
  fields: ColumnField[],
  batches: AsyncIterable<{ row: T; values: ValueRef[] }[]>,
): AsyncGenerator<string[]> {
  yield [...columns, ...fields.map((f) => f.label)].map(cell);
  for await (const batch of batches) {
    for (const { row, values } of batch) {
      const byField = new Map(values.map((v) => [v.id, v.value]));
      yield [
        ...columns.map((c) => cell(pick(row, c))),
        ...fields.map((f) => cell(valueText(f, byField.get(f.id) as never))),
      ];
    }
  }
}

const dialect = new PgDialect();
export const LEAD_BATCH = 500;

/** The company's live leads matching the filter, in id order, `LEAD_BATCH` a statement. */
async function* leadBatches(db: Db, companyId: number, f: LeadFilter) {
  // `c` is the caller, as in the list statement.
  const query = dialect.sqlToQuery(sql`SELECT ${ITEM_COLUMNS}, ${ITEM_RELATIONS},
      ${customFieldValuesRepository.valuesJson('lead', sql`l.company_id`, sql`l.id`)} AS custom_fields
    FROM (SELECT ${sql.placeholder('company')}::int AS company_id) c, leads l
    WHERE ${matching(f)} AND l.id > ${sql.placeholder('after')}::int
    ORDER BY l.id LIMIT ${sql.raw(String(LEAD_BATCH))}`);
  const values = { ...filterValues(f), company: companyId };
  let after = 0;
  for (;;) {
    const { rows } = await db.$client.query<{ id: number; custom_fields: ValueRef[] }>({
      text: query.sql,
      values: fillPlaceholders(query.params, { ...values, after }),
    });
    if (rows.length === 0) return;
    yield rows.map((row) => ({ row, values: row.custom_fields }));
    after = rows[rows.length - 1]!.id;
    if (rows.length < LEAD_BATCH) return;
  }
}

export async function exportLeads(
  db: Db,
  auth: AuthContext,
  q: Omit<ListLeadsInput, 'page' | 'pageSize' | 'sort'>,
): Promise<AsyncGenerator<string[]>> {
  const f = leadFilter(q);
  const fields = await columnFields(db, auth.companyId, 'lead');
  return records(LEAD_COLUMNS, fields, leadBatches(db, auth.companyId, f));
}

/** Pages of a list read until the last, `MAX_PAGE_SIZE` a page. */
async function* pages<T>(read: (page: number) => Promise<{ data: T[] }>) {
  for (let page = 1; ; page++) {
    const { data } = await read(page);
    if (data.length > 0) yield data;
    if (data.length < MAX_PAGE_SIZE) return;
  }
}

export async function exportPartners(
  db: Db,
  partners: PartnerList,
  auth: AuthContext,
  q: Omit<ListPartnersInput, 'page' | 'pageSize'>,
): Promise<AsyncGenerator<string[]>> {
  const caller = knownCaller(auth);
  // The first page is read before the response starts, so a refused query is still a 400.
  const first = await partners.list(caller, { ...q, page: 1, pageSize: MAX_PAGE_SIZE });
  const fields = await columnFields(db, auth.companyId, 'partner');
  const read = async (page: number) =>
    page === 1 ? first : partners.list(caller, { ...q, page, pageSize: MAX_PAGE_SIZE });
  async function* batches() {
    for await (const data of pages(read)) yield data.map((row) => ({ row, values: row.custom_fields }));
  }
  return records(PARTNER_COLUMNS, fields, batches());
}

export async function exportDeals(
  db: Db,
  deals: DealReadService,
  auth: AuthContext,
  q: Omit<ListDealsInput, 'page' | 'pageSize'>,
): Promise<AsyncGenerator<string[]>> {
  const caller = knownCaller(auth);
  const first = await deals.list(caller, { ...q, page: 1, pageSize: MAX_PAGE_SIZE });
  const fields = await columnFields(db, auth.companyId, 'lead_deal');
  const read = async (page: number) =>
    page === 1 ? first : deals.list(caller, { ...q, page, pageSize: MAX_PAGE_SIZE });
  async function* batches() {
    for await (const data of pages(read)) {
      // The list items carry no custom values: one query a page reads them.
      const values =
        fields.length === 0
          ? new Map()
          : await customFieldValuesFor(
              db,
              auth.companyId,
              'lead_deal',
              data.map((d) => d.id),
            );
      yield data.map((row) => ({ row, values: (values.get(row.id) ?? []) as ValueRef[] }));
    }
  }
  return records(DEAL_COLUMNS, fields, batches());
}
