import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { queryRows } from '../../db/statement.js';
import {
  type Actor,
  activeUserIds,
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
} from './notes.command.js';
import type { UpdatedNoteOut, UpdateNoteInput } from './notes.schemas.js';
import { idKey, type NoteSubject, type ParentId, type ParentUuid, uuidKey } from './notes.subject.js';

// PATCH /v1/<parents>/{id}/notes/{noteId}: facts → rules → write, one statement each (a body
// that changes nothing is answered from the facts, with no write and no event).

export type UpdateFacts<K extends string> = NoteFacts<K> & {
  /** Which of the mentioned ids are active users of the company. */
  activeMentions: number[];
};

export async function facts<K extends string>(
  subject: NoteSubject<K>,
  db: Db,
  actor: Actor,
  parentId: number,
  noteId: number,
  input: UpdateNoteInput,
): Promise<UpdateFacts<K>> {
  const [row] = await queryRows<NoteFactsRow<K> & { activeMentions: number[] }>(
    db,
    sql`SELECT ${activeUserIds(actor.companyId, input.mentions ?? [])} AS "activeMentions",
      ${noteFactsSql(subject, actor.companyId, parentId, noteId)}`,
  );
  return { ...row!, note: parseNote(row!.note) };
}

/** The columns a PATCH sets; only those sent. */
export type NoteChanges = Partial<Pick<UpdateNoteInput, 'document' | 'attachments' | 'mentions'>>;

export type UpdatePlan<K extends string> =
  /** Nothing to change: the answer is the note as it is. */
  | { unchanged: UpdatedNoteOut }
  | (ParentId<K> & { companyId: number; noteId: number; changes: NoteChanges; event: NoteEvent });

/**
 * 404 without the parent, then without the company's note; a 400 naming every mention that is
 * not an active user. With the subject's `mentionNotice`, the users mentioned now and not
 * before are notified.
 */
export function rules<K extends string>(
  subject: NoteSubject<K>,
  f: UpdateFacts<K>,
  actor: Actor,
  parentId: number,
  input: UpdateNoteInput,
): UpdatePlan<K> {
  const parentUuid = (f as ParentUuid<K>)[uuidKey(subject)];
  if (parentUuid === null) throw subject.parentNotFound();
  if (f.note === null) throw noteNotFound();
  const { mentions, ...fields } = input;
  const changes: NoteChanges = mentions
    ? { ...fields, mentions: mentionsOrThrow(mentions, f.activeMentions) }
    : fields;
  if (Object.keys(changes).length === 0) {
    return { unchanged: { id: f.note.id, updated_at: f.note.updated_at } };
  }
  const before = new Set(f.note.mentions ?? []);
  const added = (changes.mentions ?? []).filter((id) => !before.has(id));
  const document = changes.document ?? f.note.document;
  return {
    companyId: actor.companyId,
    [idKey(subject)]: parentId,
    noteId: f.note.id,
    changes,
    event: noteEvent(
      subject,
      subject.events.update,
      actor,
      notePayloadPart(subject, document, f.note.author, parentUuid),
      added,
    ),
  } as UpdatePlan<K>;
}

/** The changed note and its update event; a 404 if the note went since the facts. */
export async function write<K extends string>(
  subject: NoteSubject<K>,
  db: Db,
  plan: UpdatePlan<K>,
): Promise<UpdatedNoteOut> {
  if ('unchanged' in plan) return plan.unchanged;
  const { changes } = plan;
  const parentId = (plan as ParentId<K>)[idKey(subject)];
  const set: SQL[] = [];
  if (changes.document !== undefined) set.push(sql`document = ${JSON.stringify(changes.document)}::jsonb`);
  if (changes.attachments !== undefined)
    set.push(sql`attachments = ${JSON.stringify(changes.attachments)}::jsonb`);
  if (changes.mentions !== undefined) set.push(sql`mentions = ${sql.param(changes.mentions)}::int[]`);
  set.push(sql`updated_at = now()`);
  const [row] = await queryRows<UpdatedNoteOut>(
    db,
    sql`WITH note AS (
        UPDATE ${sql.identifier(subject.table)} SET ${sql.join(set, sql`, `)}
        WHERE id = ${plan.noteId} AND ${sql.identifier(subject.parentColumn)} = ${parentId}
          AND company_id = ${plan.companyId}
          AND ${subject.parentVisible(plan.companyId, parentId)}
        RETURNING id, uuid, created_at, updated_at),
      outbox AS (${noteOutbox(subject, plan.event, sql`note`)})
      SELECT id, updated_at FROM note`,
  );
  if (!row) throw noteNotFound();
  return row;
}
