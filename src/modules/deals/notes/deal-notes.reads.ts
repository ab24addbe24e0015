import { type SQL, sql } from 'drizzle-orm';
import type { CallerSource } from '../../../core/auth-context.js';
import { type Page, pageOffset } from '../../../core/pagination.js';
import type { Db } from '../../../db/database.js';
import { StatementCache } from '../../../db/prepared.js';
import { type CallerRead, readAsCaller } from '../../api-keys/index.js';
import type { DealNoteOut } from './deal-notes.schemas.js';

// The deal-note reads, each ONE statement with its caller (readAsCaller): whether the caller's
// company sees the live deal, and its own notes on it (the other side's never).

const ph = sql.placeholder;

const NOTE_COLUMNS = sql`n.id, n.uuid, n.deal_id, n.document, n.attachments, n.mentions, n.created_at,
  n.updated_at, u.id AS author_id, u.first_name AS author_first_name, u.last_name AS author_last_name`;
const NOTES_OF_DEAL = sql`deal_notes n LEFT JOIN users u ON u.id = n.created_by_user_id
  WHERE n.deal_id = ${ph('dealId')} AND n.company_id = c.company_id`;
const DEAL_VISIBLE = sql`EXISTS (SELECT 1 FROM deal_sides s JOIN deals d ON d.id = s.deal_id AND d.deleted_at IS NULL
  WHERE s.deal_id = ${ph('dealId')} AND s.company_id = c.company_id)`;

interface NoteRow {
  id: number | null;
  uuid: string;
  deal_id: number;
  document: Record<string, unknown>;
  attachments: string[];
  mentions: number[];
  created_at: Date;
  updated_at: Date;
  author_id: number | null;
  author_first_name: string | null;
  author_last_name: string | null;
}
type Row<T> = { deal_visible: boolean } & T;

function toDealNote(row: NoteRow): DealNoteOut {
  return {
    id: row.id!,
    uuid: row.uuid,
    deal_id: row.deal_id,
    document: row.document,
    content: row.document,
    attachments: row.attachments,
    mentions: row.mentions,
    created_by:
      row.author_id === null
        ? null
        : { id: row.author_id, first_name: row.author_first_name, last_name: row.author_last_name },
    created_at: new Date(row.created_at),
    updated_at: new Date(row.updated_at),
  };
}

// Newest first, on the (deal_id, company_id, id) index; the count is an aggregate in FROM (once).
const PAGE: SQL = sql`SELECT t.deal_visible, t.total, p.* FROM (SELECT ${DEAL_VISIBLE} AS deal_visible, count(*)::int AS total
    FROM deal_notes n WHERE n.deal_id = ${ph('dealId')} AND n.company_id = c.company_id) t
  LEFT JOIN LATERAL (SELECT ${NOTE_COLUMNS} FROM ${NOTES_OF_DEAL} AND t.deal_visible
    ORDER BY n.id DESC LIMIT ${ph('limit')} OFFSET ${ph('offset')}) p ON true`;

const ONE: SQL = sql`SELECT t.deal_visible, p.* FROM (SELECT ${DEAL_VISIBLE} AS deal_visible) t
  LEFT JOIN LATERAL (SELECT ${NOTE_COLUMNS} FROM ${NOTES_OF_DEAL} AND n.id = ${ph('noteId')} AND t.deal_visible) p ON true`;

const statements = new StatementCache(4);

/** A page of the company's notes on a deal, newest first, with the exact count. */
export async function listDealNotes(
  db: Db,
  caller: CallerSource,
  dealId: number,
  page: Page,
): Promise<CallerRead<DealNoteOut> & { dealVisible: boolean; total: number }> {
  const { found, rows } = await readAsCaller<Row<NoteRow & { total: number }>>(
    db,
    statements,
    'deal_notes_page',
    caller,
    () => ({ body: PAGE, order: sql`r.id DESC` }),
    { dealId, limit: page.pageSize, offset: pageOffset(page) },
  );
  const visible = rows[0]?.deal_visible ?? false;
  return {
    found,
    dealVisible: visible,
    total: visible ? (rows[0]?.total ?? 0) : 0,
    rows: rows.filter((row) => row.id !== null).map(toDealNote),
  };
}

/** One of the company's notes on a visible deal, if any, and whether the deal is visible. */
export async function getDealNote(
  db: Db,
  caller: CallerSource,
  dealId: number,
  noteId: number,
): Promise<Pick<CallerRead<never>, 'found'> & { dealVisible: boolean; note: DealNoteOut | undefined }> {
  const { found, rows } = await readAsCaller<Row<NoteRow>>(
    db,
    statements,
    'deal_notes_one',
    caller,
    () => ({ body: ONE }),
    { dealId, noteId },
  );
  const row = rows[0];
  return {
    found,
    dealVisible: row?.deal_visible ?? false,
    note: row && row.id !== null ? toDealNote(row) : undefined,
  };
}
