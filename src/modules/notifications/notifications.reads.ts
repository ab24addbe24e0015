import { type SQL, sql } from 'drizzle-orm';
import type { CallerSource } from '../../core/auth-context.js';
import { type Page, pageOffset } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import { StatementCache } from '../../db/prepared.js';
import { type CallerRead, readAsCaller } from '../api-keys/index.js';
import type { NotificationRow } from './notifications.repository.js';

// The notification list, ONE statement with its caller (readAsCaller): whose notifications are
// read (the caller's user, or the requested user of the caller's company), the page and the
// exact count. Who may read whose is decided by targetOf (notifications.service.ts) once the
// caller is known; the statement only never reads outside the caller's company.

const ph = sql.placeholder;

/**
 * The user whose notifications are read (null: the requested id is no user of the caller's
 * company); an aggregate, so one row that is computed once.
 */
const TARGET = sql`(SELECT CASE WHEN ${ph('requested')}::int IS NULL THEN c.user_id ELSE max(u.id) END AS user_id
  FROM users u WHERE u.id = ${ph('requested')}::int AND u.company_id = c.company_id) tg`;

const pageSql = (unreadOnly: boolean): SQL => {
  const of = sql`n.user_id = tg.user_id${unreadOnly ? sql` AND n.read_at IS NULL` : sql``}`;
  // Newest first, on the (user_id, id) indexes (the unread one is partial).
  return sql`SELECT tg.user_id AS target_user_id, t.total, p.* FROM ${TARGET}
    CROSS JOIN LATERAL (SELECT count(*)::int AS total FROM notifications n WHERE ${of}) t
    LEFT JOIN LATERAL (SELECT n.id, n.uuid, n.user_id, n.type, n.title, n.body, n.data, n.read_at, n.created_at
      FROM notifications n WHERE ${of} ORDER BY n.id DESC LIMIT ${ph('limit')} OFFSET ${ph('offset')}) p ON true`;
};

const statements = new StatementCache(2);

type Row = Omit<NotificationRow, 'id' | 'company_id' | 'event_id'> & {
  /** int8: pg hands it over as a string. */
  id: string;
  target_user_id: number | null;
  total: number;
};

export type ListedNotification = Omit<NotificationRow, 'company_id' | 'event_id'>;

/**
 * A page of the notifications of `requested` (a user of the caller's company), or of the
 * caller's own user; `requestedIsUser` says whether `requested` is one.
 */
export async function listNotifications(
  db: Db,
  caller: CallerSource,
  requested: number | undefined,
  unreadOnly: boolean,
  page: Page,
): Promise<CallerRead<ListedNotification> & { requestedIsUser: boolean; total: number }> {
  const { found, rows } = await readAsCaller<Row>(
    db,
    statements,
    `notifications_list_${unreadOnly ? 'unread' : 'all'}`,
    caller,
    () => ({ body: pageSql(unreadOnly), order: sql`r.id DESC` }),
    { requested: requested ?? null, limit: page.pageSize, offset: pageOffset(page) },
  );
  return {
    found,
    requestedIsUser: requested !== undefined && rows[0]?.target_user_id != null,
    total: rows[0]?.total ?? 0,
    rows: rows
      .filter((row) => row.id !== null)
      .map(({ target_user_id: _, total: __, ...row }) => ({ ...row, id: Number(row.id) })),
  };
}
