import { and, asc, desc, eq, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm';
import { type Page, pageOffset } from '../../core/pagination.js';
import type { Db, Executor } from '../../db/database.js';
import { rowOf } from '../../db/rows.js';
import { events, webhookAttempts, webhookDeliveries, webhookEndpoints } from '../../db/schema/index.js';
import { DELIVERIES_CHANNEL } from './webhooks.outbox.js';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type AttemptRow = typeof webhookAttempts.$inferSelect;
export type DeliveryWithAttempts = DeliveryRow & { event_uuid: string; attemptRows: AttemptRow[] };

/** How long the previous secret keeps signing after a rotation. */
export const PREVIOUS_SECRET_HOURS = 24;

const ofCompany = (companyId: number, id: number) =>
  and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.company_id, companyId));

const deliveryColumns = {
  delivery: webhookDeliveries,
  event_uuid: events.uuid,
};

async function withAttempts(
  db: Executor,
  rows: { delivery: DeliveryRow; event_uuid: string }[],
): Promise<DeliveryWithAttempts[]> {
  if (rows.length === 0) return [];
  const attempts = await db
    .select()
    .from(webhookAttempts)
    .where(
      inArray(
        webhookAttempts.delivery_id,
        rows.map((r) => r.delivery.id),
      ),
    )
    .orderBy(asc(webhookAttempts.id));
  return rows.map((r) => ({
    ...r.delivery,
    event_uuid: r.event_uuid,
    attemptRows: attempts.filter((a) => a.delivery_id === r.delivery.id),
  }));
}

