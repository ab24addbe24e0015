import { type SQL, sql } from 'drizzle-orm';
import type { CallerSource } from '../../core/auth-context.js';
import { type Page, pageOffset } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import { StatementCache } from '../../db/prepared.js';
import type { PartnershipStatus, PartnerType } from '../../db/schema/index.js';
import { likePattern } from '../../lib/sql.js';
import { type CallerRead, readAsCaller } from '../api-keys/index.js';
import type { PartnerOut, PartnerUserOut } from './partners.schemas.js';
import { type SideView, sideJson, toPartner } from './partners.sides.js';

// The partner reads, each ONE statement with its caller (readAsCaller): the caller's sides,
// whole (sideJson, partners.sides.ts: built for the page's rows only), and for a list the exact
// count; the partner company's users the caller may see.

const ph = sql.placeholder;

/**
 * A side (`cp`, the caller's company partnership) and its partnership (`p`), with what filters
 * and sorts look at: the partner company and its country, the side's stage, tier and category.
 */
const SIDES = sql`company_partnerships cp
  JOIN partnerships p ON p.id = cp.partnership_id
  JOIN companies pc ON pc.id = cp.partner_company_id
  LEFT JOIN countries co ON co.id = pc.country_id
  LEFT JOIN stages st ON st.id = cp.stage_id
  LEFT JOIN tiers ti ON ti.id = cp.tier_id
  LEFT JOIN categories ca ON ca.id = cp.category_id`;

/** A side's columns in a read: its id (null when there is none) and the side, whole. */
const SIDE_COLUMNS = sql`cp.id, ${sideJson()} AS side`;

interface SideRow {
  id: number | null;
  side: SideView;
}

// ---- the list ----

/** A list request's filters: absent ones do not filter. */
export interface PartnerFilter {
  search?: string | undefined;
  /** Partners assigned to the caller's own user (`view=assigned`). */
  assignedToCaller?: boolean | undefined;
  /** Partners assigned to any of these users. */
  users?: number[] | undefined;
  partnerType?: PartnerType | undefined;
  stages?: number[] | undefined;
  tags?: number[] | undefined;
  categories?: number[] | undefined;
  tiers?: number[] | undefined;
  assigned?: boolean | undefined;
  unassigned?: boolean | undefined;
  statuses?: PartnershipStatus[] | undefined;
}

export interface PartnerSort {
  by: 'created_at' | 'name' | 'stage' | 'tier' | 'category';
  descending: boolean;
}

/** The side has an assigned user (matching `user`, a condition on `x.user_id`). */
const assignedTo = (user?: SQL) =>
  sql`EXISTS (SELECT 1 FROM company_partnership_users x WHERE x.company_partnership_id = cp.id${
    user ? sql` AND ${user}` : sql``
  })`;

/** The filters used, in a fixed order, with their statement-name codes and conditions. */
const FILTERS: [keyof PartnerFilter, string, () => SQL][] = [
  [
    'search',
    'q',
    () => {
      const p = ph('search');
      return sql`(pc.name ILIKE ${p} OR pc.domain ILIKE ${p} OR pc.website_url ILIKE ${p} OR co.label ILIKE ${p}
        OR EXISTS (SELECT 1 FROM contacts x WHERE x.company_partnership_id = cp.id AND x.email ILIKE ${p})
        OR EXISTS (SELECT 1 FROM company_partnership_users x JOIN users u ON u.id = x.user_id
          WHERE x.company_partnership_id = cp.id
            AND (u.email ILIKE ${p} OR concat_ws(' ', u.first_name, u.last_name) ILIKE ${p})))`;
    },
  ],
  ['assignedToCaller', 'me', () => assignedTo(sql`x.user_id = c.user_id`)],
  ['users', 'u', () => assignedTo(sql`x.user_id = ANY(${ph('users')}::int[])`)],
  ['partnerType', 'pt', () => sql`p.partner_type = ${ph('partnerType')}`],
  ['stages', 's', () => sql`cp.stage_id = ANY(${ph('stages')}::int[])`],
  ['categories', 'ca', () => sql`cp.category_id = ANY(${ph('categories')}::int[])`],
  ['tiers', 'ti', () => sql`cp.tier_id = ANY(${ph('tiers')}::int[])`],
  [
    'tags',
    't',
    () =>
      sql`EXISTS (SELECT 1 FROM company_partnership_tags x WHERE x.company_partnership_id = cp.id AND x.tag_id = ANY(${ph('tags')}::int[]))`,
  ],
  ['assigned', 'a', () => assignedTo()],
  ['unassigned', 'n', () => sql`NOT ${assignedTo()}`],
  ['statuses', 'st', () => sql`p.status = ANY(${ph('statuses')}::text[])`],
];

const usedFilters = (f: PartnerFilter) =>
  FILTERS.filter(([key]) => f[key] !== undefined && f[key] !== false && f[key] !== '');

const SORT_KEYS: Record<PartnerSort['by'], string> = {
  created_at: 'cp.created_at',
  name: 'lower(pc.name)',
  stage: 'st.series',
  tier: 'lower(ti.label)',
  category: 'lower(ca.label)',
};

