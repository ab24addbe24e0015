import type pg from 'pg';

/** Work the server has accepted and not yet done, instance-wide (for GET /metrics). */
export interface Backlog {
  /** Webhook deliveries still to be sent (first attempt or a retry to come). */
  deliveriesPending: number;
  /** Seconds since the oldest pending delivery was created; 0 when none is pending. */
  oldestDeliverySeconds: number;
  /** Committed events the outbox relay has not turned into deliveries and notifications yet. */
  eventsUnrelayed: number;
  /** Seconds since the oldest unrelayed event was committed; 0 when none is waiting. */
  oldestEventSeconds: number;
}

// One round trip, bounded by the server: `SET LOCAL` lasts for the implicit transaction of this
// multi-statement query, so the connection goes back to the pool with its usual settings. Both
// sides read their partial index only (`webhook_deliveries_due_idx`: status = 'pending';
// `events_unrelayed_idx`: relayed_at IS NULL), so the cost follows the backlog, not the tables.
const backlogSql = (timeoutMs: number) => `
SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))};
SELECT
  d.pending::int AS deliveries_pending,
  COALESCE(GREATEST(0, EXTRACT(EPOCH FROM now() - d.oldest)), 0)::float8 AS oldest_delivery_seconds,
  (SELECT count(*) FROM events WHERE relayed_at IS NULL)::int AS events_unrelayed,
  COALESCE(GREATEST(0, EXTRACT(EPOCH FROM now() - (
    SELECT created_at FROM events WHERE relayed_at IS NULL ORDER BY id LIMIT 1
  ))), 0)::float8 AS oldest_event_seconds
FROM (SELECT count(*) AS pending, min(created_at) AS oldest
      FROM webhook_deliveries WHERE status = 'pending') d`;

interface BacklogRow {
  deliveries_pending: number;
  oldest_delivery_seconds: number;
  events_unrelayed: number;
  oldest_event_seconds: number;
}

/** Reads the backlog; fails when the database does not answer within `timeoutMs`. */
export async function readBacklog(pool: pg.Pool, timeoutMs: number): Promise<Backlog> {
  let timer: NodeJS.Timeout | undefined;
  // The statement timeout bounds the query; this also bounds the wait for a pooled connection.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`backlog query took over ${timeoutMs} ms`)), timeoutMs + 250);
  });
  try {
    const results = (await Promise.race([
      pool.query(backlogSql(timeoutMs)),
      timeout,
    ])) as unknown as pg.QueryResult[];
    const row = results[1]?.rows[0] as BacklogRow | undefined;
    if (!row) throw new Error('backlog query returned no row');
    return {
      deliveriesPending: row.deliveries_pending,
      oldestDeliverySeconds: row.oldest_delivery_seconds,
      eventsUnrelayed: row.events_unrelayed,
      oldestEventSeconds: row.oldest_event_seconds,
    };
  } finally {
    clearTimeout(timer);
  }
}
