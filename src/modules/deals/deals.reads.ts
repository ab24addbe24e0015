import { type SQL, sql } from 'drizzle-orm';
import type { CallerSource } from '../../core/auth-context.js';
import type { Db } from '../../db/database.js';
import { StatementCache } from '../../db/prepared.js';
import type { DEAL_STAGE_PHASES } from '../../db/schema/index.js';
import { likePattern } from '../../lib/sql.js';
import { type CallerRead, readAsCaller } from '../api-keys/index.js';
import { customFieldValuesRepository } from '../custom-field-values/index.js';
import { moneyText } from './deals.money.js';
import type { DealListItemOut, DealOut, ListDealsInput } from './deals.schemas.js';

// The deal reads, each ONE named statement with its caller (readAsCaller: the API key is
// verified in the same statement). A company sees a deal when it has a side of it (`deal_sides`)
// and the deal is not deleted; every read shows the shared facts of `deals` (`d`) with the
// caller's side (`s`): its stage, its lead, and only the caller's company's tags, assigned users
// and custom values (a tag, a user, a field belongs to one company).
//
// The list is two branches, UNION ALL: the deals the caller owns (`deals.company_id`, walked in
// the order of `deals_company_created_idx` for the default sort: the page stops after its last
// row) and the deals partners share with it (its `partner` sides). An owner always has a side,
// so the two are disjoint and together exactly the deals the caller sees. Each branch yields at
// most offset + limit rows in the requested order; the page is cut from their union. The exact
// count adds the two branches' counts (the owned one, unfiltered, is an index-only count).
// LIMIT is literal on the first page (an exact, reusable generic plan; see leads.reads.ts).

const ph = sql.placeholder;

/** A list request's filters: absent ones do not filter. */
export interface DealFilter {
  search?: string | undefined;
  view?: ListDealsInput['view'];
  stages?: number[] | undefined;
  phases?: (typeof DEAL_STAGE_PHASES)[number][] | undefined;
  tags?: number[] | undefined;
  users?: number[] | undefined;
  assigned?: boolean | undefined;
  unassigned?: boolean | undefined;
  leadId?: number | undefined;
  partnershipId?: number | undefined;
  createdAfter?: Date | undefined;
  createdBefore?: Date | undefined;
}

export type DealSort = 'created_at' | 'updated_at' | 'deal_value' | 'label';

export interface DealOrder {
  by: DealSort;
  descending: boolean;
}

/** Which filters are used, in a fixed order, with the statement name's code for each. */
const FILTER_CODES: [keyof DealFilter, string][] = [
  ['search', 'q'],
  ['view', 'v'],
  ['stages', 's'],
  ['phases', 'p'],
  ['tags', 't'],
  ['users', 'u'],
  ['assigned', 'a'],
  ['unassigned', 'n'],
  ['leadId', 'l'],
  ['partnershipId', 'ps'],
  ['createdAfter', 'ca'],
  ['createdBefore', 'cb'],
];
const used = (f: DealFilter, key: keyof DealFilter) =>
  f[key] !== undefined && f[key] !== false && f[key] !== '';

/** The filters that look at the caller's side (`s`): without them the owned branch needs no side. */
const SIDE_FILTERS: (keyof DealFilter)[] = ['search', 'stages', 'phases', 'leadId'];
const needsSide = (f: DealFilter) => SIDE_FILTERS.some((key) => used(f, key)) || f.view === 'campaigns';

/** The caller's assigned users on `d` (users of the caller's company only). */
const hasUsers = (userIds?: SQL) =>
  sql`EXISTS (SELECT 1 FROM deal_users du JOIN users u ON u.id = du.user_id AND u.company_id = c.company_id
    WHERE du.deal_id = d.id${userIds ? sql` AND du.user_id = ANY(${userIds}::int[])` : sql``})`;

/** The caller's side's live lead matching the search term (company name, email, names). */
const LEAD_MATCHES = sql`EXISTS (SELECT 1 FROM leads sl WHERE sl.id = s.lead_id AND sl.deleted_at IS NULL
  AND (sl.company_name ILIKE (SELECT ${ph('search')}::text) OR sl.email ILIKE (SELECT ${ph('search')}::text)
    OR sl.first_name ILIKE (SELECT ${ph('search')}::text) OR sl.last_name ILIKE (SELECT ${ph('search')}::text)
    OR (sl.first_name || ' ' || sl.last_name) ILIKE (SELECT ${ph('search')}::text)))`;

