import { and, eq, sql } from 'drizzle-orm';
import type { PgSelect } from 'drizzle-orm/pg-core';
import type { Executor } from '../../../db/database.js';
import { companies, companyPartnerships, contacts } from '../../../db/schema/index.js';
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

export const contactsRepository = {
  async byId(db: Executor, companyId: number, id: number): Promise<ContactJson | undefined> {
    const [row] = await joinPartner(db.select(fields).from(contacts).$dynamic()).where(
      and(eq(contacts.id, id), eq(contacts.company_id, companyId)),
    );
    return row?.contact;
  },

  async remove(db: Executor, companyId: number, id: number): Promise<boolean> {
    const rows = await db
      .delete(contacts)
      .where(and(eq(contacts.id, id), eq(contacts.company_id, companyId)))
      .returning({ id: contacts.id });
    return rows.length > 0;
  },
};
