import { type SQL, sql } from 'drizzle-orm';
import type { CallerSource } from '../../../core/auth-context.js';
import { type Page, pageOffset } from '../../../core/pagination.js';
import type { Db } from '../../../db/database.js';
import { StatementCache } from '../../../db/prepared.js';
import { likePattern } from '../../../lib/sql.js';
import { type CallerRead, readAsCaller } from '../../api-keys/index.js';
import { type ContactJson, contactJson, storedTagsJson, toContact } from './contacts.payload.js';
import type { ContactOut } from './contacts.schemas.js';

// The contact reads, each ONE statement with its caller (readAsCaller): a contact of the
// caller's company, whole (contactJson: with the name of the partner company it works for and
// its tags), or a page of them with the exact count.

const ph = sql.placeholder;

/** A contact (`cn`; contactJson's tags name `ct` themselves) with its partner company (`pc`). */
const CONTACTS = sql`contacts cn
  JOIN company_partnerships cp ON cp.id = cn.company_partnership_id
  JOIN companies pc ON pc.id = cp.partner_company_id`;

const CONTACT_COLUMNS = sql`cn.id, ${contactJson(sql`cn`, sql`pc.name`, storedTagsJson(sql`cn.id`))} AS contact`;

export interface ContactFilter {
  partnershipId?: number | undefined;
  search?: string | undefined;
}

function matching(f: ContactFilter): SQL {
  const conditions = [sql`cn.company_id = c.company_id`];
  if (f.partnershipId) conditions.push(sql`cn.company_partnership_id = ${ph('partnershipId')}`);
  if (f.search) {
    const p = ph('search');
    conditions.push(
      sql`(cn.email ILIKE ${p} OR concat_ws(' ', cn.first_name, cn.last_name) ILIKE ${p} OR pc.name ILIKE ${p})`,
    );
  }
  return sql.join(conditions, sql` AND `);
}

const pageSql = (f: ContactFilter): SQL =>
  sql`SELECT t.total, p.* FROM (SELECT count(*)::int AS total FROM ${CONTACTS} WHERE ${matching(f)}) t
    LEFT JOIN LATERAL (SELECT ${CONTACT_COLUMNS} FROM ${CONTACTS} WHERE ${matching(f)}
      ORDER BY cn.id LIMIT ${ph('limit')} OFFSET ${ph('offset')}) p ON true`;

const ONE = sql`SELECT ${CONTACT_COLUMNS} FROM ${CONTACTS} WHERE cn.id = ${ph('id')} AND cn.company_id = c.company_id`;

/** A row of a contact read: the id is null when there is no contact. */
interface Row {
  id: number | null;
  contact: ContactJson;
}

const statements = new StatementCache(8);

/** A page of the caller's contacts, by id, with the exact number matching. */
export async function listContacts(
  db: Db,
  caller: CallerSource,
  f: ContactFilter,
  page: Page,
): Promise<CallerRead<ContactOut> & { total: number }> {
  const shape = `${f.partnershipId ? 'p' : 'all'}_${f.search ? 'q' : 'all'}`;
  const { found, rows } = await readAsCaller<Row & { total: number }>(
    db,
    statements,
    `contacts_list_${shape}`,
    caller,
    () => ({ body: pageSql(f), order: sql`r.id` }),
    {
      partnershipId: f.partnershipId,
      search: f.search ? likePattern(f.search) : undefined,
      limit: page.pageSize,
      offset: pageOffset(page),
    },
  );
  return {
    found,
    total: rows[0]?.total ?? 0,
    rows: rows.filter((row) => row.id !== null).map((row) => toContact(row.contact)),
  };
}

/** A contact of the caller's company, if any. */
export async function getContact(
  db: Db,
  caller: CallerSource,
  id: number,
): Promise<Pick<CallerRead<never>, 'found'> & { contact: ContactOut | undefined }> {
  const { found, rows } = await readAsCaller<Row>(
    db,
    statements,
    'contacts_one',
    caller,
    () => ({ body: ONE }),
    { id },
  );
  const row = rows[0];
  return { found, contact: row && row.id !== null ? toContact(row.contact) : undefined };
}
