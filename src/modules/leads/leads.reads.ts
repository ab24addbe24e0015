import { type SQL, sql } from 'drizzle-orm';
import type { CallerSource } from '../../core/auth-context.js';
import type { Db } from '../../db/database.js';
import { StatementCache } from '../../db/prepared.js';
import type { LeadStatus } from '../../db/schema/index.js';
import { likePattern } from '../../lib/sql.js';
import { type CallerRead, readAsCaller } from '../api-keys/index.js';
import { customFieldValuesRepository } from '../custom-field-values/index.js';
import { leadDealsJson } from '../deals/index.js';
import type { LeadListItemOut, LeadOut, LeadSort, LeadView } from './leads.schemas.js';
import { type NoteJson, notesFromJson, notesJson } from './notes/lead-notes.repository.js';

// The lead reads, each ONE named statement with its caller (readAsCaller: the API key is
// verified in the same statement): the lead, its campaign, and its tags, assigned users and
// partnership leads as JSON arrays (correlated subqueries, run for the page's rows only), plus
// the exact count — or the lead with its notes. Hand-written SQL, because the hot list needs what the query
// builder cannot say: a literal LIMIT. With `LIMIT $n` PostgreSQL costs the generic plan as if
// 10% of the company's leads were read, prefers a custom plan and re-plans on every call (about
// 0.4 ms of the database's CPU per request); with the page size in the text the generic plan is
// exact and is reused (plans checked with EXPLAIN ANALYZE on a company of 100,000 leads).

const ph = sql.placeholder;

/** The lead columns every read returns (`l` is the lead). */
export const ITEM_COLUMNS = sql.raw(
  [
    'id',
    'uuid',
    'company_id',
    'created_by_user_id',
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
    'created_at',
    'updated_at',
  ]
    .map((c) => `l.${c}`)
    .join(', '),
);

/** The JSON arrays of a list item, for the lead `l`. */
export const ITEM_RELATIONS = sql`
  (SELECT title FROM campaigns c WHERE c.id = l.campaign_id) AS campaign_title,
  (SELECT coalesce(json_agg(json_build_object('id', t.id, 'label', t.label,
      'background_color', t.background_color, 'text_color', t.text_color) ORDER BY lower(t.label), t.id), '[]')
    FROM lead_tags lt JOIN tags t ON t.id = lt.tag_id WHERE lt.lead_id = l.id) AS tags,
  (SELECT coalesce(json_agg(json_build_object('id', u.id, 'email', u.email, 'first_name', u.first_name,
      'last_name', u.last_name, 'color', u.color) ORDER BY u.id), '[]')
    FROM lead_users lu JOIN users u ON u.id = lu.user_id WHERE lu.lead_id = l.id) AS assigned_users,
  -- Each side sees the partnership leads of its own lead: the sender's is sender_lead_id, the
  -- partner's copy receiver_lead_id.
  (SELECT coalesce(json_agg(json_build_object('id', pl.id, 'created_at', pl.created_at,
      'partnership_id', pl.partnership_id,
      'sent_by_company_id', pl.sent_by_company_id, 'sent_by_company_name', s.name,
      'received_by_company_id', pl.received_by_company_id, 'received_by_company_name', r.name,
      'partner_type', pl.partner_type,
      'direction', CASE WHEN pl.sender_lead_id = l.id THEN 'sent' ELSE 'received' END) ORDER BY pl.id), '[]')
    FROM partnership_leads pl
    JOIN companies s ON s.id = pl.sent_by_company_id
    JOIN companies r ON r.id = pl.received_by_company_id
    WHERE pl.sender_lead_id = l.id OR pl.receiver_lead_id = l.id) AS partnership_leads,
  -- The live deals whose side of this company is on the lead, with that side's stage.
  ${leadDealsJson(sql`l.company_id`, sql`l.id`)} AS lead_deals`;

