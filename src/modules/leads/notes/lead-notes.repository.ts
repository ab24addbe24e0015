import { eq, type SQL, type SQLChunk, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Executor } from '../../../db/database.js';
import { StatementCache } from '../../../db/prepared.js';
import { leadNotes, users } from '../../../db/schema/index.js';
import type { LeadNoteOut } from './lead-notes.schemas.js';

// Notes are always read through their lead and company: a note id of another lead, or of a
// lead of another company, matches nothing.

const noteColumns = {
  id: leadNotes.id,
  uuid: leadNotes.uuid,
  lead_id: leadNotes.lead_id,
  document: leadNotes.document,
  attachments: leadNotes.attachments,
  mentions: leadNotes.mentions,
  created_at: leadNotes.created_at,
  updated_at: leadNotes.updated_at,
  author_id: users.id,
  author_uuid: users.uuid,
  author_email: users.email,
  author_first_name: users.first_name,
  author_last_name: users.last_name,
};

/** A lead's notes with their authors (left joined: a key without a user writes authorless notes). */
const selectNotes = (db: Executor) =>
  db.select(noteColumns).from(leadNotes).leftJoin(users, eq(users.id, leadNotes.created_by_user_id));

type NoteRow = Awaited<ReturnType<ReturnType<typeof selectNotes>['execute']>>[number];

export function toLeadNote(row: NoteRow): LeadNoteOut {
  const document = row.document as Record<string, unknown>;
  return {
    id: row.id,
    uuid: row.uuid,
    lead_id: row.lead_id,
    document,
    content: document,
    attachments: row.attachments as string[],
    mentions: row.mentions,
    created_by:
      row.author_id === null
        ? null
        : { id: row.author_id, first_name: row.author_first_name, last_name: row.author_last_name },
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** What notesJson's array holds once pg has parsed it: the timestamps are still strings. */
export type NoteJson = Omit<LeadNoteOut, 'content' | 'created_at' | 'updated_at'> & {
  created_at: string;
  updated_at: string;
};

/**
 * A lead's notes as one JSON array in the API's shape, newest first: a subquery for the statement
 * that reads the lead itself, so GET /v1/leads/{id} makes one round trip instead of two (like
 * customFieldValuesRepository.valuesJson). notesFromJson turns the parsed array into notes.
 */
export function notesJson(companyId: SQLChunk, leadId: SQLChunk): SQL<NoteJson[]> {
  return sql`(SELECT coalesce(json_agg(json_build_object('id', n.id, 'uuid', n.uuid, 'lead_id', n.lead_id,
      'document', n.document, 'attachments', n.attachments, 'mentions', n.mentions,
      'created_by', CASE WHEN u.id IS NULL THEN NULL
        ELSE json_build_object('id', u.id, 'first_name', u.first_name, 'last_name', u.last_name) END,
      'created_at', n.created_at, 'updated_at', n.updated_at) ORDER BY n.id DESC), '[]')
    FROM ${leadNotes} n LEFT JOIN ${users} u ON u.id = n.created_by_user_id
    WHERE n.lead_id = ${leadId} AND n.company_id = ${companyId})`;
}

export const notesFromJson = (notes: NoteJson[]): LeadNoteOut[] =>
  notes.map((note) => ({
    ...note,
    content: note.document,
    created_at: new Date(note.created_at),
    updated_at: new Date(note.updated_at),
  }));

const statements = new StatementCache(1);
const NOTES_OF_LEAD = sql`SELECT ${notesJson(sql.placeholder('companyId'), sql.placeholder('leadId'))} AS notes`;

/** Every note of a lead of the company, newest first, as the API returns them. */
export async function notesForLead(db: Executor, companyId: number, leadId: number): Promise<LeadNoteOut[]> {
  // On the pool, one named statement; it cannot join a transaction, so in one a plain query.
  const [row] =
    db instanceof PgTransaction
      ? (await db.execute<{ notes: NoteJson[] }>(sql`SELECT ${notesJson(companyId, leadId)} AS notes`)).rows
      : await statements
          .get<{ notes: NoteJson[] }>(db, 'lead_notes_of_lead', () => NOTES_OF_LEAD)
          .execute({ companyId, leadId });
  return notesFromJson(row?.notes ?? []);
}
