import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../../db/database.js';
import { queryRows } from '../../../db/statement.js';
import {
  type Actor,
  activeUserIds,
  leadNotFound,
  leadStillLive,
  mentionsOrThrow,
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
import type { UpdatedLeadNoteOut, UpdateLeadNoteInput } from './lead-notes.schemas.js';

// PATCH /v1/leads/{id}/notes/{noteId}: facts → rules → write, one statement each (a body that
// changes nothing is answered from the facts, with no write and no event).

export type UpdateFacts = NoteFacts & {
  /** Which of the mentioned ids are active users of the company. */
  activeMentions: number[];
};

export async function facts(
  db: Db,
  actor: Actor,
  leadId: number,
  noteId: number,
  input: UpdateLeadNoteInput,
): Promise<UpdateFacts> {
  const [row] = await queryRows<NoteFactsRow & { activeMentions: number[] }>(
    db,
    sql`SELECT ${activeUserIds(actor.companyId, input.mentions ?? [])} AS "activeMentions",
      ${noteFactsSql(actor.companyId, leadId, noteId)}`,
  );
  return { ...row!, note: parseNote(row!.note) };
}

/** The columns a PATCH sets; only those sent. */
export type NoteChanges = Partial<Pick<UpdateLeadNoteInput, 'document' | 'attachments' | 'mentions'>>;

export type UpdatePlan =
  /** Nothing to change: the answer is the note as it is. */
  | { unchanged: UpdatedLeadNoteOut }
  | {
      companyId: number;
      leadId: number;
      noteId: number;
      changes: NoteChanges;
      event: NoteEvent;
    };

/** 404 without the live lead, then without the note; a 400 naming every mention that is not an active user. */
export function rules(f: UpdateFacts, actor: Actor, leadId: number, input: UpdateLeadNoteInput): UpdatePlan {
  if (f.leadUuid === null) throw leadNotFound();
  if (f.note === null) throw noteNotFound();
  const { mentions, ...fields } = input;
  const changes: NoteChanges = mentions
    ? { ...fields, mentions: mentionsOrThrow(mentions, f.activeMentions) }
    : fields;
  if (Object.keys(changes).length === 0) {
    return { unchanged: { id: f.note.id, updated_at: f.note.updated_at } };
  }
  const document = changes.document ?? f.note.document;
  return {
    companyId: actor.companyId,
    leadId,
    noteId: f.note.id,
    changes,
    event: noteEvent('leads.notes_update', actor, notePayloadPart(document, f.note.author, f.leadUuid)),
  };
}

/** The changed note and its `leads.notes_update` event; a 404 if the note went since the facts. */
export async function write(db: Db, plan: UpdatePlan): Promise<UpdatedLeadNoteOut> {
  if ('unchanged' in plan) return plan.unchanged;
  const { changes } = plan;
  const set: SQL[] = [];
  if (changes.document !== undefined) set.push(sql`document = ${JSON.stringify(changes.document)}::jsonb`);
  if (changes.attachments !== undefined)
    set.push(sql`attachments = ${JSON.stringify(changes.attachments)}::jsonb`);
  if (changes.mentions !== undefined) set.push(sql`mentions = ${sql.param(changes.mentions)}::int[]`);
  set.push(sql`updated_at = now()`);
  const [row] = await queryRows<UpdatedLeadNoteOut>(
    db,
    sql`WITH note AS (
        UPDATE lead_notes SET ${sql.join(set, sql`, `)}
        WHERE id = ${plan.noteId} AND lead_id = ${plan.leadId} AND company_id = ${plan.companyId}
          AND ${leadStillLive(plan.companyId, plan.leadId)}
        RETURNING id, uuid, created_at, updated_at),
      outbox AS (${noteOutbox(plan.event, sql`note`)})
      SELECT id, updated_at FROM note`,
  );
  if (!row) throw noteNotFound();
  return row;
}
