import { sql } from 'drizzle-orm';
import type { Db } from '../../../db/database.js';
import { queryRows } from '../../../db/statement.js';
import {
  type Actor,
  dealNotFound,
  dealStillVisible,
  type NoteEvent,
  type NoteFacts,
  type NoteFactsRow,
  noteEvent,
  noteFactsSql,
  noteNotFound,
  noteOutbox,
  notePayloadPart,
  parseNote,
} from './deal-notes.command.js';

// DELETE /v1/deals/{id}/notes/{noteId}: facts → rules → write, one statement each.

export type DeleteFacts = NoteFacts;

export async function facts(db: Db, actor: Actor, dealId: number, noteId: number): Promise<DeleteFacts> {
  const [row] = await queryRows<NoteFactsRow>(
    db,
    sql`SELECT ${noteFactsSql(actor.companyId, dealId, noteId)}`,
  );
  return { ...row!, note: parseNote(row!.note) };
}

export interface DeletePlan {
  companyId: number;
  dealId: number;
  noteId: number;
  /** `deals.notes_delete` with the note's last state. */
  event: NoteEvent;
}

/** 404 without the visible deal, then without the company's note. */
export function rules(f: DeleteFacts, actor: Actor, dealId: number): DeletePlan {
  if (f.dealUuid === null) throw dealNotFound();
  if (f.note === null) throw noteNotFound();
  return {
    companyId: actor.companyId,
    dealId,
    noteId: f.note.id,
    event: noteEvent(
      'deals.notes_delete',
      actor,
      notePayloadPart(f.note.document, f.note.author, f.dealUuid),
    ),
  };
}

/** Deletes the note for good and records its event; a 404 when a concurrent delete won. */
export async function write(db: Db, plan: DeletePlan): Promise<void> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`WITH note AS (
        DELETE FROM deal_notes
        WHERE id = ${plan.noteId} AND deal_id = ${plan.dealId} AND company_id = ${plan.companyId}
          AND ${dealStillVisible(plan.companyId, plan.dealId)}
        RETURNING id, uuid, created_at, updated_at),
      outbox AS (${noteOutbox(plan.event, sql`note`)})
      SELECT id FROM note`,
  );
  if (rows.length === 0) throw noteNotFound();
}
