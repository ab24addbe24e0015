import { type SQL, sql } from 'drizzle-orm';
import type { CallerSource } from '../../../core/auth-context.js';
import type { Db } from '../../../db/database.js';
import { StatementCache } from '../../../db/prepared.js';
import { likePattern } from '../../../lib/sql.js';
import { type CallerRead, readAsCaller } from '../../api-keys/index.js';
import type { CurrencyOut } from './currencies.schemas.js';

// The currency reads: the reference list is the same for every company, but each read is ONE
// statement that also verifies the API key (readAsCaller), like every other read.

const ph = sql.placeholder;
const COLUMNS = sql`cu.id, cu.uuid, cu.code, cu.label, cu.minor_digits`;
const statements = new StatementCache(4);

const matching = (search: boolean): SQL =>
  search
    ? sql`WHERE cu.code ILIKE (SELECT ${ph('search')}::text) OR cu.label ILIKE (SELECT ${ph('search')}::text)`
    : sql``;

/** A page of the currencies (by code), optionally those whose code or name contains `search`. */
export async function listCurrencies(
  db: Db,
  caller: CallerSource,
  search: string | undefined,
  page: { limit: number; offset: number },
): Promise<CallerRead<CurrencyOut> & { total: number }> {
  const searched = search !== undefined;
  const { found, rows } = await readAsCaller<CurrencyOut & { total: number }>(
    db,
    statements,
    `currencies_list${searched ? '_q' : ''}`,
    caller,
    () => ({
      body: sql`SELECT t.total, p.* FROM (SELECT count(*)::int AS total FROM currencies cu ${matching(searched)}) t
        LEFT JOIN LATERAL (SELECT ${COLUMNS} FROM currencies cu ${matching(searched)}
          ORDER BY cu.code LIMIT ${ph('limit')} OFFSET ${ph('offset')}) p ON true`,
      order: sql`r.code`,
    }),
    { ...(searched ? { search: likePattern(search) } : {}), ...page },
  );
  return {
    found,
    rows: rows.filter((row) => row.id !== null).map(({ total: _, ...row }) => row),
    total: rows[0]?.total ?? 0,
  };
}

/** One currency by id; undefined when there is none. */
export async function getCurrency(
  db: Db,
  caller: CallerSource,
  id: number,
): Promise<{ found: CallerRead<CurrencyOut>['found']; currency: CurrencyOut | undefined }> {
  const { found, rows } = await readAsCaller<CurrencyOut>(
    db,
    statements,
    'currencies_get',
    caller,
    () => ({ body: sql`SELECT ${COLUMNS} FROM currencies cu WHERE cu.id = ${ph('id')}::int` }),
    { id },
  );
  const row = rows[0];
  return { found, currency: row && row.id !== null ? row : undefined };
}
