import { sql } from 'drizzle-orm';
import { ApiError, notFound } from '../../core/errors.js';
import type { Db } from '../../db/database.js';
import { isForeignKeyViolation, pgConstraint } from '../../db/errors.js';
import { rowOf } from '../../db/rows.js';
import { apiKeys } from '../../db/schema/index.js';
import { displayPrefix, hashApiKey } from './api-keys.crypto.js';
import type { ApiKeyListRow } from './api-keys.repository.js';

// Creating an API key: facts → rules → write. The CLI and the seed read the facts (is there such
// a company, is the user one of its users); over HTTP the request's authentication has just
// established both (the caller's company, the caller's own active user), so they are not read
// again, and the write's foreign keys catch the one that vanished meanwhile.

export interface CreateApiKeyInput {
  companyId: number;
  permission: 'read' | 'write';
  name?: string | undefined;
  /** The user the key acts as; none: an operator's key, acting as the company's admin. */
  userId?: number | undefined;
  expiresAt?: Date | undefined;
}

export interface Facts {
  company: boolean;
  /** The user sent is one of the company's (true when none is sent). */
  user: boolean;
}

/** What authentication established for the caller's own key: its company, and its user. */
export const CALLER_FACTS: Facts = { company: true, user: true };

export async function facts(db: Db, input: CreateApiKeyInput): Promise<Facts> {
  const { rows } = await db.execute<{ company: boolean; company_user: boolean }>(sql`
    SELECT EXISTS (SELECT 1 FROM companies WHERE id = ${input.companyId}) AS company,
      ${input.userId ?? null}::int IS NULL OR EXISTS (
        SELECT 1 FROM users WHERE id = ${input.userId ?? null}::int AND company_id = ${input.companyId}
      ) AS company_user`);
  const [row] = rows;
  return { company: row!.company, user: row!.company_user };
}

const userNotInCompany = (input: CreateApiKeyInput) =>
  new ApiError('bad_request', `User ${input.userId} does not belong to company ${input.companyId}`);

export type Plan = Omit<typeof apiKeys.$inferInsert, 'prefix' | 'key_hash'>;

/** The company must exist (404), the user be one of its users (400), the expiry be in the future (400). */
export function rules(known: Facts, input: CreateApiKeyInput, now = Date.now()): Plan {
  if (!known.company) throw notFound('Company');
  if (!known.user) throw userNotInCompany(input);
  if (input.expiresAt && input.expiresAt.getTime() <= now) {
    throw new ApiError('bad_request', 'Expiry must be in the future', [
      { path: 'expires_at', message: 'must be in the future' },
    ]);
  }
  return {
    company_id: input.companyId,
    user_id: input.userId ?? null,
    name: input.name ?? null,
    permission: input.permission,
    expires_at: input.expiresAt ?? null,
  };
}

/**
 * The key (only its hash and display prefix are stored), returned as a list shows it: with the
 * name of the user it acts as. One statement.
 */
export async function write(
  db: Db,
  plan: Plan,
  key: string,
  input: CreateApiKeyInput,
): Promise<ApiKeyListRow> {
  const insert = db
    .insert(apiKeys)
    .values({ ...plan, prefix: displayPrefix(key), key_hash: hashApiKey(key) })
    .returning();
  try {
    const { rows } = await db.execute<Record<string, unknown>>(sql`
      WITH k AS (${insert.getSQL()})
      SELECT k.*, u.email AS user_email, u.first_name AS user_first_name, u.last_name AS user_last_name
      FROM k LEFT JOIN users u ON u.id = k.user_id`);
    const raw = rows[0]!;
    return {
      ...rowOf(apiKeys, raw),
      user_email: raw.user_email as string | null,
      user_first_name: raw.user_first_name as string | null,
      user_last_name: raw.user_last_name as string | null,
    };
  } catch (err) {
    // The company or the user was deleted since the facts (or the request's authentication).
    if (!isForeignKeyViolation(err)) throw err;
    throw pgConstraint(err)?.includes('user_id') ? userNotInCompany(input) : notFound('Company');
  }
}
