import { type SQL, sql } from 'drizzle-orm';
import type { CallerSource } from '../../core/auth-context.js';
import { type Page, pageOffset } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import { StatementCache } from '../../db/prepared.js';
import { type CallerRead, readAsCaller } from '../api-keys/index.js';
import type { NoteOut } from './notes.schemas.js';
import { idKey, type NoteSubject } from './notes.subject.js';

// The note reads, each ONE statement with its caller (readAsCaller): whether the caller's
// company sees the parent (the subject's `parentVisible`), and its own note or page of notes on
// it (with the exact count).

const ph = sql.placeholder;

interface NoteRow {
  id: number | null;
  uuid: string;
  parent_id: number;
  document: Record<string, unknown>;
  attachments: string[];
  mentions: number[];
  created_at: Date;
  updated_at: Date;
  author_id: number | null;
  author_first_name: string | null;
  author_last_name: string | null;
}
/** A row of a note read: with the parent's state; the note's columns are null when there is none. */
type Row<T> = { parent_visible: boolean } & T;

function toNote<C extends string>(subject: NoteSubject<string, C>, row: NoteRow): NoteOut<C> {
  return {
    id: row.id!,
    uuid: row.uuid,
    [subject.parentColumn]: row.parent_id,
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
  } as NoteOut<C>;
}

/** A subject's two read statements and their cache. */
interface SubjectReads {
  page: SQL;
  one: SQL;
  statements: StatementCache;
}

const perSubject = new WeakMap<NoteSubject, SubjectReads>();

function readsOf(subject: NoteSubject): SubjectReads {
  const known = perSubject.get(subject);
  if (known) return known;
  const parentId = ph(idKey(subject));
  const table = sql.identifier(subject.table);
  const column = sql.identifier(subject.parentColumn);
  /** A note and its author (left joined: a key without a user writes authorless notes), as `n`. */
  const columns = sql`n.id, n.uuid, n.${column} AS parent_id, n.document, n.attachments, n.mentions,
    n.created_at, n.updated_at, u.id AS author_id, ${
      subject.readsAuthorContact ? sql`u.uuid AS author_uuid, u.email AS author_email, ` : sql``
    }u.first_name AS author_first_name, u.last_name AS author_last_name`;
  const notesOfParent = sql`${table} n LEFT JOIN users u ON u.id = n.created_by_user_id
    WHERE n.${column} = ${parentId} AND n.company_id = c.company_id`;
  const visible = subject.parentVisible(sql`c.company_id`, parentId);
  // Newest first, on the (parent, id) index. The count is an aggregate in FROM: it runs once (a
  // scalar subquery in the select list would run for every row of the page).
  const page = sql`SELECT t.parent_visible, t.total, p.* FROM (SELECT ${visible} AS parent_visible, count(*)::int AS total
      FROM ${table} n WHERE n.${column} = ${parentId} AND n.company_id = c.company_id) t
    LEFT JOIN LATERAL (SELECT ${columns} FROM ${notesOfParent}${subject.pageGuarded ? sql` AND t.parent_visible` : sql``}
      ORDER BY n.id DESC LIMIT ${ph('limit')} OFFSET ${ph('offset')}) p ON true`;
  const one = sql`SELECT t.parent_visible, p.* FROM (SELECT ${visible} AS parent_visible) t
    LEFT JOIN LATERAL (SELECT ${columns} FROM ${notesOfParent} AND n.id = ${ph('noteId')} AND t.parent_visible) p ON true`;
  const reads = { page, one, statements: new StatementCache(4) };
  perSubject.set(subject, reads);
  return reads;
}

/** A page of the company's notes on the parent, newest first, with the exact count; visible false when the company does not see the parent. */
export async function listNotes<C extends string>(
  subject: NoteSubject<string, C>,
  db: Db,
  caller: CallerSource,
  parentId: number,
  page: Page,
): Promise<CallerRead<NoteOut<C>> & { visible: boolean; total: number }> {
  const reads = readsOf(subject);
  const { found, rows } = await readAsCaller<Row<NoteRow & { total: number }>>(
    db,
    reads.statements,
    `${subject.table}_page`,
    caller,
    () => ({ body: reads.page, order: sql`r.id DESC` }),
    { [idKey(subject)]: parentId, limit: page.pageSize, offset: pageOffset(page) },
  );
  const visible = rows[0]?.parent_visible ?? false;
  return {
    found,
    visible,
    total: visible ? (rows[0]?.total ?? 0) : 0,
    rows: rows.filter((row) => row.id !== null).map((row) => toNote(subject, row)),
  };
}

/** One of the company's notes on the parent, if any, and whether the company sees the parent. */
export async function getNote<C extends string>(
  subject: NoteSubject<string, C>,
  db: Db,
  caller: CallerSource,
  parentId: number,
  noteId: number,
): Promise<Pick<CallerRead<never>, 'found'> & { visible: boolean; note: NoteOut<C> | undefined }> {
  const reads = readsOf(subject);
  const { found, rows } = await readAsCaller<Row<NoteRow>>(
    db,
    reads.statements,
    `${subject.table}_one`,
    caller,
    () => ({ body: reads.one }),
    { [idKey(subject)]: parentId, noteId },
  );
  const row = rows[0];
  return {
    found,
    visible: row?.parent_visible ?? false,
    note: row && row.id !== null ? toNote(subject, row) : undefined,
  };
}