type PartnershipLeadOut = LeadListItemOut['partnership_leads'][number];
/** A row as pg parses it: timestamps inside JSON are strings until mapped. */
type ItemRow = Omit<LeadListItemOut, 'partnership_leads'> & {
  partnership_leads: (Omit<PartnershipLeadOut, 'created_at'> & { created_at: string })[];
};

function toItem<T extends ItemRow>(row: T): Omit<T, 'partnership_leads'> & LeadListItemOut {
  return {
    ...row,
    partnership_leads: row.partnership_leads.map((pl) => ({ ...pl, created_at: new Date(pl.created_at) })),
  };
}

// ---- the list ----

/** A list request's filters: absent ones do not filter. */
export interface LeadFilter {
  search?: string | undefined;
  statuses?: LeadStatus[] | undefined;
  tags?: number[] | undefined;
  users?: number[] | undefined;
  view?: LeadView | undefined;
  assigned?: boolean | undefined;
  unassigned?: boolean | undefined;
  campaign?: number | undefined;
  createdAfter?: Date | undefined;
  createdBefore?: Date | undefined;
}

export interface LeadOrder {
  by: LeadSort;
  descending: boolean;
}

/** Which filters are used, in a fixed order (with the statement name's code for each). */
const FILTER_CODES: [keyof LeadFilter, string][] = [
  ['search', 'q'],
  ['statuses', 's'],
  ['tags', 't'],
  ['users', 'u'],
  ['view', 'v'],
  ['assigned', 'a'],
  ['unassigned', 'n'],
  ['campaign', 'c'],
  ['createdAfter', 'ca'],
  ['createdBefore', 'cb'],
];
const used = (f: LeadFilter, key: keyof LeadFilter) =>
  f[key] !== undefined && f[key] !== false && f[key] !== '';

const hasUsers = (userIds?: SQL) =>
  sql`EXISTS (SELECT 1 FROM lead_users lu WHERE lu.lead_id = l.id${
    userIds ? sql` AND lu.user_id = ANY(${userIds}::int[])` : sql``
  })`;

const VIEWS: Record<LeadView, SQL> = {
  received: sql`EXISTS (SELECT 1 FROM partnership_leads pl WHERE pl.receiver_lead_id = l.id)`,
  sent: sql`EXISTS (SELECT 1 FROM partnership_leads pl WHERE pl.sender_lead_id = l.id)`,
  reseller: sql`l.partner_type = 'reseller'`,
  campaigns: sql`l.association_type = 'campaigns'`,
};

/** The conditions of the filters used; values are placeholders, filled per request. */
function conditions(f: LeadFilter): SQL[] {
  const when = (key: keyof LeadFilter, condition: () => SQL) => (used(f, key) ? [condition()] : []);
  return [
    // search_text is lower-cased by PostgreSQL and trigram-indexed (leads_search_trgm_idx).
    // The term goes through a sub-select: the plan (one trigram index scan) is the same for
    // every term, and a term the planner cannot see keeps it on one generic plan, where a
    // visible one has it re-plan each call (0.4 ms) for an estimate that changes nothing.
    ...when('search', () => sql`l.search_text ILIKE (SELECT ${ph('search')}::text)`),
    ...when('statuses', () => sql`l.status = ANY(${ph('statuses')}::text[])`),
    ...when(
      'tags',
      () =>
        sql`EXISTS (SELECT 1 FROM lead_tags lt WHERE lt.lead_id = l.id AND lt.tag_id = ANY(${ph('tags')}::int[]))`,
    ),
    ...when('users', () => hasUsers(sql`${ph('users')}`)),
    ...when('view', () => VIEWS[f.view!]),
    ...when('assigned', () => hasUsers()),
    ...when('unassigned', () => sql`NOT ${hasUsers()}`),
    ...when('campaign', () => sql`l.campaign_id = ${ph('campaign')}`),
    ...when('createdAfter', () => sql`l.created_at > ${ph('createdAfter')}::timestamptz`),
    ...when('createdBefore', () => sql`l.created_at < ${ph('createdBefore')}::timestamptz`),
  ];
}

