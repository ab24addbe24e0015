import { and, desc, eq, getTableColumns, isNull, lt, or, sql } from 'drizzle-orm';
import { type Page, pageOffset } from '../../core/pagination.js';
import type { Db, Executor } from '../../db/database.js';
import { preparedPerDb } from '../../db/prepared.js';
import { apiKeys, users } from '../../db/schema/index.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** A key as an admin sees it in a list: with the name of the user it acts as. */
export type ApiKeyListRow = ApiKeyRow & {
  user_email: string | null;
  user_first_name: string | null;
  user_last_name: string | null;
};

// Runs on every authenticated request: the key and the user it acts as, in one statement, so a
// deactivation (like a revocation) is seen by every process on the very next request.
const byHash = preparedPerDb((db: Db) =>
  db
    .select({
      id: apiKeys.id,
      uuid: apiKeys.uuid,
      company_id: apiKeys.company_id,
      user_id: apiKeys.user_id,
      key_hash: apiKeys.key_hash,
      permission: apiKeys.permission,
      expires_at: apiKeys.expires_at,
      revoked_at: apiKeys.revoked_at,
      user_role: users.role,
      user_disabled_at: users.disabled_at,
    })
    .from(apiKeys)
    .leftJoin(users, and(eq(users.id, apiKeys.user_id), eq(users.company_id, apiKeys.company_id)))
    .where(eq(apiKeys.key_hash, sql.placeholder('hash')))
    .limit(1)
    .prepare('api_key_by_hash'),
);

const listColumns = {
  user_email: users.email,
  user_first_name: users.first_name,
  user_last_name: users.last_name,
};

export const apiKeysRepository = {
  async findByHash(db: Db, keyHash: string) {
    const rows = await byHash(db).execute({ hash: keyHash });
    return rows[0];
  },

  listByCompany(db: Executor, companyId: number): Promise<ApiKeyRow[]> {
    return db.select().from(apiKeys).where(eq(apiKeys.company_id, companyId)).orderBy(desc(apiKeys.id));
  },

  /** One page of the company's keys, newest first, with the exact count. */
  async page(db: Executor, companyId: number, page: Page): Promise<{ rows: ApiKeyListRow[]; total: number }> {
    const where = eq(apiKeys.company_id, companyId);
    const [rows, [count]] = await Promise.all([
      db
        .select({ ...getTableColumns(apiKeys), ...listColumns })
        .from(apiKeys)
        .leftJoin(users, eq(users.id, apiKeys.user_id))
        .where(where)
        .orderBy(desc(apiKeys.id))
        .limit(page.pageSize)
        .offset(pageOffset(page)),
      db.select({ n: sql<number>`count(*)::int` }).from(apiKeys).where(where),
    ]);
    return { rows, total: count?.n ?? 0 };
  },

  async findOne(db: Executor, companyId: number, id: number): Promise<ApiKeyListRow | undefined> {
    const [row] = await db
      .select({ ...getTableColumns(apiKeys), ...listColumns })
      .from(apiKeys)
      .leftJoin(users, eq(users.id, apiKeys.user_id))
      .where(and(eq(apiKeys.id, id), eq(apiKeys.company_id, companyId)))
      .limit(1);
    return row;
  },

  async revoke(db: Executor, id: number, companyId?: number): Promise<ApiKeyRow | undefined> {
    const where =
      companyId === undefined
        ? eq(apiKeys.id, id)
        : and(eq(apiKeys.id, id), eq(apiKeys.company_id, companyId));
    const [row] = await db
      .update(apiKeys)
      .set({ revoked_at: sql`coalesce(${apiKeys.revoked_at}, now())` })
      .where(where)
      .returning();
    return row;
  },

  /** Writes last_used_at unless another process already did so within the minute. */
  async touch(db: Executor, id: number): Promise<void> {
    await db
      .update(apiKeys)
      .set({ last_used_at: sql`now()` })
      .where(
        and(
          eq(apiKeys.id, id),
          or(isNull(apiKeys.last_used_at), lt(apiKeys.last_used_at, sql`now() - interval '1 minute'`)),
        ),
      );
  },
};
