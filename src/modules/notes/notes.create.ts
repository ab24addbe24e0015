import { sql } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { queryRows } from '../../db/statement.js';
import {
  type Actor,
  activeUserIds,
  mentionsOrThrow,
  type NoteAuthor,
  type NoteEvent,
  type NoteRow,
  noteEvent,
  noteOutbox,
  notePayloadPart,
  noteResponse,
} from './notes.command.js';
import type { CreateNoteInput, NoteOut } from './notes.schemas.js';
import {
  type IdKey,
  idKey,
  type NoteSubject,
  type ParentId,
  type ParentUuid,
  uuidKey,
} from './notes.subject.js';

// POST /v1/<parents>/{id}/notes: facts → rules → write, one statement each.

export type CreateFacts<K extends string> = ParentUuid<K> & {
  /** The user the key acts as, the note's author; null for a key without a user. */
  author: NoteAuthor | null;
  /** Which of the mentioned ids are active users of the company. */
  activeMentions: number[];
};

export async function facts<K extends string>(
  subject: NoteSubject<K>,
  db: Db,
  actor: Actor,
  parentId: number,
  input: CreateNoteInput,
): Promise<CreateFacts<K>> {
  const [row] = await queryRows<CreateFacts<K>>(
    db,
    sql`SELECT ${subject.parentUuid(actor.companyId, parentId)} AS ${sql.identifier(uuidKey(subject))},
      (SELECT json_build_object('id', u.id, 'uuid', u.uuid, 'email', u.email,
          'first_name', u.first_name, 'last_name', u.last_name)
        FROM users u WHERE u.id = ${actor.userId}) AS author,
      ${activeUserIds(actor.companyId, input.mentions ?? [])} AS "activeMentions"`,
  );
  return row!;
}

export type CreatePlan<K extends string> = ParentId<K> & {
  companyId: number;
  authorId: number | null;
  author: NoteAuthor | null;
  document: Record<string, unknown>;
  attachments: string[];
  mentions: number[];
  event: NoteEvent;
};

/** 404 without the parent; a 400 naming every mention that is not an active user. */
export function rules<K extends string>(
  subject: NoteSubject<K>,
  f: CreateFacts<K>,
  actor: Actor,
  parentId: number,
  input: CreateNoteInput,
): CreatePlan<K> {
  const parentUuid = (f as ParentUuid<K>)[uuidKey(subject)];
  if (parentUuid === null) throw subject.parentNotFound();
  const mentions = mentionsOrThrow(input.mentions ?? [], f.activeMentions);
  return {
    [idKey(subject)]: parentId,
    companyId: actor.companyId,
    authorId: actor.userId,
    author: f.author,
    document: input.document,
    attachments: input.attachments ?? [],
    mentions,
    event: noteEvent(
      subject,
      subject.events.create,
      actor,
      notePayloadPart(subject, input.document, f.author, parentUuid),
      mentions,
    ),
  } as CreatePlan<K>;
}

/** The note and its create event; a 404 if the parent went since the facts. */
export async function write<K extends string, C extends string>(
  subject: NoteSubject<K, C>,
  db: Db,
  plan: CreatePlan<K>,
): Promise<NoteOut<C>> {
  const parentId = (plan as ParentId<K>)[idKey(subject) as IdKey<K>];
  const column = sql.identifier(subject.parentColumn);
  const [row] = await queryRows<NoteRow>(
    db,
    sql`WITH note AS (
        INSERT INTO ${sql.identifier(subject.table)} (${column}, company_id, created_by_user_id, document, attachments, mentions)
        SELECT ${parentId}::int, ${plan.companyId}::int, ${plan.authorId}::int,
          ${JSON.stringify(plan.document)}::jsonb, ${JSON.stringify(plan.attachments)}::jsonb,
          ${sql.param(plan.mentions)}::int[]
        WHERE ${subject.parentVisible(plan.companyId, parentId)}
        RETURNING id, uuid, ${column} AS parent_id, document, attachments, mentions, created_at, updated_at),
      outbox AS (${noteOutbox(subject, plan.event, sql`note`)})
      SELECT * FROM note`,
  );
  if (!row) throw subject.parentNotFound();
  return noteResponse(subject, row, plan.author);
}