// `-x` is the exact reverse of `x`; ids break ties. Each order is exactly an index's, NULLS
// placement included (PostgreSQL does not use an index whose null order differs, even on NOT
// NULL columns): created_at and updated_at are indexed DESC NULLS LAST, lower(company_name) ASC.
function orderBy(o: LeadOrder, alias: string): SQL {
  const key = o.by === 'company_name' ? `lower(${alias}.company_name)` : `${alias}.${o.by}`;
  const nullsLast = o.by === 'company_name' ? !o.descending : o.descending;
  const order = `${o.descending ? 'DESC' : 'ASC'} NULLS ${nullsLast ? 'LAST' : 'FIRST'}`;
  return sql.raw(`${key} ${order}, ${alias}.id ${order}`);
}

/** LIMIT and OFFSET: literal on the first page (an exact, reusable plan), parameters after it. */
function pageWindow(firstPageSize: number | undefined): SQL {
  return firstPageSize === undefined
    ? sql`LIMIT ${ph('limit')} OFFSET ${ph('offset')}`
    : sql.raw(`LIMIT ${firstPageSize}`);
}

/** The caller's live leads (`c` is the caller, see readAsCaller). */
const OWN_LIVE = sql`l.company_id = c.company_id AND l.deleted_at IS NULL`;

/** The company's live leads that pass the filters, as a WHERE condition on `l`. */
export const matching = (f: LeadFilter): SQL => sql.join([OWN_LIVE, ...conditions(f)], sql` AND `);

/**
 * The exact count, as a one-row relation `total`. Unfiltered, it is the sum of the company's
 * counter slots (kept by a trigger, migration 0005), not a count of 100,000 rows. An aggregate in
 * FROM runs once; as a scalar subquery in a select list it would be evaluated for every row of
 * the page once the caller is a joined relation rather than a parameter.
 */
function totalSql(f: LeadFilter): SQL {
  return conditions(f).length === 0
    ? sql`(SELECT coalesce(sum(live), 0)::int AS total FROM lead_counters WHERE company_id = c.company_id)`
    : sql`(SELECT count(*)::int AS total FROM leads l WHERE ${matching(f)})`;
}

/**
 * The count, then the page (LEFT JOINed: an empty page still has its count). The page walks the
 * sort's index, stopping at the page's last lead (filters other than search are checked on the
 * way). A search instead finds its matching leads once, with one trigram index scan, and both
 * counts and sorts that set: a rare term must not walk the whole created_at index, and the count
 * needs every match anyway.
 */
function listSql(f: LeadFilter, o: LeadOrder, firstPageSize: number | undefined): SQL {
  if (used(f, 'search')) {
    return sql`WITH matches AS MATERIALIZED (
        SELECT l.id, l.created_at, l.updated_at, l.company_name FROM leads l WHERE ${matching(f)})
      SELECT t.total, p.* FROM (SELECT count(*)::int AS total FROM matches) t
      LEFT JOIN LATERAL (
        SELECT ${ITEM_COLUMNS}, ${ITEM_RELATIONS}
        FROM (SELECT * FROM matches m ORDER BY ${orderBy(o, 'm')} ${pageWindow(firstPageSize)}) m
        JOIN leads l ON l.id = m.id) p ON true`;
  }
  return sql`SELECT t.total, p.* FROM ${totalSql(f)} t
    LEFT JOIN LATERAL (
      SELECT ${ITEM_COLUMNS}, ${ITEM_RELATIONS}
      FROM (SELECT * FROM leads l WHERE ${matching(f)} ORDER BY ${orderBy(o, 'l')} ${pageWindow(firstPageSize)}) l
    ) p ON true`;
}

