import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../../db/database.js';
import { queryRows } from '../../../db/statement.js';
import { mentionsOrThrow } from '../../leads/index.js';
import {
  type Actor,
  activeUserIds,
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
import type { UpdateDealNoteInput, UpdatedDealNoteOut } from './deal-notes.schemas.js';

// PATCH /v1/deals/{id}/notes/{noteId}: facts → rules → write, one statement each (a body that
// changes nothing is answered from the facts, with no write and no event).

export type UpdateFacts = NoteFacts & {
  /** Which of the mentioned ids are active users of the company. */
  activeMentions: number[];
};

export async function facts(
  db: Db,
  actor: Actor,
  dealId: number,
  noteId: number,
  input: UpdateDealNoteInput,
): Promise<UpdateFacts> {
  const [row] = await queryRows<NoteFactsRow & { activeMentions: number[] }>(
    db,
    sql`SELECT ${activeUserIds(actor.companyId, input.mentions ?? [])} AS "activeMentions",
      ${noteFactsSql(actor.companyId, dealId, noteId)}`,
  );
  return { ...row!, note: parseNote(row!.note) };
}

export type NoteChanges = Partial<Pick<UpdateDealNoteInput, 'document' | 'attachments' | 'mentions'>>;

export type UpdatePlan =
  | { unchanged: UpdatedDealNoteOut }
  | { companyId: number; dealId: number; noteId: number; changes: NoteChanges; event: NoteEvent };

/**
 * 404 without the visible deal, then without the company's note; a 400 naming every mention
 * that is not an active user. The users mentioned now and not before are notified.
 */
export function rules(f: UpdateFacts, actor: Actor, dealId: number, input: UpdateDealNoteInput): UpdatePlan {
  if (f.dealUuid === null) throw dealNotFound();
  if (f.note === null) throw noteNotFound();
  const { mentions, ...fields } = input;
  const changes: NoteChanges = mentions
    ? { ...fields, mentions: mentionsOrThrow(mentions, f.activeMentions) }
    : fields;
  if (Object.keys(changes).length === 0) {
    return { unchanged: { id: f.note.id, updated_at: f.note.updated_at } };
  }
  const before = new Set(f.note.mentions);
  const added = (changes.mentions ?? []).filter((id) => !before.has(id));
  const document = changes.document ?? f.note.document;
  return {
    companyId: actor.companyId,
    dealId,
    noteId: f.note.id,
    changes,
    event: noteEvent(
      'deals.notes_update',
      actor,
      notePayloadPart(document, f.note.author, f.dealUuid),
      added,
    ),
  };
}

/** The changed note and its `deals.notes_update` event; a 404 if the note went since the facts. */
export async function write(db: Db, plan: UpdatePlan): Promise<UpdatedDealNoteOut> {
  if ('unchanged' in plan) return plan.unchanged;
  const { changes } = plan;
  const set: SQL[] = [];
  if (changes.document !== undefined) set.push(sql`document = ${JSON.stringify(changes.document)}::jsonb`);
  if (changes.attachments !== undefined)
    set.push(sql`attachments = ${JSON.stringify(changes.attachments)}::jsonb`);
  if (changes.mentions !== undefined) set.push(sql`mentions = ${sql.param(changes.mentions)}::int[]`);
  set.push(sql`updated_at = now()`);
  const [row] = await queryRows<UpdatedDealNoteOut>(
    db,
    sql`WITH note AS (
        UPDATE deal_notes SET ${sql.join(set, sql`, `)}
        WHERE id = ${plan.noteId} AND deal_id = ${plan.dealId} AND company_id = ${plan.companyId}
          AND ${dealStillVisible(plan.companyId, plan.dealId)}
        RETURNING id, uuid, created_at, updated_at),
      outbox AS (${noteOutbox(plan.event, sql`note`)})
      SELECT id, updated_at FROM note`,
  );
  if (!row) throw noteNotFound();
  return row;
}
