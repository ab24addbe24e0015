import { and, eq, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/database.js';
import { webhookDeliveries, webhookEndpoints } from '../../db/schema/index.js';
import { insertNotifications, notificationsRepository } from '../notifications/index.js';
import { notifyWorkers } from './webhooks.outbox.js';

// The delivery worker's queries. A delivery is claimed by a short statement that locks due rows
// with FOR UPDATE SKIP LOCKED (so concurrent workers, in any process, take disjoint rows), stamps
// `locked_until` (a lease: past it, any worker may take the row again, which is how a crashed
// process's sends are recovered) and increments `attempts`. That count is the claim's fencing
// token: an outcome is written only if the row still carries it, so a worker whose lease ran out
// and was taken over cannot overwrite the newer attempt's result.

export interface Claim {
  id: number;
  /** Sent as `webhook-id`. */
  uuid: string;
  /** The attempt number this claim makes (1 for the first); also the fencing token. */
  attempts: number;
  endpointId: number;
  companyId: number;
  url: string;
  secretEncrypted: string;
  /** The rotated-out secret while it still signs. */
  previousSecretEncrypted: string | null;
  eventUuid: string;
  eventType: string;
  payload: unknown;
  /** When the event happened, ISO 8601 UTC with milliseconds: the envelope's `timestamp`. */
  eventTimestamp: string;
}

interface ClaimRow {
  id: string;
  uuid: string;
  attempts: number;
  endpoint_id: number;
  company_id: number;
  url: string;
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  event_uuid: string;
  event_type: string;
  payload: unknown;
  event_timestamp: string;
}

/** Takes up to `limit` due deliveries of active endpoints for `leaseMs`. */
export async function claimDue(db: Db, limit: number, leaseMs: number): Promise<Claim[]> {
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    WITH due AS (
      SELECT d.id
      FROM webhook_deliveries d
      JOIN webhook_endpoints e ON e.id = d.endpoint_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= now()
        AND (d.locked_until IS NULL OR d.locked_until < now())
        AND e.active
      ORDER BY d.next_attempt_at, d.id
      LIMIT ${limit}
      FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE webhook_deliveries d
    SET locked_until = now() + make_interval(secs => ${leaseMs / 1000}),
        attempts = d.attempts + 1,
        updated_at = now()
    FROM due, webhook_endpoints e, events ev
    WHERE d.id = due.id AND e.id = d.endpoint_id AND ev.id = d.event_id
    RETURNING d.id, d.uuid, d.attempts, d.endpoint_id, d.company_id, e.url, e.secret_encrypted,
      CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret_encrypted END
        AS previous_secret_encrypted,
      ev.uuid AS event_uuid, ev.type AS event_type, ev.payload,
      to_char(ev.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS event_timestamp`);
  return (rows as unknown as ClaimRow[]).map((r) => ({
    id: Number(r.id),
    uuid: r.uuid,
    attempts: r.attempts,
    endpointId: r.endpoint_id,
    companyId: r.company_id,
    url: r.url,
    secretEncrypted: r.secret_encrypted,
    previousSecretEncrypted: r.previous_secret_encrypted,
    eventUuid: r.event_uuid,
    eventType: r.event_type,
    payload: r.payload,
    eventTimestamp: r.event_timestamp,
  }));
}

const stillOurs = (claim: Claim) =>
  and(
    eq(webhookDeliveries.id, claim.id),
    eq(webhookDeliveries.attempts, claim.attempts),
    eq(webhookDeliveries.status, 'pending'),
  );

/** Gives a claimed delivery back untried (shutdown): due again at once, the attempt uncounted. */
export async function releaseClaim(db: Db, claim: Claim): Promise<void> {
  await db.transaction(async (tx) => {
    const released = await tx
      .update(webhookDeliveries)
      .set({ locked_until: null, attempts: sql`${webhookDeliveries.attempts} - 1` })
      .where(stillOurs(claim))
      .returning({ id: webhookDeliveries.id });
    if (released.length > 0) await tx.execute(notifyWorkers);
  });
}

export type Outcome =
  | { kind: 'succeeded' }
  | { kind: 'retry'; delayMs: number }
  /** Retries exhausted. */
  | { kind: 'failed' }
  /** 410 Gone: no retry, and the endpoint is disabled. */
  | { kind: 'gone' };

export interface AttemptRecord {
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  excerpt: string | null;
  error: string | null;
}

export interface RecordResult {
  /** false: the lease had been lost to another worker, nothing was written. */
  recorded: boolean;
  /** Set when this outcome disabled the endpoint. */
  disabledReason?: string;
}

const STATUS_OF: Record<Outcome['kind'], 'succeeded' | 'pending' | 'failed'> = {
  succeeded: 'succeeded',
  retry: 'pending',
  failed: 'failed',
  gone: 'failed',
};

/**
 * The attempt row and the delivery's new state, in one statement (a success also resets the
 * endpoint's failure counter): the common outcomes cost one round trip. Written only while the
 * claim's fencing token still holds; false when it does not.
 */
async function writeAttempt(
  db: Executor,
  claim: Claim,
  attempt: AttemptRecord,
  outcome: Outcome,
): Promise<boolean> {
  const succeeded = outcome.kind === 'succeeded';
  const nextAttempt =
    outcome.kind === 'retry'
      ? sql`now() + make_interval(secs => ${outcome.delayMs / 1000})`
      : sql`next_attempt_at`;
  const { rows } = await db.execute<{ n: number }>(sql`
    WITH delivery AS (
      UPDATE webhook_deliveries
      SET status = ${STATUS_OF[outcome.kind]}, locked_until = NULL, next_attempt_at = ${nextAttempt},
          last_status_code = ${attempt.statusCode}, last_error = ${attempt.error},
          delivered_at = ${succeeded ? sql`now()` : sql`delivered_at`}, updated_at = now()
      WHERE id = ${claim.id} AND attempts = ${claim.attempts} AND status = 'pending'
      RETURNING id, endpoint_id
    ), attempt AS (
      INSERT INTO webhook_attempts (delivery_id, attempted_at, duration_ms, status_code, response_excerpt, error)
      SELECT id, ${attempt.startedAt.toISOString()}::timestamptz, ${attempt.durationMs}::int,
        ${attempt.statusCode}::smallint, ${attempt.excerpt}::text, ${attempt.error}::text
      FROM delivery
    )${
      succeeded
        ? sql`, healed AS (
      UPDATE webhook_endpoints e SET consecutive_failures = 0
      FROM delivery WHERE e.id = delivery.endpoint_id AND e.consecutive_failures > 0
    )`
        : sql``
    }
    SELECT count(*)::int AS n FROM delivery`);
  return (rows[0]?.n ?? 0) > 0;
}

/**
 * Writes one attempt and its consequences atomically: the delivery's new state and the attempt
 * row, and for a delivery that ends failed the endpoint's consecutive-failure counter and, when
 * the endpoint must be disabled (410, or too many failed deliveries in a row), the disabling
 * and its notifications.
 */
export async function recordAttempt(
  db: Db,
  claim: Claim,
  attempt: AttemptRecord,
  outcome: Outcome,
  disableAfterFailures: number,
): Promise<RecordResult> {
  if (outcome.kind === 'succeeded' || outcome.kind === 'retry') {
    return { recorded: await writeAttempt(db, claim, attempt, outcome) };
  }
  return db.transaction(async (tx) => {
    if (!(await writeAttempt(tx, claim, attempt, outcome))) return { recorded: false };
    const [counted] = await tx
      .update(webhookEndpoints)
      .set({ consecutive_failures: sql`${webhookEndpoints.consecutive_failures} + 1` })
      .where(eq(webhookEndpoints.id, claim.endpointId))
      .returning({ failures: webhookEndpoints.consecutive_failures });
    let reason: string | undefined;
    if (outcome.kind === 'gone') reason = 'The endpoint answered 410 Gone';
    else if (counted && counted.failures >= disableAfterFailures) {
      reason = `${counted.failures} deliveries in a row failed after all their retries`;
    }
    if (reason && (await disableEndpoint(tx, claim.endpointId, reason))) {
      return { recorded: true, disabledReason: reason };
    }
    return { recorded: true };
  });
}

/**
 * Disables an active endpoint and tells the company's active admins, in the caller's transaction.
 * false when it was not active (another worker, or its owner, got there first).
 */
async function disableEndpoint(tx: Executor, endpointId: number, reason: string): Promise<boolean> {
  const [row] = await tx
    .update(webhookEndpoints)
    .set({ active: false, disabled_at: sql`now()`, disabled_reason: reason, updated_at: sql`now()` })
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.active, true)))
    .returning();
  if (!row) return false;
  const admins = await notificationsRepository.activeAdminIds(tx, row.company_id);
  await insertNotifications(
    tx,
    admins.map((userId) => ({
      companyId: row.company_id,
      userId,
      type: 'webhook_disabled' as const,
      title: 'A webhook endpoint was disabled',
      body:
        `Journeybee stopped sending events to ${row.url}: ${reason}. Fix the receiver, then ` +
        `re-enable the endpoint (PATCH /v1/webhooks/${row.id} with "active": true).`,
      data: { webhook_id: row.id, webhook_uuid: row.uuid, url: row.url, reason },
    })),
  );
  return true;
}
