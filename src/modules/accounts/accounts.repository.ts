import { and, eq, gt, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';
import { companies, passwordResets, users } from '../../db/schema/index.js';

/** At most this many accounts share one email across companies for a log-in to consider. */
const MAX_ACCOUNTS_PER_EMAIL = 20;

export const accountsRepository = {
  /** Active users with a password and this email (case-insensitive), in any or one company. */
  loginCandidates(db: Executor, email: string, companyId?: number) {
    return db
      .select({
        id: users.id,
        company_id: users.company_id,
        password_hash: users.password_hash,
        company_name: companies.name,
      })
      .from(users)
      .innerJoin(companies, eq(companies.id, users.company_id))
      .where(
        and(
          sql`lower(${users.email}) = lower(${email})`,
          isNotNull(users.password_hash),
          isNull(users.disabled_at),
          companyId === undefined ? undefined : eq(users.company_id, companyId),
        ),
      )
      .orderBy(users.company_id)
      .limit(MAX_ACCOUNTS_PER_EMAIL);
  },

  /** Active users with this email in any company (a reset may also activate a password-less one). */
  activeByEmail(db: Executor, email: string) {
    return db
      .select({ id: users.id, email: users.email, company_name: companies.name })
      .from(users)
      .innerJoin(companies, eq(companies.id, users.company_id))
      .where(and(sql`lower(${users.email}) = lower(${email})`, isNull(users.disabled_at)))
      .limit(MAX_ACCOUNTS_PER_EMAIL);
  },

  async activeUserOfCompany(db: Executor, companyId: number, email: string) {
    const [row] = await db
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(
        and(
          eq(users.company_id, companyId),
          sql`lower(${users.email}) = lower(${email})`,
          isNull(users.disabled_at),
        ),
      )
      .limit(1);
    return row;
  },

  async userById(db: Executor, id: number) {
    const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
    return row;
  },

  async passwordHash(db: Executor, userId: number): Promise<string | null | undefined> {
    const [row] = await db
      .select({ hash: users.password_hash })
      .from(users)
      .where(eq(users.id, userId))
      .limit(1);
    return row?.hash;
  },

  async setPassword(db: Executor, userId: number, hash: string): Promise<void> {
    await db.update(users).set({ password_hash: hash, updated_at: sql`now()` }).where(eq(users.id, userId));
  },

  async insertReset(db: Executor, values: { user_id: number; token_hash: string; expires_at: Date }) {
    const [row] = await db.insert(passwordResets).values(values).returning();
    return row!;
  },

  /** Takes an unused, unexpired reset (locked until the transaction ends), with its user. */
  async takeReset(tx: Executor, tokenHash: string) {
    const [row] = await tx
      .select({ id: passwordResets.id, user_id: passwordResets.user_id })
      .from(passwordResets)
      .innerJoin(users, eq(users.id, passwordResets.user_id))
      .where(
        and(
          eq(passwordResets.token_hash, tokenHash),
          isNull(passwordResets.used_at),
          gt(passwordResets.expires_at, sql`now()`),
          isNull(users.disabled_at),
        ),
      )
      .for('update', { of: passwordResets })
      .limit(1);
    return row;
  },

  /** Uses up every open reset of the user: one new password ends all the links. */
  async useResets(tx: Executor, userId: number): Promise<void> {
    await tx
      .update(passwordResets)
      .set({ used_at: sql`now()` })
      .where(and(eq(passwordResets.user_id, userId), isNull(passwordResets.used_at)));
  },

  companyNames(db: Executor, ids: number[]) {
    if (ids.length === 0) return Promise.resolve([]);
    return db
      .select({ id: companies.id, name: companies.name })
      .from(companies)
      .where(inArray(companies.id, ids));
  },
};
