import { sql } from 'drizzle-orm';
import { ApiError } from '../../core/errors.js';
import type { Db } from '../../db/database.js';
import { outboxInsert } from '../../db/outbox.js';
import { queryRows } from '../../db/statement.js';
import { dealsDeletedWithLead } from '../deals/index.js';
import { type Caller, leadEvent } from './leads.commands.js';
import { LEAD_MESSAGES } from './leads.schemas.js';

// DELETE /v1/leads/{id}: a soft delete, so the lead leaves every read and frees its email while
// its rows stay for history. No facts and no rules: the one write is its own check (a lead that
// is not the caller's live lead updates no row, and that is the 404).

export interface DeletePlan {
  caller: Caller;
  id: number;
}

/**
 * The soft delete and its `leads.delete` event (the lead's final state), in one statement, with
 * the deals the caller owns on the lead (soft-deleted too, `deals.delete` to each of their sides).
 */
export async function write(db: Db, { caller, id }: DeletePlan): Promise<void> {
  const event = leadEvent({
    from: sql`lead`,
    id,
    type: 'leads.delete',
    apiKeyId: caller.keyId,
    actorUserId: null,
    sources: {},
  });
  const deals = dealsDeletedWithLead(sql`lead`, caller);
  const rows = await queryRows<{ id: number }>(
    db,
    sql`
    WITH lead AS (
      UPDATE leads SET deleted_at = now(), updated_at = now()
      WHERE id = ${id} AND company_id = ${caller.companyId} AND deleted_at IS NULL
      RETURNING *),
    ${deals.cte},
    outbox AS (${outboxInsert(sql`${event} UNION ALL ${deals.events}`)})
    SELECT id FROM lead`,
  );
  if (rows.length === 0) throw new ApiError('not_found', LEAD_MESSAGES.alreadyDeleted);
}
