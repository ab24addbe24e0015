import { and, asc, eq, ilike, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';
import { users } from '../../db/schema/index.js';
import { type Page, pageOffset } from '../../http/pagination.js';
import { likePattern } from '../../lib/sql.js';

export type UserRow = typeof users.$inferSelect;

export interface UserFilter {
  search?: string | undefined;
  role?: UserRow['role'] | undefined;
  includeDisabled: boolean;
}

function filterWhere(companyId: number, f: UserFilter): SQL | undefined {
  const conditions: (SQL | undefined)[] = [eq(users.company_id, companyId)];
  if (!f.includeDisabled) conditions.push(isNull(users.disabled_at));
  if (f.role) conditions.push(eq(users.role, f.role));
  if (f.search) {
    const p = likePattern(f.search);
    conditions.push(or(ilike(users.email, p), ilike(users.first_name, p), ilike(users.last_name, p)));
  }
  return and(...conditions);
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

  async list(db: Executor, companyId: number, f: UserFilter, page: Page) {
    const where = filterWhere(companyId, f);
    // The page and the exact count run concurrently on two pooled connections.
    const [rows, [count]] = await Promise.all([
      db
        .select()
        .from(users)
        .where(where)
        .orderBy(asc(users.id))
        .limit(page.pageSize)
        .offset(pageOffset(page)),
      db.select({ n: sql<number>`count(*)::int` }).from(users).where(where),
    ]);
    return { rows, total: count?.n ?? 0 };
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