export const webhooksRepository = {
  async insert(db: Executor, values: typeof webhookEndpoints.$inferInsert): Promise<EndpointRow> {
    const [row] = await db.insert(webhookEndpoints).values(values).returning();
    return row!;
  },

  async findById(db: Executor, companyId: number, id: number): Promise<EndpointRow | undefined> {
    const [row] = await db.select().from(webhookEndpoints).where(ofCompany(companyId, id)).limit(1);
    return row;
  },

  async list(db: Executor, companyId: number, page: Page) {
    const where = eq(webhookEndpoints.company_id, companyId);
    const [rows, [count]] = await Promise.all([
      db
        .select()
        .from(webhookEndpoints)
        .where(where)
        .orderBy(asc(webhookEndpoints.id))
        .limit(page.pageSize)
        .offset(pageOffset(page)),
      db.select({ n: sql<number>`count(*)::int` }).from(webhookEndpoints).where(where),
    ]);
    return { rows, total: count?.n ?? 0 };
  },

  /**
   * The fields sent, and `active` as the stored state requires (the SET reads the row as it is,
   * under the UPDATE's own lock): `true` on a paused or disabled endpoint clears the failure
   * counter and the reason, `false` on an active one records the pause; repeating the current
   * state changes nothing. `updated_at` moves only if something did. Sending `active: true`
   * wakes the delivery workers at commit (a spare wake-up when it was active already is harmless).
   */
  async update(
    db: Executor,
    companyId: number,
    id: number,
    fields: Partial<Pick<EndpointRow, 'url' | 'events' | 'description'>>,
    active: boolean | undefined,
    disabledReason: string,
  ): Promise<EndpointRow | undefined> {
    const e = webhookEndpoints;
    const state: Record<string, SQL> =
      active === true
        ? {
            active: sql`true`,
            consecutive_failures: sql`CASE WHEN ${e.active} THEN ${e.consecutive_failures} ELSE 0 END`,
            disabled_at: sql`CASE WHEN ${e.active} THEN ${e.disabled_at} END`,
            disabled_reason: sql`CASE WHEN ${e.active} THEN ${e.disabled_reason} END`,
          }
        : active === false
          ? {
              active: sql`false`,
              disabled_at: sql`CASE WHEN ${e.active} THEN now() ELSE ${e.disabled_at} END`,
              disabled_reason: sql`CASE WHEN ${e.active} THEN ${disabledReason} ELSE ${e.disabled_reason} END`,
            }
          : {};
    const changesFields = Object.keys(fields).length > 0;
    const updatedAt = changesFields
      ? sql`now()`
      : sql`CASE WHEN ${e.active} = ${active ?? null} THEN ${e.updated_at} ELSE now() END`;
    const [row] = await db
      .update(e)
      .set({ ...fields, ...state, updated_at: updatedAt })
      .where(ofCompany(companyId, id))
      .returning({
        ...getTableColumns(e),
        ...(active === true && { woken: sql`(SELECT pg_notify(${DELIVERIES_CHANNEL}, ''))` }),
      });
    return row;
  },

  /** The current secret becomes the previous one (signing beside the new one for 24 h). */
  async rotateSecret(
    db: Executor,
    companyId: number,
    id: number,
    secretEncrypted: string,
  ): Promise<EndpointRow | undefined> {
    const [row] = await db
      .update(webhookEndpoints)
      .set({
        previous_secret_encrypted: sql`${webhookEndpoints.secret_encrypted}`,
        previous_secret_expires_at: sql`now() + make_interval(hours => ${PREVIOUS_SECRET_HOURS})`,
        secret_encrypted: secretEncrypted,
        updated_at: sql`now()`,
      })
      .where(ofCompany(companyId, id))
      .returning();
    return row;
  },

  async remove(db: Executor, companyId: number, id: number): Promise<boolean> {
    const rows = await db
      .delete(webhookEndpoints)
      .where(ofCompany(companyId, id))
      .returning({ id: webhookEndpoints.id });
    return rows.length > 0;
  },

  // ---- deliveries ----

  async listDeliveries(db: Executor, endpointId: number, page: Page) {
    const where = eq(webhookDeliveries.endpoint_id, endpointId);
    const [rows, [count]] = await Promise.all([
      db
        .select(deliveryColumns)
        .from(webhookDeliveries)
        .innerJoin(events, eq(events.id, webhookDeliveries.event_id))
        .where(where)
        .orderBy(desc(webhookDeliveries.id))
        .limit(page.pageSize)
        .offset(pageOffset(page)),
      db.select({ n: sql<number>`count(*)::int` }).from(webhookDeliveries).where(where),
    ]);
    return { rows: await withAttempts(db, rows), total: count?.n ?? 0 };
  },

  async findDelivery(
    db: Executor,
    endpointId: number,
    deliveryId: number,
  ): Promise<DeliveryWithAttempts | undefined> {
    const rows = await db
      .select(deliveryColumns)
      .from(webhookDeliveries)
      .innerJoin(events, eq(events.id, webhookDeliveries.event_id))
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpoint_id, endpointId)));
    const [found] = await withAttempts(db, rows);
    return found;
  },

  /**
   * `POST …/deliveries/{id}/retry` in one statement: makes the delivery due now, if its endpoint
   * is the company's and active and no worker is sending it at this moment (a live lock). The
   * NOTIFY wakes the workers at commit. Returns what the rules need to explain a refusal, and the
   * delivery as requeued, with its event's uuid and its attempts.
   */
  async requeue(db: Db, companyId: number, endpointId: number, deliveryId: number): Promise<Requeue> {
    const { rows } = await db.execute<Record<string, unknown>>(sql`
      WITH endpoint AS (
        SELECT id, active FROM webhook_endpoints WHERE id = ${endpointId} AND company_id = ${companyId}),
      delivery AS (
        SELECT (d.locked_until IS NULL OR d.locked_until < now()) AS free
        FROM webhook_deliveries d JOIN endpoint ON d.endpoint_id = endpoint.id
        WHERE d.id = ${deliveryId}),
      requeued AS (
        UPDATE webhook_deliveries d
        SET status = 'pending', next_attempt_at = now(), locked_until = NULL, updated_at = now()
        FROM endpoint
        WHERE d.id = ${deliveryId} AND d.endpoint_id = endpoint.id AND endpoint.active
          AND (d.locked_until IS NULL OR d.locked_until < now())
        RETURNING d.*, pg_notify(${DELIVERIES_CHANNEL}, ''))
      SELECT endpoint.active AS endpoint_active, delivery.free AS delivery_free, requeued.*,
        ev.uuid AS event_uuid,
        (SELECT coalesce(json_agg(a ORDER BY a.id), '[]') FROM webhook_attempts a
         WHERE a.delivery_id = requeued.id) AS attempt_rows
      FROM (SELECT 1) AS one
      LEFT JOIN endpoint ON true
      LEFT JOIN delivery ON true
      LEFT JOIN requeued ON true
      LEFT JOIN events ev ON ev.id = requeued.event_id`);
    const r = rows[0] ?? {};
    return {
      endpointActive: (r.endpoint_active as boolean | null) ?? null,
      deliveryFree: (r.delivery_free as boolean | null) ?? null,
      delivery: r.id == null ? undefined : deliveryOf(r),
    };
  },

  /**
   * `POST /v1/webhooks/{id}/test` in one statement: a `webhooks.test` event (its payload names
   * the endpoint) and its one delivery, to this endpoint only, if it is the company's and
   * active; the NOTIFY wakes the workers at commit.
   */
  async insertTestDelivery(
    db: Db,
    companyId: number,
    endpointId: number,
    test: { type: string; message: string; apiKeyId: number | null },
  ): Promise<TestDelivery> {
    const { rows } = await db.execute<Record<string, unknown>>(sql`
      WITH endpoint AS (
        SELECT id, uuid, url, company_id, active
        FROM webhook_endpoints WHERE id = ${endpointId} AND company_id = ${companyId}),
      event AS (
        INSERT INTO events (company_id, type, payload, api_key_id)
        SELECT company_id, ${test.type},
          jsonb_build_object(
            'webhook', jsonb_build_object('id', id, 'uuid', uuid, 'url', url),
            'message', ${test.message}::text),
          ${test.apiKeyId}::int
        FROM endpoint WHERE active
        RETURNING id, uuid),
      delivery AS (
        INSERT INTO webhook_deliveries (company_id, endpoint_id, event_id, event_type)
        SELECT endpoint.company_id, endpoint.id, event.id, ${test.type}
        FROM endpoint, event
        RETURNING *, pg_notify(${DELIVERIES_CHANNEL}, ''))
      SELECT endpoint.active AS endpoint_active, delivery.*, event.uuid AS event_uuid, '[]'::json AS attempt_rows
      FROM (SELECT 1) AS one
      LEFT JOIN endpoint ON true
      LEFT JOIN delivery ON true
      LEFT JOIN event ON true`);
    const r = rows[0] ?? {};
    return {
      endpointActive: (r.endpoint_active as boolean | null) ?? null,
      delivery: r.id == null ? undefined : deliveryOf(r),
    };
  },
};

/** What a retry found and did (null: no such endpoint, or no such delivery of it). */
export interface Requeue {
  endpointActive: boolean | null;
  /** Whether no worker holds the delivery. */
  deliveryFree: boolean | null;
  /** The delivery as requeued; undefined: nothing was written. */
  delivery: DeliveryWithAttempts | undefined;
}

export interface TestDelivery {
  endpointActive: boolean | null;
  /** The new delivery; undefined: nothing was written. */
  delivery: DeliveryWithAttempts | undefined;
}

/** A delivery row of a hand-written statement, with `event_uuid` and `attempt_rows` (json). */
function deliveryOf(raw: Record<string, unknown>): DeliveryWithAttempts {
  return {
    ...rowOf(webhookDeliveries, raw),
    event_uuid: raw.event_uuid as string,
    attemptRows: (raw.attempt_rows as Record<string, unknown>[]).map((a) => rowOf(webhookAttempts, a)),
  };
}
