import { type SQL, sql } from 'drizzle-orm';
import type { CallerSource } from '../../../core/auth-context.js';
import { type Page, pageOffset } from '../../../core/pagination.js';
import type { Db } from '../../../db/database.js';
import { StatementCache } from '../../../db/prepared.js';
import { type CallerRead, readAsCaller } from '../../api-keys/index.js';
import { toLeadNote } from './lead-notes.repository.js';
import type { LeadNoteOut } from './lead-notes.schemas.js';

// The note reads, each ONE statement with its caller (readAsCaller): whether the lead is a live
// lead of the caller's company, and the note or the page of notes (with the exact count).

const ph = sql.placeholder;

/** A note and its author (left joined: a key without a user writes authorless notes), as `n`. */
const NOTE_COLUMNS = sql`n.id, n.uuid, n.lead_id, n.document, n.attachments, n.mentions, n.created_at,
  n.updated_at, u.id AS author_id, u.uuid AS author_uuid, u.email AS author_email,
  u.first_name AS author_first_name, u.last_name AS author_last_name`;
const NOTES_OF_LEAD = sql`lead_notes n LEFT JOIN users u ON u.id = n.created_by_user_id
  WHERE n.lead_id = ${ph('leadId')} AND n.company_id = c.company_id`;
const LEAD_LIVE = sql`EXISTS (SELECT 1 FROM leads l
  WHERE l.id = ${ph('leadId')} AND l.company_id = c.company_id AND l.deleted_at IS NULL)`;

type NoteRow = Parameters<typeof toLeadNote>[0];
/** A row of a note read: with the lead's state; the note's columns are null when there is none. */
type Row<T> = { lead_live: boolean } & T;

// Newest first, on the (lead_id, id) index. The count is an aggregate in FROM: it runs once (a
// scalar subquery in the select list would run for every row of the page).
const PAGE: SQL = sql`SELECT t.lead_live, t.total, p.* FROM (SELECT ${LEAD_LIVE} AS lead_live, count(*)::int AS total
    FROM lead_notes n WHERE n.lead_id = ${ph('leadId')} AND n.company_id = c.company_id) t
  LEFT JOIN LATERAL (SELECT ${NOTE_COLUMNS} FROM ${NOTES_OF_LEAD}
    ORDER BY n.id DESC LIMIT ${ph('limit')} OFFSET ${ph('offset')}) p ON true`;

const ONE: SQL = sql`SELECT t.lead_live, p.* FROM (SELECT ${LEAD_LIVE} AS lead_live) t
  LEFT JOIN LATERAL (SELECT ${NOTE_COLUMNS} FROM ${NOTES_OF_LEAD} AND n.id = ${ph('noteId')} AND t.lead_live) p ON true`;

const statements = new StatementCache(4);

/** A page of a lead's notes, newest first, with the exact count; leadLive false when the lead is not the caller's live lead. */
export async function listNotes(
  db: Db,
  caller: CallerSource,
  leadId: number,
  page: Page,
): Promise<CallerRead<LeadNoteOut> & { leadLive: boolean; total: number }> {
  const { found, rows } = await readAsCaller<Row<NoteRow & { total: number }>>(
    db,
    statements,
    'lead_notes_page',
    caller,
    () => ({ body: PAGE, order: sql`r.id DESC` }),
    { leadId, limit: page.pageSize, offset: pageOffset(page) },
  );
  return {
    found,
    leadLive: rows[0]?.lead_live ?? false,
    total: rows[0]?.total ?? 0,
    rows: rows.filter((row) => row.id !== null).map(toLeadNote),
  };
}

/** A note of a live lead of the caller's company, if any, and whether the lead is one. */
export async function getNote(
  db: Db,
  caller: CallerSource,
  leadId: number,
  noteId: number,
): Promise<Pick<CallerRead<never>, 'found'> & { leadLive: boolean; note: LeadNoteOut | undefined }> {
  const { found, rows } = await readAsCaller<Row<NoteRow>>(
    db,
    statements,
    'lead_notes_one',
    caller,
    () => ({ body: ONE }),
    { leadId, noteId },
  );
  const row = rows[0];
  return {
    found,
    leadLive: row?.lead_live ?? false,
    note: row && row.id !== null ? toLeadNote(row) : undefined,
  };
}