/** The conditions of the filters used, on `d` and `s`; values are placeholders. */
function conditions(f: DealFilter, withSide: boolean): SQL[] {
  const when = (key: keyof DealFilter, condition: () => SQL) => (used(f, key) ? [condition()] : []);
  const side = (key: keyof DealFilter, condition: () => SQL) => (withSide ? when(key, condition) : []);
  return [
    ...side('search', () => sql`(d.label ILIKE (SELECT ${ph('search')}::text) OR ${LEAD_MATCHES})`),
    ...(f.view === 'reseller'
      ? [
          sql`EXISTS (SELECT 1 FROM partnerships vp WHERE vp.id = d.partnership_id AND vp.partner_type = 'reseller')`,
        ]
      : []),
    ...(f.view === 'sent' ? [sql`d.partnership_id IS NOT NULL`] : []),
    ...(f.view === 'campaigns' && withSide
      ? [sql`EXISTS (SELECT 1 FROM leads vl WHERE vl.id = s.lead_id AND vl.association_type = 'campaigns')`]
      : []),
    ...side('stages', () => sql`s.stage_id = ANY(${ph('stages')}::int[])`),
    ...side(
      'phases',
      () =>
        sql`EXISTS (SELECT 1 FROM stages fs WHERE fs.id = s.stage_id AND fs.phase = ANY(${ph('phases')}::text[]))`,
    ),
    ...when(
      'tags',
      () => sql`EXISTS (SELECT 1 FROM deal_tags dt JOIN tags t ON t.id = dt.tag_id AND t.company_id = c.company_id
        WHERE dt.deal_id = d.id AND dt.tag_id = ANY(${ph('tags')}::int[]))`,
    ),
    ...when('users', () => hasUsers(sql`${ph('users')}`)),
    ...when('assigned', () => hasUsers()),
    ...when('unassigned', () => sql`NOT ${hasUsers()}`),
    ...side('leadId', () => sql`s.lead_id = ${ph('leadId')}::int`),
    ...when('partnershipId', () => sql`d.partnership_id = ${ph('partnershipId')}::int`),
    ...when('createdAfter', () => sql`d.created_at > ${ph('createdAfter')}::timestamptz`),
    ...when('createdBefore', () => sql`d.created_at < ${ph('createdBefore')}::timestamptz`),
  ];
}

type Branch = 'owner' | 'partner';

/** The branches a view can match: `sent` are owned deals, `received` shared ones. */
const branchesOf = (f: DealFilter): Branch[] =>
  f.view === 'sent' ? ['owner'] : f.view === 'received' ? ['partner'] : ['owner', 'partner'];

/**
 * FROM … WHERE of a branch's live deals passing the filters. The owner branch names `d` by its
 * company (the partial index `deals_company_created_idx`), the partner branch by the caller's
 * `partner` sides (`deal_sides_partner_idx`). `withSide: false` (no filter looks at the side)
 * leaves the owner's side out of the owned branch: it always exists.
 */
function branchFrom(branch: Branch, f: DealFilter, withSide: boolean): SQL {
  const where = sql.join(
    [
      ...(branch === 'owner'
        ? [sql`d.company_id = c.company_id`, sql`d.deleted_at IS NULL`]
        : [sql`s.company_id = c.company_id`, sql`s.role = 'partner'`, sql`d.deleted_at IS NULL`]),
      ...conditions(f, withSide || branch === 'partner'),
    ],
    sql` AND `,
  );
  if (branch === 'partner') return sql`FROM deal_sides s JOIN deals d ON d.id = s.deal_id WHERE ${where}`;
  return withSide
    ? sql`FROM deals d JOIN deal_sides s ON s.deal_id = d.id AND s.company_id = c.company_id WHERE ${where}`
    : sql`FROM deals d WHERE ${where}`;
}

// `-x` is the exact reverse of `x`; ids break ties. Descending is NULLS LAST, ascending NULLS
// FIRST: exactly `deals_company_created_idx` (created_at DESC NULLS LAST, id DESC NULLS LAST)
// read forwards or backwards (PostgreSQL uses no index whose null order differs).
function orderBy(o: DealOrder, alias: string): SQL {
  const key = o.by === 'label' ? `lower(${alias}.label)` : `${alias}.${o.by}`;
  const order = `${o.descending ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}`;
  return sql.raw(`${key} ${order}, ${alias}.id ${order}`);
}

/** The count of the deals the caller sees that pass the filters: a one-row relation `total`. */
function totalSql(f: DealFilter): SQL {
  const counts = branchesOf(f).map((b) => sql`(SELECT count(*) ${branchFrom(b, f, needsSide(f))})`);
  return sql`(SELECT (${sql.join(counts, sql` + `)})::int AS total)`;
}

