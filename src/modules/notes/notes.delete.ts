import { sql } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { queryRows } from '../../db/statement.js';
import {
  type Actor,
  type NoteEvent,
  type NoteFacts,
  type NoteFactsRow,
  noteEvent,
  noteFactsSql,
  noteNotFound,
  noteOutbox,
  notePayloadPart,
  parseNote,
} from './notes.command.js';
import { idKey, type NoteSubject, type ParentId, type ParentUuid, uuidKey } from './notes.subject.js';

// DELETE /v1/<parents>/{id}/notes/{noteId}: facts → rules → write, one statement each.

export type DeleteFacts<K extends string> = NoteFacts<K>;

export async function facts<K extends string>(
  subject: NoteSubject<K>,
  db: Db,
  actor: Actor,
  parentId: number,
  noteId: number,
): Promise<DeleteFacts<K>> {
  const [row] = await queryRows<NoteFactsRow<K>>(
    db,
    sql`SELECT ${noteFactsSql(subject, actor.companyId, parentId, noteId)}`,
  );
  return { ...row!, note: parseNote(row!.note) };
}

export type DeletePlan<K extends string> = ParentId<K> & {
  companyId: number;
  noteId: number;
  /** The delete event with the note's last state. */
  event: NoteEvent;
};

/** 404 without the parent, then without the company's note. */
export function rules<K extends string>(
  subject: NoteSubject<K>,
  f: DeleteFacts<K>,
  actor: Actor,
  parentId: number,
): DeletePlan<K> {
  const parentUuid = (f as ParentUuid<K>)[uuidKey(subject)];
  if (parentUuid === null) throw subject.parentNotFound();
  if (f.note === null) throw noteNotFound();
  return {
    companyId: actor.companyId,
    [idKey(subject)]: parentId,
    noteId: f.note.id,
    event: noteEvent(
      subject,
      subject.events.delete,
      actor,
      notePayloadPart(subject, f.note.document, f.note.author, parentUuid),
    ),
  } as DeletePlan<K>;
}

/** Deletes the note for good and records its event; a 404 when a concurrent delete won. */
export async function write<K extends string>(
  subject: NoteSubject<K>,
  db: Db,
  plan: DeletePlan<K>,
): Promise<void> {
  const parentId = (plan as ParentId<K>)[idKey(subject)];
  const rows = await queryRows<{ id: number }>(
    db,
    sql`WITH note AS (
        DELETE FROM ${sql.identifier(subject.table)}
        WHERE id = ${plan.noteId} AND ${sql.identifier(subject.parentColumn)} = ${parentId}
          AND company_id = ${plan.companyId}
          AND ${subject.parentVisible(plan.companyId, parentId)}
        RETURNING id, uuid, created_at, updated_at),
      outbox AS (${noteOutbox(subject, plan.event, sql`note`)})
      SELECT id FROM note`,
  );
  if (rows.length === 0) throw noteNotFound();
}
