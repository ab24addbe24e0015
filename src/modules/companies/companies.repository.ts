import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';
import { companies } from '../../db/schema/index.js';

export type CompanyRow = typeof companies.$inferSelect;

export const companiesRepository = {
  async findById(db: Executor, id: number): Promise<CompanyRow | undefined> {
    const [row] = await db.select().from(companies).where(eq(companies.id, id)).limit(1);
    return row;
  },

  async insert(db: Executor, values: typeof companies.$inferInsert): Promise<CompanyRow> {
    const [row] = await db.insert(companies).values(values).returning();
    return row!;
  },

  async update(
    db: Executor,
    id: number,
    values: Partial<typeof companies.$inferInsert>,
  ): Promise<CompanyRow | undefined> {
    const [row] = await db
      .update(companies)
      .set({ ...values, updated_at: sql`now()` })
      .where(eq(companies.id, id))
      .returning();
    return row;
  },
};