/** The sort keys a branch yields, for the union's order. */
const SORT_KEYS = sql`d.id, d.created_at, d.updated_at, d.deal_value, d.label`;

/** The page's deal ids with their position: each branch's first offset + limit, then the cut. */
function pageIds(f: DealFilter, o: DealOrder, firstPageSize: number | undefined): SQL {
  const branchLimit =
    firstPageSize === undefined ? sql`LIMIT ${ph('branchLimit')}` : sql.raw(`LIMIT ${firstPageSize}`);
  const window =
    firstPageSize === undefined
      ? sql`LIMIT ${ph('limit')} OFFSET ${ph('offset')}`
      : sql.raw(`LIMIT ${firstPageSize}`);
  const branches = branchesOf(f).map(
    (b) =>
      sql`(SELECT ${SORT_KEYS} ${branchFrom(b, f, needsSide(f))} ORDER BY ${orderBy(o, 'd')} ${branchLimit})`,
  );
  return sql`(SELECT m.id, row_number() OVER (ORDER BY ${orderBy(o, 'm')}) AS position
    FROM (SELECT * FROM (${sql.join(branches, sql` UNION ALL `)}) u ORDER BY ${orderBy(o, 'u')} ${window}) m)`;
}

/** The deal `d` with the caller's side `s`, as a list item (and the caller `c`). */
const ITEM_COLUMNS = sql`d.id, d.uuid, d.label,
  ${moneyText(sql`d.deal_value`, sql`d.currency_code`)} AS deal_value,
  d.currency_code,
  (SELECT json_build_object('uuid', cu.uuid, 'code', cu.code, 'label', cu.label)
    FROM currencies cu WHERE cu.code = d.currency_code) AS currency,
  d.expiration_date::text AS expiration_date,
  s.role AS side, d.company_id, s.lead_id,
  (SELECT json_build_object('id', l.id, 'uuid', l.uuid, 'first_name', l.first_name, 'last_name', l.last_name,
      'email', l.email, 'company_name', l.company_name)
    FROM leads l WHERE l.id = s.lead_id AND l.deleted_at IS NULL) AS lead,
  st.id AS stage_id, st.label AS stage_label, st.series AS stage_series, st.phase AS stage_phase,
  CASE WHEN st.id IS NULL THEN NULL ELSE json_build_object('id', st.id, 'uuid', st.uuid, 'label', st.label,
    'series', st.series, 'phase', st.phase) END AS stage,
  d.payment_stage_id, ps.label AS payment_stage_label, ps.series AS payment_stage_series,
  ps.phase AS payment_stage_phase,
  d.partnership_id, p.uuid AS partnership_uuid, p.partner_type,
  CASE WHEN oc.id IS NULL THEN NULL ELSE json_build_object('id', oc.id, 'uuid', oc.uuid, 'name', oc.name) END AS partner,
  CASE WHEN oc.id IS NULL THEN '[]'::json
    ELSE json_build_array(json_build_object('company_id', oc.id, 'company_name', oc.name)) END AS associated_partner,
  cl.campaign_id, (SELECT title FROM campaigns cm WHERE cm.id = cl.campaign_id) AS campaign_title,
  ${moneyText(sql`d.total_commission_value`, sql`d.currency_code`)} AS total_commission_value,
  (SELECT coalesce(json_agg(json_build_object('id', t.id, 'uuid', t.uuid, 'label', t.label,
      'background_color', t.background_color, 'text_color', t.text_color) ORDER BY lower(t.label), t.id), '[]')
    FROM deal_tags dt JOIN tags t ON t.id = dt.tag_id
    WHERE dt.deal_id = d.id AND t.company_id = c.company_id) AS tags,
  (SELECT coalesce(json_agg(json_build_object('id', u.id, 'uuid', u.uuid, 'email', u.email,
      'first_name', u.first_name, 'last_name', u.last_name) ORDER BY u.id), '[]')
    FROM deal_users du JOIN users u ON u.id = du.user_id
    WHERE du.deal_id = d.id AND u.company_id = c.company_id) AS assigned_users,
  d.created_by_user_id, d.created_at, d.updated_at`;

/** What the item columns join to `d` and `s`: stages, partnership, the other company, the lead's campaign. */
const ITEM_JOINS = sql`LEFT JOIN stages st ON st.id = s.stage_id
  LEFT JOIN stages ps ON ps.id = d.payment_stage_id
  LEFT JOIN partnerships p ON p.id = d.partnership_id
  LEFT JOIN companies oc ON oc.id = CASE WHEN p.company_id = c.company_id THEN p.partner_company_id ELSE p.company_id END
  LEFT JOIN leads cl ON cl.id = s.lead_id AND cl.deleted_at IS NULL`;

