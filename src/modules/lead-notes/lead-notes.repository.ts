import { and, desc, eq, type Placeholder, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db, Executor } from '../../db/database.js';
import { preparedPerDb } from '../../db/prepared.js';
import { leadNotes, leads, users } from '../../db/schema/index.js';
import { type Page, pageOffset } from '../../http/pagination.js';
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

const ofLead = (companyId: number | Placeholder, leadId: number | Placeholder) =>
  and(eq(leadNotes.lead_id, leadId), eq(leadNotes.company_id, companyId));

/** A lead's notes with their authors (left joined: a key without a user writes authorless notes). */
const selectNotes = (db: Executor) =>
  db.select(noteColumns).from(leadNotes).leftJoin(users, eq(users.id, leadNotes.created_by_user_id));

type NoteRow = Awaited<ReturnType<ReturnType<typeof selectNotes>['execute']>>[number];
/** A note with what its webhook payload needs: the author's uuid and email, the lead's uuid. */
export type NoteRecord = NoteRow & { lead_uuid: string };

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

// Newest first, on the (lead_id, id) index.
const newestFirst = desc(leadNotes.id);

const notesOfLead = preparedPerDb((db) =>
  selectNotes(db)
    .where(ofLead(sql.placeholder('companyId'), sql.placeholder('leadId')))
    .orderBy(newestFirst)
    .prepare('lead_notes_of_lead'),
);

/** Every note of a lead of the company, newest first, as the API returns them. */
export async function notesForLead(db: Executor, companyId: number, leadId: number): Promise<LeadNoteOut[]> {
  // Every GET /v1/leads/{id} runs this: on the pool it is one prepared statement; a prepared
  // statement cannot join a transaction, so in one it is a plain query.
  const rows =
    db instanceof PgTransaction
      ? await selectNotes(db).where(ofLead(companyId, leadId)).orderBy(newestFirst)
      : await notesOfLead(db).execute({ companyId, leadId });
  return rows.map(toLeadNote);
}

export const leadNotesRepository = {
  async list(db: Db, companyId: number, leadId: number, page: Page) {
    // The page and the exact count run concurrently on two pooled connections.
    const [rows, [count]] = await Promise.all([
      selectNotes(db)
        .where(ofLead(companyId, leadId))
        .orderBy(newestFirst)
        .limit(page.pageSize)
        .offset(pageOffset(page)),
      db.select({ n: sql<number>`count(*)::int` }).from(leadNotes).where(ofLead(companyId, leadId)),
    ]);
    return { rows: rows.map(toLeadNote), total: count?.n ?? 0 };
  },

  async byId(
    db: Executor,
    companyId: number,
    leadId: number,
    noteId: number,
  ): Promise<NoteRecord | undefined> {
    const [row] = await db
      .select({ ...noteColumns, lead_uuid: leads.uuid })
      .from(leadNotes)
      .innerJoin(leads, eq(leads.id, leadNotes.lead_id))
      .leftJoin(users, eq(users.id, leadNotes.created_by_user_id))
      .where(and(eq(leadNotes.id, noteId), ofLead(companyId, leadId)))
      .limit(1);
    return row;
  },

  async insert(db: Executor, values: typeof leadNotes.$inferInsert): Promise<number> {
    const [row] = await db.insert(leadNotes).values(values).returning({ id: leadNotes.id });
    return row!.id;
  },

  async update(
    db: Executor,
    companyId: number,
    leadId: number,
    noteId: number,
    values: Partial<Pick<typeof leadNotes.$inferInsert, 'document' | 'attachments' | 'mentions'>>,
  ): Promise<{ id: number; updated_at: Date } | undefined> {
    const [row] = await db
      .update(leadNotes)
      .set({ ...values, updated_at: sql`now()` })
      .where(and(eq(leadNotes.id, noteId), ofLead(companyId, leadId)))
      .returning({ id: leadNotes.id, updated_at: leadNotes.updated_at });
    return row;
  },

  async remove(db: Executor, companyId: number, leadId: number, noteId: number): Promise<boolean> {
    const rows = await db
      .delete(leadNotes)
      .where(and(eq(leadNotes.id, noteId), ofLead(companyId, leadId)))
      .returning({ id: leadNotes.id });
    return rows.length > 0;
  },
};
