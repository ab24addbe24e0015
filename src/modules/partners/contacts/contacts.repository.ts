import { and, asc, eq, ilike, or, type SQL, sql } from 'drizzle-orm';
import type { PgSelect } from 'drizzle-orm/pg-core';
import { type Page, pageOffset } from '../../../core/pagination.js';
import type { Executor } from '../../../db/database.js';
import { companies, companyPartnerships, contacts } from '../../../db/schema/index.js';
import { likePattern } from '../../../lib/sql.js';
import { type ContactJson, contactJson, storedTagsJson } from './contacts.payload.js';

export interface ContactFilter {
  partnershipId?: number | undefined;
  search?: string | undefined;
}

/** A contact, whole: with the name of the partner company it works for and its tags. */
const fields = {
  contact: sql<ContactJson>`${contactJson(sql`contacts`, sql`companies.name`, storedTagsJson(sql`contacts.id`))}`,
};
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
  async byId(db: Executor, companyId: number, id: number): Promise<ContactJson | undefined> {
    const [row] = await joinPartner(db.select(fields).from(contacts).$dynamic()).where(
      and(eq(contacts.id, id), eq(contacts.company_id, companyId)),
    );
    return row?.contact;
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
    return { rows: rows.map((r) => r.contact), total: count?.n ?? 0 };
  },

  async remove(db: Executor, companyId: number, id: number): Promise<boolean> {
    const rows = await db
      .delete(contacts)
      .where(and(eq(contacts.id, id), eq(contacts.company_id, companyId)))
      .returning({ id: contacts.id });
    return rows.length > 0;
  },
};
