import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';

/** Delivery workers LISTEN here; the payload is empty (a wake-up call, the rows are the truth). */
export const DELIVERIES_CHANNEL = 'journeybee_deliveries';

/** Wakes every worker when the transaction commits (PostgreSQL drops it on rollback). */
export const notifyWorkers = sql`SELECT pg_notify(${DELIVERIES_CHANNEL}, '')`;

/**
 * Fan-out, run by the outbox relay for committed events: one pending delivery per active endpoint
 * of the event's company subscribed to its type that existed when the event happened (the relay
 * may get to an event after an endpoint was created: that endpoint does not get the older event),
 * in one INSERT … SELECT, and a NOTIFY (only when something was queued) that reaches the workers
 * at commit.
 */
export async function enqueueWebhookDeliveries(tx: Executor, eventIds: readonly number[]): Promise<void> {
  if (eventIds.length === 0) return;
  await tx.execute(sql`
    WITH queued AS (
      INSERT INTO webhook_deliveries (company_id, endpoint_id, event_id, event_type)
      SELECT ev.company_id, e.id, ev.id, ev.type
      FROM events ev
      JOIN webhook_endpoints e ON e.company_id = ev.company_id AND e.active AND ev.type = ANY (e.events)
        AND e.created_at <= ev.created_at
      WHERE ev.id IN (${sql.join(
        eventIds.map((id) => sql`${id}`),
        sql`, `,
      )})
      RETURNING 1
    )
    SELECT pg_notify(${DELIVERIES_CHANNEL}, '') FROM (SELECT 1 FROM queued LIMIT 1) AS any_queued`);
}