function listSql(f: DealFilter, o: DealOrder, firstPageSize: number | undefined): SQL {
  return sql`SELECT t.total, pg.* FROM ${totalSql(f)} t
    LEFT JOIN LATERAL (
      SELECT ${ITEM_COLUMNS}, m.position
      FROM ${pageIds(f, o, firstPageSize)} m
      JOIN deals d ON d.id = m.id
      JOIN deal_sides s ON s.deal_id = d.id AND s.company_id = c.company_id
      ${ITEM_JOINS}
    ) pg ON true`;
}

/** The filters used (the view by name), then the order: `q_vsent_desc_created_at`. */
function shapeName(f: DealFilter, o: DealOrder): string {
  const codes = FILTER_CODES.filter(([key]) => used(f, key)).map(([key, code]) =>
    key === 'view' ? `${code}${f.view}` : code,
  );
  return `${codes.join('_') || 'all'}_${o.descending ? 'desc' : 'asc'}_${o.by}`;
}

// Far more shapes than clients use: the first 200 used are named, the rest planned per call.
const statements = new StatementCache(200);

type ItemRow = DealListItemOut & { position: string | number | null };

/** A page of the deals the caller sees, and the exact number of those matching. */
export async function listDeals(
  db: Db,
  caller: CallerSource,
  f: DealFilter,
  o: DealOrder,
  page: { limit: number; offset: number },
): Promise<CallerRead<DealListItemOut> & { total: number }> {
  const first = page.offset === 0 ? page.limit : undefined;
  const params = {
    search: f.search === undefined ? undefined : likePattern(f.search),
    stages: f.stages,
    phases: f.phases,
    tags: f.tags,
    users: f.users,
    leadId: f.leadId,
    partnershipId: f.partnershipId,
    createdAfter: f.createdAfter?.toISOString(),
    createdBefore: f.createdBefore?.toISOString(),
    ...(first === undefined ? { ...page, branchLimit: page.limit + page.offset } : {}),
  };
  const { found, rows } = await readAsCaller<ItemRow & { total: number }>(
    db,
    statements,
    `deals_${shapeName(f, o)}_${first === undefined ? 'next' : `first${first}`}`,
    caller,
    () => ({ body: listSql(f, o, first), order: sql`r.position` }),
    params,
  );
  return {
    found,
    rows: rows.filter((row) => row.id !== null).map(({ total: _, position: __, ...row }) => row),
    total: rows[0]?.total ?? 0,
  };
}

// ---- one deal ----

const GET_DEAL = sql`SELECT ${ITEM_COLUMNS},
    ${customFieldValuesRepository.valuesJson('lead_deal', sql`c.company_id`, sql`d.id`)} AS custom_fields,
    d.integration_name, d.integration_custom_fields, d.powerups
  FROM deals d
  JOIN deal_sides s ON s.deal_id = d.id AND s.company_id = c.company_id
  ${ITEM_JOINS}
  WHERE d.id = ${ph('id')}::int AND d.deleted_at IS NULL`;

/** A live deal the caller has a side of, as that side sees it; undefined when there is none. */
export async function getDeal(
  db: Db,
  caller: CallerSource,
  id: number,
): Promise<{ found: CallerRead<DealOut>['found']; deal: DealOut | undefined }> {
  const { found, rows } = await readAsCaller<DealOut>(
    db,
    statements,
    'deals_get',
    caller,
    () => ({ body: GET_DEAL }),
    { id },
  );
  const row = rows[0];
  return { found, deal: row && row.id !== null ? row : undefined };
}

// ---- a lead's deals ----

/**
 * The live deals whose side of `companyId` is on the lead `leadId` (SQL expressions), with that
 * side's stage: a JSON array of `LeadDeal`, oldest first, for the lead reads' select lists.
 */
export const leadDealsJson = (companyId: SQL, leadId: SQL): SQL =>
  sql`(SELECT coalesce(json_agg(json_build_object('id', d.id, 'uuid', d.uuid, 'label', d.label,
      'deal_value', ${moneyText(sql`d.deal_value`, sql`d.currency_code`)}, 'currency_code', d.currency_code,
      'stage_id', st.id, 'stage_label', st.label, 'stage_series', st.series, 'stage_phase', st.phase)
      ORDER BY d.created_at, d.id), '[]')
    FROM deal_sides s JOIN deals d ON d.id = s.deal_id AND d.deleted_at IS NULL
    LEFT JOIN stages st ON st.id = s.stage_id
    WHERE s.lead_id = ${leadId} AND s.company_id = ${companyId})`;
