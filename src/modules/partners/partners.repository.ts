import { and, asc, desc, eq, ilike, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import { alias, type PgColumn, type PgSelect } from 'drizzle-orm/pg-core';
import { type Page, pageOffset } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import {
  categories,
  companies,
  companyPartnerships,
  companyPartnershipTags,
  companyPartnershipUsers,
  contacts,
  countries,
  type PartnershipStatus,
  type PartnerType,
  partnerships,
  stages,
  tiers,
  users,
} from '../../db/schema/index.js';
import { queryRows } from '../../db/statement.js';
import { likePattern } from '../../lib/sql.js';
import { type SideView, sideJson } from './partners.sides.js';

export type CompanyPartnershipRow = typeof companyPartnerships.$inferSelect;
export type PartnershipRow = typeof partnerships.$inferSelect;
export interface Side {
  cp: CompanyPartnershipRow;
  partnership: PartnershipRow;
}

const cp = companyPartnerships;
const partnerCompany = alias(companies, 'partner_company');

export interface PartnerFilter {
  search?: string | undefined;
  /** Partners assigned to this user (`view=assigned`). */
  assignedTo?: number | undefined;
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

const SORT_KEYS: Record<PartnerSort['by'], SQL | PgColumn> = {
  created_at: cp.created_at,
  name: sql`lower(${partnerCompany.name})`,
  stage: stages.series,
  tier: sql`lower(${tiers.label})`,
  category: sql`lower(${categories.label})`,
};

const hasAssignedUser = (userIds?: number[]) =>
  sql`exists (select 1 from ${companyPartnershipUsers} where ${companyPartnershipUsers.company_partnership_id} = ${cp.id}${
    userIds ? sql` and ${inArray(companyPartnershipUsers.user_id, userIds)}` : sql``
  })`;

function searchCondition(search: string): SQL | undefined {
  const p = likePattern(search);
  const u = users;
  return or(
    ilike(partnerCompany.name, p),
    ilike(partnerCompany.domain, p),
    ilike(partnerCompany.website_url, p),
    ilike(countries.label, p),
    sql`exists (select 1 from ${contacts} where ${contacts.company_partnership_id} = ${cp.id} and ${contacts.email} ilike ${p})`,
    sql`exists (select 1 from ${companyPartnershipUsers} join ${u} on ${u.id} = ${companyPartnershipUsers.user_id}
      where ${companyPartnershipUsers.company_partnership_id} = ${cp.id}
      and (${u.email} ilike ${p} or concat_ws(' ', ${u.first_name}, ${u.last_name}) ilike ${p}))`,
  );
}

function filterWhere(companyId: number, f: PartnerFilter): SQL | undefined {
  return and(
    eq(cp.company_id, companyId),
    f.search ? searchCondition(f.search) : undefined,
    f.assignedTo ? hasAssignedUser([f.assignedTo]) : undefined,
    f.users ? hasAssignedUser(f.users) : undefined,
    f.partnerType ? eq(partnerships.partner_type, f.partnerType) : undefined,
    f.stages ? inArray(cp.stage_id, f.stages) : undefined,
    f.categories ? inArray(cp.category_id, f.categories) : undefined,
    f.tiers ? inArray(cp.tier_id, f.tiers) : undefined,
    f.tags
      ? sql`exists (select 1 from ${companyPartnershipTags} where ${companyPartnershipTags.company_partnership_id} = ${cp.id} and ${inArray(companyPartnershipTags.tag_id, f.tags)})`
      : undefined,
    f.assigned ? hasAssignedUser() : undefined,
    f.unassigned ? sql`not ${hasAssignedUser()}` : undefined,
    f.statuses ? inArray(partnerships.status, f.statuses) : undefined,
  );
}

/** Joins a company partnership's partnership, partner company, country and classification. */
function joinSides<T extends PgSelect>(query: T) {
  return query
    .innerJoin(partnerships, eq(partnerships.id, cp.partnership_id))
    .innerJoin(partnerCompany, eq(partnerCompany.id, cp.partner_company_id))
    .leftJoin(countries, eq(countries.id, partnerCompany.country_id))
    .leftJoin(stages, eq(stages.id, cp.stage_id))
    .leftJoin(tiers, eq(tiers.id, cp.tier_id))
    .leftJoin(categories, eq(categories.id, cp.category_id));
}

export const partnersRepository = {
  /** The caller's side of a partnership, with the partnership: undefined when not the caller's. */
  async side(db: Db, companyId: number, cpId: number): Promise<Side | undefined> {
    const [row] = await db
      .select({ cp, partnership: partnerships })
      .from(cp)
      .innerJoin(partnerships, eq(partnerships.id, cp.partnership_id))
      .where(and(eq(cp.id, cpId), eq(cp.company_id, companyId)));
    return row;
  },

  /**
   * Deletes the partnership of the caller's side `cpId` and both sides' custom field values;
   * both sides, their links and contacts cascade. False when the side is not the caller's.
   */
  async deletePartnership(db: Db, companyId: number, cpId: number): Promise<boolean> {
    const rows = await queryRows<{ id: number }>(
      db,
      sql`
      WITH gone AS (DELETE FROM partnerships p USING company_partnerships mine
        WHERE mine.id = ${cpId} AND mine.company_id = ${companyId} AND p.id = mine.partnership_id
        RETURNING p.id),
      gone_values AS (DELETE FROM custom_field_values
        WHERE entity_type = 'partner' AND entity_id IN (SELECT s.id FROM company_partnerships s
          WHERE s.partnership_id IN (SELECT id FROM gone)))
      SELECT id FROM gone`,
    );
    return rows.length > 0;
  },

  // ---- reads for responses ----

  /** The caller's side \`id\`, whole, in one statement; undefined when it is not the caller's. */
  async sideById(db: Db, companyId: number, id: number): Promise<SideView | undefined> {
    const rows = await queryRows<{ side: SideView }>(
      db,
      sql`SELECT ${sideJson()} AS side
      FROM company_partnerships cp JOIN partnerships p ON p.id = cp.partnership_id
      WHERE cp.id = ${id} AND cp.company_id = ${companyId}`,
    );
    return rows[0]?.side;
  },

  /** A page of the company's sides, whole, and how many match. */
  async list(db: Db, companyId: number, f: PartnerFilter, sort: PartnerSort, page: Page) {
    const where = filterWhere(companyId, f);
    const key = SORT_KEYS[sort.by];
    const direction = sort.descending ? sql`desc` : sql`asc`;
    const side = sideJson({ cp: 'company_partnerships', p: 'partnerships' });
    const [rows, [count]] = await Promise.all([
      joinSides(db.select({ side }).from(cp).$dynamic())
        .where(where)
        .orderBy(sql`${key} ${direction} nulls last`, sort.descending ? desc(cp.id) : asc(cp.id))
        .limit(page.pageSize)
        .offset(pageOffset(page)),
      joinSides(db.select({ n: sql<number>`count(*)::int` }).from(cp).$dynamic()).where(where),
    ]);
    return { rows: rows.map((r) => r.side), total: count?.n ?? 0 };
  },

  /**
   * Active users of the partner company. Until the partnership is accepted, only those the
   * caller already knows (its contacts on this partnership): an invitation must not reveal
   * the staff of a company that has not agreed to anything.
   */
  async partnerUsers(db: Db, side: Side, page: Page) {
    const where = and(
      eq(users.company_id, side.cp.partner_company_id),
      isNull(users.disabled_at),
      side.partnership.status === 'accepted'
        ? undefined
        : sql`lower(${users.email}) in (select lower(${contacts.email}) from ${contacts} where ${contacts.company_partnership_id} = ${side.cp.id})`,
    );
    // Both queries join companies: drizzle then qualifies every column, which the subquery
    // on contacts needs (a single-table query would render bare, ambiguous column names).
    const [rows, [count]] = await Promise.all([
      db
        .select({
          id: users.id,
          email: users.email,
          first_name: users.first_name,
          last_name: users.last_name,
          color: users.color,
          position: users.position,
          phone_number: users.phone_number,
          company_id: users.company_id,
          meeting_link: users.meeting_link,
          company_name: companies.name,
        })
        .from(users)
        .innerJoin(companies, eq(companies.id, users.company_id))
        .where(where)
        .orderBy(asc(users.id))
        .limit(page.pageSize)
        .offset(pageOffset(page)),
      db
        .select({ n: sql<number>`count(*)::int` })
        .from(users)
        .innerJoin(companies, eq(companies.id, users.company_id))
        .where(where),
    ]);
    return { rows, total: count?.n ?? 0 };
  },
};
