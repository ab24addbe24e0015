import { and, desc, eq, gt, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import { type Page, pageOffset } from '../../core/pagination.js';
import type { Executor } from '../../db/database.js';
import { apiKeys, leadNotes, notifications, users } from '../../db/schema/index.js';
import { NOTIFICATION_REASONS } from '../events/index.js';

/** The channel every server process LISTENs on; the payload is `{"id": <notification>, "userId": <user>}`. */
export const NOTIFICATIONS_CHANNEL = 'journeybee_notifications';

/** What a notification is about. Producers outside this module add theirs here (`webhook_disabled`). */
export const NOTIFICATION_TYPES = [...NOTIFICATION_REASONS, 'webhook_disabled'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export type NotificationRow = typeof notifications.$inferSelect;

export interface NewNotification {
  companyId: number;
  userId: number;
  type: NotificationType;
  title: string;
  body?: string | null | undefined;
  data?: Record<string, unknown> | undefined;
  eventId?: number | null | undefined;
}

/**
 * Inserts notifications and signals them on NOTIFICATIONS_CHANNEL, one NOTIFY per row. Call it
 * with the transaction that makes the change: PostgreSQL delivers the NOTIFYs at commit (and
 * drops them on rollback), so a stream never announces a notification that does not exist.
 */
export async function insertNotifications(tx: Executor, rows: NewNotification[]): Promise<NotificationRow[]> {
  if (rows.length === 0) return [];
  const inserted = await tx
    .insert(notifications)
    .values(
      rows.map((r) => ({
        company_id: r.companyId,
        user_id: r.userId,
        type: r.type,
        title: r.title,
        body: r.body ?? null,
        data: r.data ?? {},
        event_id: r.eventId ?? null,
      })),
    )
    .returning();
  const signals = JSON.stringify(inserted.map((n) => ({ id: n.id, userId: n.user_id })));
  await tx.execute(
    sql`select pg_notify(${NOTIFICATIONS_CHANNEL}, s::text) from jsonb_array_elements(${signals}::jsonb) as s`,
  );
  return inserted;
}

const ofUser = (userId: number, unreadOnly = false): SQL | undefined =>
  and(eq(notifications.user_id, userId), unreadOnly ? isNull(notifications.read_at) : undefined);

export const notificationsRepository = {
  async list(db: Executor, userId: number, unreadOnly: boolean, page: Page) {
    const where = ofUser(userId, unreadOnly);
    const [rows, [count]] = await Promise.all([
      db
        .select()
        .from(notifications)
        .where(where)
        .orderBy(desc(notifications.id))
        .limit(page.pageSize)
        .offset(pageOffset(page)),
      db.select({ n: sql<number>`count(*)::int` }).from(notifications).where(where),
    ]);
    return { rows, total: count?.n ?? 0 };
  },

  /** Marks one read (keeping the first read time); undefined when it is not the user's. */
  async markRead(db: Executor, userId: number, id: number): Promise<NotificationRow | undefined> {
    const [row] = await db
      .update(notifications)
      .set({ read_at: sql`coalesce(${notifications.read_at}, now())` })
      .where(and(eq(notifications.id, id), eq(notifications.user_id, userId)))
      .returning();
    return row;
  },

  /** Marks every unread one read, in one statement that answers how many (not their ids). */
  async markAllRead(db: Executor, userId: number): Promise<number> {
    const result = await db.execute<{ n: number }>(sql`WITH marked AS (
        UPDATE ${notifications} SET read_at = now()
        WHERE user_id = ${userId} AND read_at IS NULL
        RETURNING 1)
      SELECT count(*)::int AS n FROM marked`);
    return result.rows[0]?.n ?? 0;
  },

  /** Rows by id (the ids a NOTIFY announced), for the given users only, oldest first. */
  async byIds(db: Executor, ids: number[], userIds: number[]): Promise<NotificationRow[]> {
    if (ids.length === 0 || userIds.length === 0) return [];
    return db
      .select()
      .from(notifications)
      .where(and(inArray(notifications.id, ids), inArray(notifications.user_id, userIds)))
      .orderBy(notifications.id);
  },

  /**
   * A stream's catch-up: the user's notifications after `afterId`, and, when `since` is given,
   * also those created since then (a transaction that took a lower id may commit after a higher
   * one was sent; the caller drops what it already sent). Oldest first, at most `limit`.
   */
  async after(
    db: Executor,
    userId: number,
    opts: { afterId: number; floorId: number; since?: Date | undefined; limit: number },
  ): Promise<NotificationRow[]> {
    const newer = gt(notifications.id, opts.afterId);
    return db
      .select()
      .from(notifications)
      .where(
        and(
          eq(notifications.user_id, userId),
          gt(notifications.id, opts.floorId),
          opts.since ? or(newer, sql`${notifications.created_at} >= ${opts.since.toISOString()}`) : newer,
        ),
      )
      .orderBy(notifications.id)
      .limit(opts.limit);
  },

  async latestId(db: Executor, userId: number): Promise<number> {
    const [row] = await db
      .select({ id: sql<number | null>`max(${notifications.id})` })
      .from(notifications)
      .where(eq(notifications.user_id, userId));
    return Number(row?.id ?? 0);
  },

  // ---- recipients ----

  /** Active admins of the company. */
  async activeAdminIds(db: Executor, companyId: number): Promise<number[]> {
    const rows = await db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.company_id, companyId), eq(users.role, 'admin'), isNull(users.disabled_at)));
    return rows.map((r) => r.id);
  },

  /** Active users of the company among `ids` and `uuids`. */
  async activeUserIds(db: Executor, companyId: number, ids: number[], uuids: string[]): Promise<number[]> {
    if (ids.length === 0 && uuids.length === 0) return [];
    const rows = await db
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          eq(users.company_id, companyId),
          isNull(users.disabled_at),
          or(
            ids.length > 0 ? inArray(users.id, ids) : undefined,
            uuids.length > 0 ? inArray(users.uuid, uuids) : undefined,
          ),
        ),
      );
    return rows.map((r) => r.id);
  },

  async userRole(db: Executor, companyId: number, userId: number) {
    const [row] = await db
      .select({ role: users.role })
      .from(users)
      .where(and(eq(users.id, userId), eq(users.company_id, companyId)));
    return row?.role;
  },

  /** The user an API key acts as (null for a key made without one). */
  async keyUserId(db: Executor, apiKeyId: number): Promise<number | null> {
    const [row] = await db.select({ userId: apiKeys.user_id }).from(apiKeys).where(eq(apiKeys.id, apiKeyId));
    return row?.userId ?? null;
  },

  /** The key is neither revoked nor expired (a long-lived stream re-checks it now and then). */
  async keyUsable(db: Executor, apiKeyId: number): Promise<boolean> {
    const rows = await db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(
        and(
          eq(apiKeys.id, apiKeyId),
          isNull(apiKeys.revoked_at),
          or(isNull(apiKeys.expires_at), sql`${apiKeys.expires_at} > now()`),
        ),
      );
    return rows.length > 0;
  },

  /** A note of the company by uuid: its id, lead and mentions. */
  async noteByUuid(db: Executor, companyId: number, uuid: string) {
    const [row] = await db
      .select({ id: leadNotes.id, leadId: leadNotes.lead_id, mentions: leadNotes.mentions })
      .from(leadNotes)
      .where(and(eq(leadNotes.uuid, uuid), eq(leadNotes.company_id, companyId)));
    return row;
  },
};
