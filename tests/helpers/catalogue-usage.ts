import { eq } from 'drizzle-orm';
import type { Db } from '../../src/db/database.js';
import {
  companyPartnerships,
  companyPartnershipTags,
  contacts,
  contactTags,
  customFieldValues,
  partnerships,
} from '../../src/db/schema/index.js';
import { uniq } from './app.js';
import { makeCompany } from './factories.js';

// Rows that refer to catalogue entries (what makes an entry "in use"), written straight to
// the tables the foreign keys protect, so the catalogue tests do not depend on other modules.

/** A new partner company and `companyId`'s side of an accepted partnership with it. */
export async function makeCompanyPartnership(db: Db, companyId: number) {
  const partner = await makeCompany(db);
  const [partnership] = await db
    .insert(partnerships)
    .values({
      company_id: companyId,
      partner_company_id: partner.id,
      partner_type: 'referral',
      status: 'accepted',
    })
    .returning();
  const [side] = await db
    .insert(companyPartnerships)
    .values({ partnership_id: partnership!.id, company_id: companyId, partner_company_id: partner.id })
    .returning();
  return side!;
}

export async function makeContact(db: Db, companyId: number) {
  const side = await makeCompanyPartnership(db, companyId);
  const [contact] = await db
    .insert(contacts)
    .values({ company_id: companyId, company_partnership_id: side.id, email: `c-${uniq()}@example.test` })
    .returning();
  return contact!;
}

type Undo = () => Promise<void>;

/** Each call adds one record referring to the entry, and returns how to take it away again. */
export const use = {
  async tagOnPartner(db: Db, companyId: number, tagId: number): Promise<Undo> {
    const side = await makeCompanyPartnership(db, companyId);
    await db.insert(companyPartnershipTags).values({ company_partnership_id: side.id, tag_id: tagId });
    return async () => {
      await db
        .delete(companyPartnershipTags)
        .where(eq(companyPartnershipTags.company_partnership_id, side.id));
    };
  },
  async tagOnContact(db: Db, companyId: number, tagId: number): Promise<Undo> {
    const contact = await makeContact(db, companyId);
    await db.insert(contactTags).values({ contact_id: contact.id, tag_id: tagId });
    return async () => {
      await db.delete(contactTags).where(eq(contactTags.contact_id, contact.id));
    };
  },
  async onPartner(
    db: Db,
    companyId: number,
    column: 'tier_id' | 'category_id' | 'stage_id',
    id: number,
  ): Promise<Undo> {
    const side = await makeCompanyPartnership(db, companyId);
    const where = eq(companyPartnerships.id, side.id);
    await db
      .update(companyPartnerships)
      .set({ [column]: id })
      .where(where);
    return async () => {
      await db
        .update(companyPartnerships)
        .set({ [column]: null })
        .where(where);
    };
  },
  async customFieldValue(db: Db, companyId: number, customFieldId: number, value: unknown): Promise<Undo> {
    const side = await makeCompanyPartnership(db, companyId);
    const [row] = await db
      .insert(customFieldValues)
      .values({
        company_id: companyId,
        custom_field_id: customFieldId,
        entity_type: 'partner',
        entity_id: side.id,
        value,
      })
      .returning();
    return async () => {
      await db.delete(customFieldValues).where(eq(customFieldValues.id, row!.id));
    };
  },
};
