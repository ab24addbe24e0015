import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/db/database.js';
import { users } from '../../src/db/schema/index.js';

// Read-backs straight from the database, to prove what a request did (or did not) write.

/** All users of a company, deactivated ones included. */
export async function countUsers(db: Db, companyId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .where(eq(users.company_id, companyId));
  return row?.n ?? 0;
}

export async function countUsersWithEmail(db: Db, companyId: number, email: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .where(sql`${users.company_id} = ${companyId} AND lower(${users.email}) = lower(${email})`);
  return row?.n ?? 0;
}
