import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { alias, type PgColumn, type PgSelect } from 'drizzle-orm/pg-core';
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
};
