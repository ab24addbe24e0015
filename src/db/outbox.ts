import { type SQL, sql } from 'drizzle-orm';

// The outbox, as the writing side sees it: a change and the events describing it are written in
// one transaction (usually one statement), and that is all a write does. The relay
// (src/jobs/relay.ts) turns committed events into webhook deliveries and notifications.

/** The relay LISTENs here; the payload is empty (a wake-up call: the rows are the truth). */
export const EVENTS_CHANNEL = 'journeybee_events';

/** The columns an outbox insert fills, in this order. */
export const OUTBOX_COLUMNS = sql.raw('(company_id, type, payload, api_key_id, actor_user_id, meta)');

/**
 * `INSERT INTO events … <rows> RETURNING id`, waking the relay at commit. `rows` is a `SELECT`
 * or `VALUES` yielding `(company_id, type, payload, api_key_id, actor_user_id, meta)`; use it
 * as a data-modifying CTE (`WITH …, outbox AS (${outboxInsert(rows)})`) in the statement that
 * writes the change. The NOTIFY sits in RETURNING so it runs for every inserted row even when
 * nothing reads the CTE (PostgreSQL sends one per transaction: identical payloads fold).
 */
export function outboxInsert(rows: SQL): SQL {
  return sql`INSERT INTO events ${OUTBOX_COLUMNS} ${rows}
    RETURNING id, pg_notify(${EVENTS_CHANNEL}, '')`;
}
