import { and, eq, gt, isNull, lt, ne, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/database.js';
import { preparedPerDb } from '../../db/prepared.js';
import { sessions, users } from '../../db/schema/index.js';

export type SessionRow = typeof sessions.$inferSelect;

/** Idle expiry: a session unused for this long is over. */
export const SESSION_IDLE_DAYS = 14;
const idleDeadline = sql`now() + make_interval(days => ${SESSION_IDLE_DAYS})`;

// Runs on every request made with a session cookie: the session and its user in one statement,
// so a logout, a password change or a deactivation made by any process is seen on the next
// request. Only usable sessions of active users match.
const byHash = preparedPerDb((db: Db) =>
  db
    .select({
      id: sessions.id,
      token_hash: sessions.token_hash,
      user_id: sessions.user_id,
      company_id: sessions.company_id,
      csrf_secret: sessions.csrf_secret,
      created_at: sessions.created_at,
      last_seen_at: sessions.last_seen_at,
      expires_at: sessions.expires_at,
      role: users.role,
    })
    .from(sessions)
    .innerJoin(users, and(eq(users.id, sessions.user_id), eq(users.company_id, sessions.company_id)))
    .where(
      and(
        eq(sessions.token_hash, sql.placeholder('hash')),
        isNull(sessions.revoked_at),
        gt(sessions.expires_at, sql`now()`),
        isNull(users.disabled_at),
      ),
    )
    .limit(1)
    .prepare('session_by_hash'),
);

export const sessionsRepository = {
  async findUsable(db: Db, tokenHash: string) {
    const rows = await byHash(db).execute({ hash: tokenHash });
    return rows[0];
  },

  async insert(
    db: Executor,
    values: { token_hash: string; user_id: number; company_id: number; csrf_secret: string },
  ): Promise<SessionRow> {
    const [row] = await db
      .insert(sessions)
      .values({ ...values, expires_at: idleDeadline })
      .returning();
    return row!;
  },

  /** Pushes the idle deadline back, unless another request did so within the minute. */
  async touch(db: Executor, id: number): Promise<Date | undefined> {
    const [row] = await db
      .update(sessions)
      .set({ last_seen_at: sql`now()`, expires_at: idleDeadline })
      .where(
        and(
          eq(sessions.id, id),
          isNull(sessions.revoked_at),
          lt(sessions.last_seen_at, sql`now() - interval '1 minute'`),
        ),
      )
      .returning({ expires_at: sessions.expires_at });
    return row?.expires_at;
  },

  /** Still usable: not revoked, not idle too long, its user active (a long stream re-checks). */
  async usable(db: Executor, id: number): Promise<boolean> {
    const rows = await db
      .select({ id: sessions.id })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.user_id))
      .where(
        and(
          eq(sessions.id, id),
          isNull(sessions.revoked_at),
          gt(sessions.expires_at, sql`now()`),
          isNull(users.disabled_at),
        ),
      );
    return rows.length > 0;
  },

  async findById(db: Executor, id: number): Promise<SessionRow | undefined> {
    const [row] = await db.select().from(sessions).where(eq(sessions.id, id)).limit(1);
    return row;
  },

  async revoke(db: Executor, id: number): Promise<void> {
    await db
      .update(sessions)
      .set({ revoked_at: sql`now()` })
      .where(and(eq(sessions.id, id), isNull(sessions.revoked_at)));
  },

  /** Ends every session of the user, but `keep` (the one changing its password). */
  async revokeAllOfUser(db: Executor, userId: number, keep?: number): Promise<void> {
    await db
      .update(sessions)
      .set({ revoked_at: sql`now()` })
      .where(
        and(
          eq(sessions.user_id, userId),
          isNull(sessions.revoked_at),
          keep === undefined ? undefined : ne(sessions.id, keep),
        ),
      );
  },
};
