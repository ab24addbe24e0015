import { and, eq, sql } from 'drizzle-orm';
import { alias, type PgSelect } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/database.js';
import {
  categories,
  companies,
  companyPartnerships,
  countries,
  partnerships,
  stages,
  tiers,
} from '../../db/schema/index.js';
import { queryRows } from '../../db/statement.js';
import { type SideView, sideJson } from './partners.sides.js';

export type CompanyPartnershipRow = typeof companyPartnerships.$inferSelect;
export type PartnershipRow = typeof partnerships.$inferSelect;
export interface Side {
  cp: CompanyPartnershipRow;
  partnership: PartnershipRow;
}

const cp = companyPartnerships;
const partnerCompany = alias(companies, 'partner_company');

/** Joins a company partnership's partnership, partner company, country and classification. */
function _joinSides<T extends PgSelect>(query: T) {
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
};
