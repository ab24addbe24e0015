import { and, asc, eq, ilike, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { PgSelect } from 'drizzle-orm/pg-core';
import { type Page, pageOffset } from '../../../core/pagination.js';
import type { Executor } from '../../../db/database.js';
import { companies, companyPartnerships, contacts, contactTags } from '../../../db/schema/index.js';
import { likePattern } from '../../../lib/sql.js';
import { linkedTags, replaceLinks } from '../partners.repository.js';

export type ContactRow = typeof contacts.$inferSelect;

export interface ContactFilter {
  partnershipId?: number | undefined;
  search?: string | undefined;
}

/** A contact with the name of the partner company it works for. */
const fields = { contact: contacts, company_name: companies.name };
const joinPartner = <T extends PgSelect>(query: T) =>
  query
    .innerJoin(companyPartnerships, eq(companyPartnerships.id, contacts.company_partnership_id))
    .innerJoin(companies, eq(companies.id, companyPartnerships.partner_company_id));

function filterWhere(companyId: number, f: ContactFilter): SQL | undefined {
  const p = f.search ? likePattern(f.search) : undefined;
  return and(
    eq(contacts.company_id, companyId),
    f.partnershipId ? eq(contacts.company_partnership_id, f.partnershipId) : undefined,
    p
      ? or(
          ilike(contacts.email, p),
          sql`concat_ws(' ', ${contacts.first_name}, ${contacts.last_name}) ilike ${p}`,
          ilike(companies.name, p),
        )
      : undefined,
  );
}

export const contactsRepository = {
  async byId(db: Executor, companyId: number, id: number) {
    const [row] = await joinPartner(db.select(fields).from(contacts).$dynamic()).where(
      and(eq(contacts.id, id), eq(contacts.company_id, companyId)),
    );
    return row;
  },

  async byIds(db: Executor, companyId: number, ids: number[]) {
    if (ids.length === 0) return [];
    return joinPartner(db.select(fields).from(contacts).$dynamic())
      .where(and(inArray(contacts.id, ids), eq(contacts.company_id, companyId)))
      .orderBy(asc(contacts.id));
  },

  async list(db: Executor, companyId: number, f: ContactFilter, page: Page) {
    const where = filterWhere(companyId, f);
    const [rows, [count]] = await Promise.all([
      joinPartner(db.select(fields).from(contacts).$dynamic())
        .where(where)
        .orderBy(asc(contacts.id))
        .limit(page.pageSize)
        .offset(pageOffset(page)),
      joinPartner(db.select({ n: sql<number>`count(*)::int` }).from(contacts).$dynamic()).where(where),
    ]);
    return { rows, total: count?.n ?? 0 };
  },

  async insert(db: Executor, rows: (typeof contacts.$inferInsert)[]): Promise<ContactRow[]> {
    if (rows.length === 0) return [];
    return db.insert(contacts).values(rows).returning();
  },

  async update(
    db: Executor,
    companyId: number,
    id: number,
    values: Partial<typeof contacts.$inferInsert>,
  ): Promise<ContactRow | undefined> {
    const [row] = await db
      .update(contacts)
      .set({ ...values, updated_at: sql`now()` })
      .where(and(eq(contacts.id, id), eq(contacts.company_id, companyId)))
      .returning();
    return row;
  },

  async remove(db: Executor, companyId: number, id: number): Promise<boolean> {
    const rows = await db
      .delete(contacts)
      .where(and(eq(contacts.id, id), eq(contacts.company_id, companyId)))
      .returning({ id: contacts.id });
    return rows.length > 0;
  },

  async addTags(db: Executor, rows: (typeof contactTags.$inferInsert)[]): Promise<void> {
    if (rows.length > 0) await db.insert(contactTags).values(rows);
  },

  setTags: (db: Executor, contactId: number, tagIds: number[]) =>
    replaceLinks(
      db,
      contactTags,
      contactTags.contact_id,
      contactId,
      tagIds.map((tag_id) => ({ contact_id: contactId, tag_id })),
    ),

  tagsFor: (db: Executor, contactIds: number[]) =>
    linkedTags(db, contactTags.contact_id, contactTags.tag_id, contactIds),
};
