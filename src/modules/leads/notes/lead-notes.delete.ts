import { sql } from 'drizzle-orm';
import type { Db } from '../../../db/database.js';
import { queryRows } from '../../../db/statement.js';
import {
  type Actor,
  leadNotFound,
  leadStillLive,
  type NoteEvent,
  type NoteFacts,
  type NoteFactsRow,
  noteEvent,
  noteFactsSql,
  noteNotFound,
  noteOutbox,
  notePayloadPart,
  parseNote,
} from './lead-notes.command.js';

// DELETE /v1/leads/{id}/notes/{noteId}: facts → rules → write, one statement each.

export type DeleteFacts = NoteFacts;

export async function facts(db: Db, actor: Actor, leadId: number, noteId: number): Promise<DeleteFacts> {
  const [row] = await queryRows<NoteFactsRow>(
    db,
    sql`SELECT ${noteFactsSql(actor.companyId, leadId, noteId)}`,
  );
  return { ...row!, note: parseNote(row!.note) };
}

export interface DeletePlan {
  companyId: number;
  leadId: number;
  noteId: number;
  /** `leads.notes_delete` with the note's last state. */
  event: NoteEvent;
}

/** 404 without the live lead, then without the note. */
export function rules(f: DeleteFacts, actor: Actor, leadId: number): DeletePlan {
  if (f.leadUuid === null) throw leadNotFound();
  if (f.note === null) throw noteNotFound();
  return {
    companyId: actor.companyId,
    leadId,
    noteId: f.note.id,
    event: noteEvent(
      'leads.notes_delete',
      actor,
      notePayloadPart(f.note.document, f.note.author, f.leadUuid),
    ),
  };
}

/** Deletes the note for good and records its event; a 404 when a concurrent delete won. */
export async function write(db: Db, plan: DeletePlan): Promise<void> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`WITH note AS (
        DELETE FROM lead_notes
        WHERE id = ${plan.noteId} AND lead_id = ${plan.leadId} AND company_id = ${plan.companyId}
          AND ${leadStillLive(plan.companyId, plan.leadId)}
        RETURNING id, uuid, created_at),
      outbox AS (${noteOutbox(plan.event, sql`note`)})
      SELECT id FROM note`,
  );
  if (rows.length === 0) throw noteNotFound();
}
