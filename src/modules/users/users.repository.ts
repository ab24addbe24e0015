import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';
import { users } from '../../db/schema/index.js';

export type UserRow = typeof users.$inferSelect;

export interface UserFilter {
  search?: string | undefined;
  role?: UserRow['role'] | undefined;
  includeDisabled: boolean;
}

export const usersRepository = {
  async findById(db: Executor, companyId: number, id: number): Promise<UserRow | undefined> {
    const [row] = await db
      .select()
      .from(users)
      .where(and(eq(users.id, id), eq(users.company_id, companyId)))
      .limit(1);
    return row;
  },

  /** Which of `ids` are active (not deactivated) users of the company. */
  async activeIds(db: Executor, companyId: number, ids: readonly number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.company_id, companyId), isNull(users.disabled_at), inArray(users.id, [...ids])));
    return rows.map((r) => r.id);
  },

  async insert(db: Executor, values: typeof users.$inferInsert): Promise<UserRow> {
    const [row] = await db.insert(users).values(values).returning();
    return row!;
  },

  async update(
    db: Executor,
    companyId: number,
    id: number,
    values: Partial<typeof users.$inferInsert>,
  ): Promise<UserRow | undefined> {
    const [row] = await db
      .update(users)
      .set({ ...values, updated_at: sql`now()` })
      .where(and(eq(users.id, id), eq(users.company_id, companyId)))
      .returning();
    return row;
  },
};
