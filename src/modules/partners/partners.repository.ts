import { and, asc, desc, eq, ilike, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import { alias, type PgColumn, type PgSelect } from 'drizzle-orm/pg-core';
import { type Page, pageOffset } from '../../core/pagination.js';
import type { Executor } from '../../db/database.js';
import {
  categories,
  companies,
  companyPartnerships,
  companyPartnershipTags,
  companyPartnershipUsers,
  contacts,
  type contactTags,
  countries,
  type PartnershipStatus,
  type PartnerType,
  partnerships,
  stages,
  tags,
  tiers,
  users,
} from '../../db/schema/index.js';
import { likePattern } from '../../lib/sql.js';
import { usersRepository } from '../users/index.js';
import type { TagRef } from './partners.schemas.js';

export type CompanyPartnershipRow = typeof companyPartnerships.$inferSelect;
export type PartnershipRow = typeof partnerships.$inferSelect;
export type CompanyRow = typeof companies.$inferSelect;
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

const sideFields = {
  cp,
  partnership: partnerships,
  partner: partnerCompany,
  country: countries,
  stage: stages,
  tier: tiers,
  category: categories,
};
export type PartnerRow = Awaited<ReturnType<typeof partnersRepository.byIds>>[number];

type LinkTable = typeof companyPartnershipTags | typeof companyPartnershipUsers | typeof contactTags;

/** Replaces the rows linking one owner to other records (tags, users): delete, then insert. */
export async function replaceLinks<T extends LinkTable>(
  db: Executor,
  table: T,
  ownerColumn: PgColumn,
  ownerId: number,
  rows: T['$inferInsert'][],
): Promise<void> {
  await db.delete(table).where(eq(ownerColumn, ownerId));
  if (rows.length > 0) await db.insert(table).values(rows as never);
}

/** Tags linked to owners through a link table (`owner` and `tag` are its columns), by owner. */
export async function linkedTags(
  db: Executor,
  owner: PgColumn,
  tag: PgColumn,
  ownerIds: number[],
): Promise<Map<number, TagRef[]>> {
  const byOwner = new Map<number, TagRef[]>();
  if (ownerIds.length === 0) return byOwner;
  const rows = await db
    .select({
      owner: sql<number>`${owner}`,
      id: tags.id,
      label: tags.label,
      background_color: tags.background_color,
      text_color: tags.text_color,
    })
    .from(tags)
    .innerJoin(owner.table, eq(tag, tags.id))
    .where(inArray(owner, ownerIds))
    .orderBy(sql`lower(${tags.label})`, asc(tags.id));
  for (const { owner: ownerId, ...ref } of rows) {
    byOwner.set(ownerId, [...(byOwner.get(ownerId) ?? []), ref]);
  }
  return byOwner;
}

export const partnersRepository = {
  // ---- the caller's catalogues and users ----

  /** The company's first partner stage (by series) that applies to `partnerType`. */
  async firstPartnerStage(db: Executor, companyId: number, partnerType: PartnerType) {
    const [row] = await db
      .select({ id: stages.id })
      .from(stages)
      .where(
        and(
          eq(stages.company_id, companyId),
          eq(stages.pipeline, 'partner'),
          or(isNull(stages.partner_type), eq(stages.partner_type, partnerType)),
        ),
      )
      .orderBy(asc(stages.series), asc(stages.id))
      .limit(1);
    return row?.id;
  },

  activeUserIds(db: Executor, companyId: number, ids: number[]): Promise<number[]> {
    return usersRepository.activeIds(db, companyId, ids);
  },

  async countryExists(db: Executor, id: number): Promise<boolean> {
    const rows = await db.select({ id: countries.id }).from(countries).where(eq(countries.id, id));
    return rows.length > 0;
  },

  // ---- companies ----

  async companyByDomain(db: Executor, domain: string): Promise<CompanyRow | undefined> {
    const [row] = await db
      .select()
      .from(companies)
      .where(sql`lower(${companies.domain}) = ${domain.toLowerCase()}`);
    return row;
  },

  /** Inserts the company unless its domain is taken meanwhile; then returns the existing one. */
  async insertCompany(
    db: Executor,
    values: typeof companies.$inferInsert & { domain: string },
  ): Promise<{ company: CompanyRow; created: boolean }> {
    const [row] = await db.insert(companies).values(values).onConflictDoNothing().returning();
    if (row) return { company: row, created: true };
    const existing = await partnersRepository.companyByDomain(db, values.domain);
    if (!existing) throw new Error(`company insert for ${values.domain} conflicted but none exists`);
    return { company: existing, created: false };
  },

  async insertUsers(db: Executor, rows: (typeof users.$inferInsert)[]) {
    if (rows.length === 0) return [];
    return db
      .insert(users)
      .values(rows)
      .returning({ id: users.id, company_id: users.company_id, email: users.email, role: users.role });
  },

  // ---- partnerships ----

  async insertPartnership(db: Executor, values: typeof partnerships.$inferInsert): Promise<PartnershipRow> {
    const [row] = await db.insert(partnerships).values(values).returning();
    return row!;
  },

  async insertSides(db: Executor, rows: (typeof cp.$inferInsert)[]): Promise<CompanyPartnershipRow[]> {
    return db.insert(cp).values(rows).returning();
  },

  async insertContacts(db: Executor, rows: (typeof contacts.$inferInsert)[]) {
    if (rows.length === 0) return [];
    return db.insert(contacts).values(rows).returning({ id: contacts.id, email: contacts.email });
  },

  setTags: (db: Executor, cpId: number, tagIds: number[]) =>
    replaceLinks(
      db,
      companyPartnershipTags,
      companyPartnershipTags.company_partnership_id,
      cpId,
      tagIds.map((tag_id) => ({ company_partnership_id: cpId, tag_id })),
    ),

  setUsers: (db: Executor, cpId: number, userIds: number[]) =>
    replaceLinks(
      db,
      companyPartnershipUsers,
      companyPartnershipUsers.company_partnership_id,
      cpId,
      userIds.map((user_id) => ({ company_partnership_id: cpId, user_id })),
    ),

  /** The caller's side of a partnership, with the partnership: undefined when not the caller's. */
  async side(db: Executor, companyId: number, cpId: number): Promise<Side | undefined> {
    const [row] = await db
      .select({ cp, partnership: partnerships })
      .from(cp)
      .innerJoin(partnerships, eq(partnerships.id, cp.partnership_id))
      .where(and(eq(cp.id, cpId), eq(cp.company_id, companyId)));
    return row;
  },

  async sideIds(db: Executor, partnershipId: number): Promise<number[]> {
    const rows = await db.select({ id: cp.id }).from(cp).where(eq(cp.partnership_id, partnershipId));
    return rows.map((r) => r.id);
  },

  async updateSide(db: Executor, cpId: number, values: Partial<typeof cp.$inferInsert>): Promise<void> {
    await db
      .update(cp)
      .set({ ...values, updated_at: sql`now()` })
      .where(eq(cp.id, cpId));
  },

  /** Moves the partnership from one of `from` to `to`; false when its status was not in `from`. */
  async setStatus(
    db: Executor,
    partnershipId: number,
    from: PartnershipStatus[],
    to: PartnershipStatus,
  ): Promise<boolean> {
    const rows = await db
      .update(partnerships)
      .set({
        status: to,
        updated_at: sql`now()`,
        ...(to === 'accepted' ? { accepted_at: sql`now()` } : {}),
        ...(to === 'declined' ? { declined_at: sql`now()` } : {}),
      })
      .where(and(eq(partnerships.id, partnershipId), inArray(partnerships.status, from)))
      .returning({ id: partnerships.id });
    return rows.length > 0;
  },

  /** Deletes the partnership; both sides, their links and contacts cascade. */
  async deletePartnership(db: Executor, partnershipId: number): Promise<void> {
    await db.delete(partnerships).where(eq(partnerships.id, partnershipId));
  },

  // ---- reads for responses ----

  async byIds(db: Executor, companyId: number, ids: number[]) {
    return joinSides(db.select(sideFields).from(cp).$dynamic()).where(
      and(eq(cp.company_id, companyId), inArray(cp.id, ids)),
    );
  },

  async list(db: Executor, companyId: number, f: PartnerFilter, sort: PartnerSort, page: Page) {
    const where = filterWhere(companyId, f);
    const key = SORT_KEYS[sort.by];
    const direction = sort.descending ? sql`desc` : sql`asc`;
    const [rows, [count]] = await Promise.all([
      joinSides(db.select(sideFields).from(cp).$dynamic())
        .where(where)
        .orderBy(sql`${key} ${direction} nulls last`, sort.descending ? desc(cp.id) : asc(cp.id))
        .limit(page.pageSize)
        .offset(pageOffset(page)),
      joinSides(db.select({ n: sql<number>`count(*)::int` }).from(cp).$dynamic()).where(where),
    ]);
    return { rows, total: count?.n ?? 0 };
  },

  tagsFor: (db: Executor, cpIds: number[]) =>
    linkedTags(db, companyPartnershipTags.company_partnership_id, companyPartnershipTags.tag_id, cpIds),

  async usersFor(db: Executor, cpIds: number[]) {
    if (cpIds.length === 0) return [];
    return db
      .select({
        cpId: companyPartnershipUsers.company_partnership_id,
        id: users.id,
        email: users.email,
        first_name: users.first_name,
        last_name: users.last_name,
      })
      .from(companyPartnershipUsers)
      .innerJoin(users, eq(users.id, companyPartnershipUsers.user_id))
      .where(inArray(companyPartnershipUsers.company_partnership_id, cpIds))
      .orderBy(asc(users.id));
  },

  /**
   * Active users of the partner company. Until the partnership is accepted, only those the
   * caller already knows (its contacts on this partnership): an invitation must not reveal
   * the staff of a company that has not agreed to anything.
   */
  async partnerUsers(db: Executor, side: Side, page: Page) {
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