function listSql(f: PartnerFilter, sort: PartnerSort): SQL {
  const where = sql.join(
    [sql`cp.company_id = c.company_id`, ...usedFilters(f).map(([, , when]) => when())],
    sql` AND `,
  );
  const dir = sort.descending ? 'DESC' : 'ASC';
  return sql`SELECT t.total, page.* FROM (SELECT count(*)::int AS total FROM ${SIDES} WHERE ${where}) t
    LEFT JOIN LATERAL (SELECT ${SIDE_COLUMNS}, ${sql.raw(SORT_KEYS[sort.by])} AS sort_key FROM ${SIDES}
      WHERE ${where}
      ORDER BY ${sql.raw(`${SORT_KEYS[sort.by]} ${dir} NULLS LAST, cp.id ${dir}`)}
      LIMIT ${ph('limit')} OFFSET ${ph('offset')}) page ON true`;
}

// 11 filters, 10 sorts: the first 100 shapes used are named, the rest planned per call.
const statements = new StatementCache(100);

/** A page of the caller's partners and the exact number of those matching. */
export async function listPartners(
  db: Db,
  caller: CallerSource,
  f: PartnerFilter,
  sort: PartnerSort,
  page: Page,
): Promise<CallerRead<PartnerOut> & { total: number }> {
  const codes = usedFilters(f).map(([, code]) => code);
  const name = `partners_list_${codes.join('_') || 'all'}_${sort.descending ? 'desc' : 'asc'}_${sort.by}`;
  const dir = sort.descending ? 'DESC' : 'ASC';
  const { found, rows } = await readAsCaller<SideRow & { total: number }>(
    db,
    statements,
    name,
    caller,
    () => ({ body: listSql(f, sort), order: sql.raw(`r.sort_key ${dir} NULLS LAST, r.id ${dir}`) }),
    {
      search: f.search === undefined ? undefined : likePattern(f.search),
      users: f.users,
      partnerType: f.partnerType,
      stages: f.stages,
      categories: f.categories,
      tiers: f.tiers,
      tags: f.tags,
      statuses: f.statuses,
      limit: page.pageSize,
      offset: pageOffset(page),
    },
  );
  return {
    found,
    total: rows[0]?.total ?? 0,
    rows: rows.filter((row) => row.id !== null).map((row) => toPartner(row.side)),
  };
}

// ---- one partner ----

const ONE = sql`SELECT ${SIDE_COLUMNS} FROM ${SIDES} WHERE cp.id = ${ph('id')} AND cp.company_id = c.company_id`;

/** The caller's side of a partnership, as a partner object, if it is the caller's. */
export async function getPartner(
  db: Db,
  caller: CallerSource,
  id: number,
): Promise<Pick<CallerRead<never>, 'found'> & { partner: PartnerOut | undefined }> {
  const { found, rows } = await readAsCaller<SideRow>(
    db,
    statements,
    'partners_one',
    caller,
    () => ({ body: ONE }),
    {
      id,
    },
  );
  const row = rows[0];
  return { found, partner: row && row.id !== null ? toPartner(row.side) : undefined };
}

// ---- the partner company's users ----

/**
 * Active users of the partner company. Until the partnership is accepted, only those the caller
 * already knows (its contacts on this partnership): an invitation must not reveal the staff of a
 * company that has not agreed to anything.
 */
const PARTNER_USERS_WHERE = sql`u.company_id = s.partner_company_id AND u.disabled_at IS NULL
  AND (s.status = 'accepted' OR lower(u.email) IN (SELECT lower(x.email) FROM contacts x WHERE x.company_partnership_id = s.id))`;

const PARTNER_USERS = sql`SELECT s.id AS side_id, t.total, page.*
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (SELECT cp.id, cp.partner_company_id, p.status FROM company_partnerships cp
    JOIN partnerships p ON p.id = cp.partnership_id
    WHERE cp.id = ${ph('id')} AND cp.company_id = c.company_id) s ON true
  LEFT JOIN LATERAL (SELECT count(*)::int AS total FROM users u WHERE ${PARTNER_USERS_WHERE}) t ON true
  LEFT JOIN LATERAL (SELECT u.id, u.email, u.first_name, u.last_name, u.color, u.position, u.phone_number,
      u.company_id, u.meeting_link, pco.name AS company_name
    FROM users u JOIN companies pco ON pco.id = u.company_id
    WHERE ${PARTNER_USERS_WHERE}
    ORDER BY u.id LIMIT ${ph('limit')} OFFSET ${ph('offset')}) page ON true`;

/** A page of a partner company's users as the caller may see them; sideFound false when the partner is not the caller's. */
export async function listPartnerUsers(
  db: Db,
  caller: CallerSource,
  id: number,
  page: Page,
): Promise<CallerRead<PartnerUserOut> & { sideFound: boolean; total: number }> {
  const { found, rows } = await readAsCaller<PartnerUserOut & { side_id: number | null; total: number }>(
    db,
    statements,
    'partners_users',
    caller,
    () => ({ body: PARTNER_USERS, order: sql`r.id` }),
    { id, limit: page.pageSize, offset: pageOffset(page) },
  );
  return {
    found,
    sideFound: rows[0]?.side_id != null,
    total: rows[0]?.total ?? 0,
    rows: rows.filter((row) => row.id !== null).map(({ side_id: _, total: __, ...user }) => user),
  };
}
