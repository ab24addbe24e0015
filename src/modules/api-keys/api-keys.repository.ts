import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/database.js';
import { preparedPerDb } from '../../db/prepared.js';
import { apiKeys } from '../../db/schema/index.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

// Runs on every authenticated request.
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
    })
    .from(apiKeys)
    .where(eq(apiKeys.key_hash, sql.placeholder('hash')))
    .limit(1)
    .prepare('api_key_by_hash'),
);

export const apiKeysRepository = {
  async findByHash(db: Db, keyHash: string) {
    const rows = await byHash(db).execute({ hash: keyHash });
    return rows[0];
  },

  async insert(db: Executor, values: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
    const [row] = await db.insert(apiKeys).values(values).returning();
    return row!;
  },

  listByCompany(db: Executor, companyId: number): Promise<ApiKeyRow[]> {
    return db.select().from(apiKeys).where(eq(apiKeys.company_id, companyId)).orderBy(desc(apiKeys.id));
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
