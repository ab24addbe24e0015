import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { companyPartnerships, partnerships } from '../../db/schema/index.js';
import { queryRows } from '../../db/statement.js';

export type CompanyPartnershipRow = typeof companyPartnerships.$inferSelect;
export type PartnershipRow = typeof partnerships.$inferSelect;
export interface Side {
  cp: CompanyPartnershipRow;
  partnership: PartnershipRow;
}

const cp = companyPartnerships;

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
};
