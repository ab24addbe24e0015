import { type SQL, sql } from 'drizzle-orm';
import { ApiError } from '../../core/errors.js';
import type { Db } from '../../db/database.js';
import { outboxInsert } from '../../db/outbox.js';
import { queryRows } from '../../db/statement.js';
import { type Caller, dealEvents, ownerOnly } from './deals.commands.js';
import { DEAL_MESSAGES } from './deals.schemas.js';

// DELETE /v1/deals/{id}: a soft delete by the owner, so the deal leaves both sides' reads while
// its rows stay for history. No facts and no rules: the one write is its own check (a deal that
// is not the caller's live deal updates no row: 403 when the caller is its partner, else 404).

export interface DeletePlan {
  caller: Caller;
  id: number;
}

/** The soft delete and `deals.delete` to each side (the deal's final state), in one statement. */
export async function write(db: Db, { caller, id }: DeletePlan): Promise<void> {
  const event = dealEvents({
    deals: sql`deal`,
    sides: sql`deal_sides`,
    id,
    type: 'deals.delete',
    caller,
    sources: {},
  });
  const [row] = await queryRows<{ n: number; partner: boolean }>(
    db,
    sql`
    WITH deal AS (
      UPDATE deals SET deleted_at = now(), updated_at = now()
      WHERE id = ${id}::int AND company_id = ${caller.companyId}::int AND deleted_at IS NULL
      RETURNING *),
    outbox AS (${outboxInsert(event)})
    SELECT (SELECT count(*)::int FROM deal) AS n,
      EXISTS (SELECT 1 FROM deal_sides s JOIN deals d ON d.id = s.deal_id
        WHERE s.deal_id = ${id}::int AND s.company_id = ${caller.companyId}::int AND s.role = 'partner'
          AND d.deleted_at IS NULL) AS partner`,
  );
  if (row!.n > 0) return;
  if (row!.partner) throw ownerOnly();
  throw new ApiError('not_found', DEAL_MESSAGES.alreadyDeleted);
}

/**
 * For the lead delete's statement (leads.delete.ts): the deals the caller owns on the lead
 * (`lead` names the CTE of the deleted lead) are soft-deleted with it, and each side hears
 * `deals.delete`. Returns the CTE to add and the event rows for its outbox insert.
 */
export function dealsDeletedWithLead(lead: SQL, caller: Caller): { cte: SQL; events: SQL } {
  return {
    cte: sql`lead_deals AS (
      UPDATE deals SET deleted_at = now(), updated_at = now()
      WHERE company_id = ${caller.companyId}::int AND deleted_at IS NULL
        AND id IN (SELECT deal_id FROM deal_sides WHERE role = 'owner' AND lead_id IN (SELECT id FROM ${lead}))
      RETURNING *)`,
    events: dealEvents({
      deals: sql`lead_deals`,
      sides: sql`deal_sides`,
      type: 'deals.delete',
      caller,
      sources: {},
    }),
  };
}
