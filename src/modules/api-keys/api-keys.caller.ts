import { type SQL, sql } from 'drizzle-orm';
import type { CallerSource, FoundCaller, UserRole } from '../../core/auth-context.js';
import type { Db } from '../../db/database.js';
import { StatementCache } from '../../db/prepared.js';

// The `caller` relation (issue 10 §2): the one place that says which API keys name a caller, for
// the key lookup on its own (ApiKeyService.verify) and for the read statements that verify the
// key themselves, so a request makes one round trip instead of two. Nothing is cached: a
// revocation, an expiry or a deactivated user is seen by the very next statement.

const ph = sql.placeholder;

/**
 * One row for a usable key, none otherwise: not revoked, not expired, and acting as an active
 * user of its own company (or as no user: an operator's key acts as the company's admin).
 */
const KEY_CALLER = sql`SELECT k.id AS key_id, k.company_id, k.user_id,
    coalesce(u.role, 'admin') AS role, k.permission
  FROM api_keys k LEFT JOIN users u ON u.id = k.user_id AND u.company_id = k.company_id
  WHERE k.key_hash = ${ph('callerKeyHash')}
    AND k.revoked_at IS NULL
    AND (k.expires_at IS NULL OR k.expires_at > now())
    AND (k.user_id IS NULL OR (u.id IS NOT NULL AND u.disabled_at IS NULL))`;

/** A caller verified before the statement: its company and user as values, always one row. */
const KNOWN_CALLER = sql`SELECT NULL::int AS key_id, ${ph('callerCompanyId')}::int AS company_id,
  ${ph('callerUserId')}::int AS user_id, NULL::text AS role, NULL::text AS permission`;

/** The `caller` relation for a source; the statement's values come from callerValues(). */
export const callerRelation = (source: CallerSource): SQL =>
  source.kind === 'key' ? KEY_CALLER : KNOWN_CALLER;

export const callerValues = (source: CallerSource): Record<string, unknown> =>
  source.kind === 'key'
    ? { callerKeyHash: source.keyHash }
    : { callerCompanyId: source.companyId, callerUserId: source.userId };

/** The caller's columns in a statement's select list (`c` is the caller). */
const CALLER_SELECT = sql`c.key_id AS caller_key_id, c.company_id AS caller_company_id,
  c.user_id AS caller_user_id, c.role AS caller_role, c.permission AS caller_permission`;

/** The caller columns as a statement returns them. */
export interface CallerColumns {
  caller_key_id: number | null;
  caller_company_id: number;
  caller_user_id: number | null;
  caller_role: UserRole | null;
  caller_permission: 'read' | 'write' | null;
}

/** The key's caller, from a row of a statement that joined `caller` (null: the key named none). */
export function foundCaller(row: CallerColumns | undefined): FoundCaller | null {
  if (!row || row.caller_key_id === null) return null;
  return {
    keyId: row.caller_key_id,
    companyId: row.caller_company_id,
    userId: row.caller_user_id,
    role: row.caller_role ?? 'admin',
    permission: row.caller_permission ?? 'read',
  };
}

const lookups = new StatementCache(1);

/** The caller a key names, on its own (for a request whose statement cannot verify it). */
export async function findCaller(db: Db, keyHash: string): Promise<FoundCaller | null> {
  const [row] = await lookups
    .get<CallerColumns>(
      db,
      'api_key_caller',
      () => sql`WITH caller AS (${KEY_CALLER}) SELECT ${CALLER_SELECT} FROM caller c`,
    )
    .execute({ callerKeyHash: keyHash });
  return foundCaller(row);
}

/** The rows of a read, and the caller its statement found (null when none, or when it was known). */
export interface CallerRead<R> {
  found: FoundCaller | null;
  rows: R[];
}

/**
 * Runs a read as its caller, in ONE statement: `body` is a SELECT that names the caller's
 * company and user as `c.company_id` and `c.user_id`; its rows come back with the caller's.
 * Without a caller (a key that names none) there are no rows at all; with one and a body that
 * selects nothing, one row whose body columns are all null (filter on a column that is never
 * null, such as `id`). `order` sorts the result on the body's columns, as `r.<column>`.
 * Each statement is named once per source kind (`<name>_key` / `<name>_known`).
 */
export async function readAsCaller<R>(
  db: Db,
  statements: StatementCache,
  name: string,
  source: CallerSource,
  build: () => { body: SQL; order?: SQL | undefined },
  values: Record<string, unknown>,
): Promise<CallerRead<R>> {
  const statement = statements.get<R & CallerColumns>(db, `${name}_${source.kind}`, () => {
    const { body, order } = build();
    return sql`WITH caller AS (${callerRelation(source)})
      SELECT ${CALLER_SELECT}, r.* FROM caller c LEFT JOIN LATERAL (${body}) r ON true${
        order ? sql` ORDER BY ${order}` : sql``
      }`;
  });
  const rows = await statement.execute({ ...values, ...callerValues(source) });
  return {
    found: source.kind === 'key' ? foundCaller(rows[0]) : null,
    rows: rows.map(
      ({ caller_key_id, caller_company_id, caller_user_id, caller_role, caller_permission, ...row }) =>
        row as R,
    ),
  };
}
