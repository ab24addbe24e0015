import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { type Page, pageOffset } from '../../core/pagination.js';
import type { Executor } from '../../db/database.js';
import { events, webhookAttempts, webhookDeliveries, webhookEndpoints } from '../../db/schema/index.js';

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

  async findById(
    db: Executor,
    companyId: number,
    id: number,
    lock = false,
  ): Promise<EndpointRow | undefined> {
    const query = db.select().from(webhookEndpoints).where(ofCompany(companyId, id)).limit(1);
    const [row] = lock ? await query.for('update') : await query;
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

  async update(
    db: Executor,
    companyId: number,
    id: number,
    values: Partial<typeof webhookEndpoints.$inferInsert>,
  ): Promise<EndpointRow | undefined> {
    const [row] = await db
      .update(webhookEndpoints)
      .set({ ...values, updated_at: sql`now()` })
      .where(ofCompany(companyId, id))
      .returning();
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
   * Due now, unless a worker is sending it at this moment (a live lock): then undefined. The
   * NOTIFY wakes the workers at commit.
   */
  async requeue(db: Executor, endpointId: number, deliveryId: number): Promise<boolean> {
    const rows = await db
      .update(webhookDeliveries)
      .set({ status: 'pending', next_attempt_at: sql`now()`, locked_until: null, updated_at: sql`now()` })
      .where(
        and(
          eq(webhookDeliveries.id, deliveryId),
          eq(webhookDeliveries.endpoint_id, endpointId),
          sql`(${webhookDeliveries.locked_until} IS NULL OR ${webhookDeliveries.locked_until} < now())`,
        ),
      )
      .returning({ id: webhookDeliveries.id });
    return rows.length > 0;
  },

  /** A `webhooks.test` event and its one delivery, to this endpoint only. */
  async insertTestDelivery(
    db: Executor,
    endpoint: EndpointRow,
    payload: Record<string, unknown>,
    type: string,
    apiKeyId: number | null,
  ): Promise<number> {
    const [event] = await db
      .insert(events)
      .values({ company_id: endpoint.company_id, type, payload, api_key_id: apiKeyId })
      .returning({ id: events.id });
    const [delivery] = await db
      .insert(webhookDeliveries)
      .values({
        company_id: endpoint.company_id,
        endpoint_id: endpoint.id,
        event_id: event!.id,
        event_type: type,
      })
      .returning({ id: webhookDeliveries.id });
    return delivery!.id;
  },
};
