import { type SQL, sql } from 'drizzle-orm';
import type { CallerSource } from '../../core/auth-context.js';
import { type Page, pageOffset } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import { StatementCache } from '../../db/prepared.js';
import { likePattern } from '../../lib/sql.js';
import { type CallerRead, readAsCaller } from '../api-keys/index.js';
import type { UserFilter, UserRow } from './users.repository.js';

// The user reads, each ONE statement with its caller (readAsCaller): a user of the caller's
// company, or a page of them with the exact count. The page is named once per filter shape
// (which filters are present), its values placeholders.

const ph = sql.placeholder;

/** What the API shows of a user (never its password hash). */
export type UserOut = Omit<UserRow, 'company_id' | 'password_hash'>;
const USER_COLUMNS = sql.raw(
  [
    'id',
    'uuid',
    'email',
    'first_name',
    'last_name',
    'role',
    'position',
    'phone_number',
    'meeting_link',
    'color',
    'disabled_at',
    'created_at',
    'updated_at',
  ]
    .map((c) => `u.${c}`)
    .join(', '),
);

function matching(f: UserFilter): SQL {
  const conditions = [sql`u.company_id = c.company_id`];
  if (!f.includeDisabled) conditions.push(sql`u.disabled_at IS NULL`);
  if (f.role) conditions.push(sql`u.role = ${ph('role')}`);
  if (f.search) {
    const p = ph('search');
    conditions.push(sql`(u.email ILIKE ${p} OR u.first_name ILIKE ${p} OR u.last_name ILIKE ${p})`);
  }
  return sql.join(conditions, sql` AND `);
}

const pageSql = (f: UserFilter): SQL =>
  sql`SELECT t.total, p.* FROM (SELECT count(*)::int AS total FROM users u WHERE ${matching(f)}) t
    LEFT JOIN LATERAL (SELECT ${USER_COLUMNS} FROM users u WHERE ${matching(f)}
      ORDER BY u.id LIMIT ${ph('limit')} OFFSET ${ph('offset')}) p ON true`;

const ONE = sql`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ${ph('id')} AND u.company_id = c.company_id`;

const statements = new StatementCache(20);

/** A page of the caller's company's users, by id, with the exact number matching. */
export async function listUsers(
  db: Db,
  caller: CallerSource,
  f: UserFilter,
  page: Page,
): Promise<CallerRead<UserOut> & { total: number }> {
  const shape = [
    f.includeDisabled ? 'all' : 'active',
    f.role ? 'role' : 'anyrole',
    f.search ? 'search' : 'all',
  ].join('_');
  const { found, rows } = await readAsCaller<UserOut & { total: number }>(
    db,
    statements,
    `users_list_${shape}`,
    caller,
    () => ({ body: pageSql(f), order: sql`r.id` }),
    {
      role: f.role,
      search: f.search ? likePattern(f.search) : undefined,
      limit: page.pageSize,
      offset: pageOffset(page),
    },
  );
  return {
    found,
    total: rows[0]?.total ?? 0,
    rows: rows.filter((row) => row.id !== null).map(({ total: _, ...user }) => user),
  };
}

/** A user of the caller's company (deactivated ones too), if any. */
export async function getUser(
  db: Db,
  caller: CallerSource,
  id: number,
): Promise<Pick<CallerRead<never>, 'found'> & { user: UserOut | undefined }> {
  const { found, rows } = await readAsCaller<UserOut>(
    db,
    statements,
    'users_one',
    caller,
    () => ({ body: ONE }),
    {
      id,
    },
  );
  const row = rows[0];
  return { found, user: row && row.id !== null ? row : undefined };
}