/** The filters used (and the view), then the order: `q_vsent` + `desc_created_at`. */
function shapeName(f: LeadFilter, o: LeadOrder): string {
  const codes = FILTER_CODES.filter(([key]) => used(f, key)).map(([key, code]) =>
    key === 'view' ? `${code}${f.view}` : code,
  );
  return `${codes.join('_') || 'all'}_${o.descending ? 'desc' : 'asc'}_${o.by}`;
}

// 10 flags, 5 views, 6 sorts, 50 page sizes: far more shapes than clients use. The first 200
// used are named; the rest are planned per call.
const statements = new StatementCache(200);

/** The values of the filters' placeholders (`matching`). */
export function filterValues(f: LeadFilter): Record<string, unknown> {
  return {
    // The column is lower-cased: so is the term, with its % and _ taken literally.
    search: f.search === undefined ? undefined : likePattern(f.search.toLowerCase()),
    statuses: f.statuses,
    tags: f.tags,
    users: f.users,
    campaign: f.campaign,
    createdAfter: f.createdAfter?.toISOString(),
    createdBefore: f.createdBefore?.toISOString(),
  };
}

/** A page of the caller's live leads and the exact number of those matching. */
export async function listLeads(
  db: Db,
  caller: CallerSource,
  f: LeadFilter,
  o: LeadOrder,
  page: { limit: number; offset: number },
): Promise<CallerRead<LeadListItemOut> & { total: number }> {
  const name = shapeName(f, o);
  const params = { ...filterValues(f), ...page };
  const first = page.offset === 0 ? page.limit : undefined;
  const { found, rows } = await readAsCaller<ItemRow & { total: number }>(
    db,
    statements,
    `leads_${name}_${first === undefined ? 'next' : `first${first}`}`,
    caller,
    () => ({ body: listSql(f, o, first), order: orderBy(o, 'r') }),
    params,
  );
  return {
    found,
    rows: rows.filter((row) => row.id !== null).map(({ total: _, ...row }) => toItem(row)),
    total: rows[0]?.total ?? 0,
  };
}

// ---- one lead ----

type LeadRow = ItemRow &
  Pick<
    LeadOut,
    | 'custom_fields'
    | 'integration_name'
    | 'integration_custom_fields'
    | 'powerups'
    | 'partnership_lead_input'
    | 'partner_custom_fields'
  > & {
    attributions: (Omit<LeadOut['attributions'][number], 'attributed_date'> & { attributed_date: string })[];
  };

const GET_LEAD = sql`SELECT ${ITEM_COLUMNS}, ${ITEM_RELATIONS},
    ${customFieldValuesRepository.valuesJson('lead', sql`l.company_id`, sql`l.id`)} AS custom_fields,
    (SELECT coalesce(json_agg(json_build_object('id', a.company_partnership_id,
        'attributed_date', a.attributed_date, 'series', a.series) ORDER BY a.series), '[]')
      FROM lead_attributions a WHERE a.lead_id = l.id) AS attributions,
    l.integration_name, l.integration_custom_fields, l.powerups, l.partnership_lead_input, l.partner_custom_fields,
    ${notesJson(sql`l.company_id`, sql`l.id`)} AS notes
  FROM leads l WHERE l.id = ${ph('id')} AND ${OWN_LIVE}`;

/** A live lead of the caller's company with its notes; undefined when there is none. */
export async function getLead(
  db: Db,
  caller: CallerSource,
  id: number,
): Promise<{ found: CallerRead<LeadOut>['found']; lead: LeadOut | undefined }> {
  const { found, rows } = await readAsCaller<LeadRow & { notes: NoteJson[] }>(
    db,
    statements,
    'leads_get',
    caller,
    () => ({ body: GET_LEAD }),
    { id },
  );
  const row = rows[0];
  if (!row || row.id === null) return { found, lead: undefined };
  return {
    found,
    lead: {
      ...toItem(row),
      attributions: row.attributions.map((a) => ({ ...a, attributed_date: new Date(a.attributed_date) })),
      notes: notesFromJson(row.notes),
    },
  };
}
