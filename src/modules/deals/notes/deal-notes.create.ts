import { sql } from 'drizzle-orm';
import type { Db } from '../../../db/database.js';
import { queryRows } from '../../../db/statement.js';
import { mentionsOrThrow } from '../../leads/index.js';
import {
  type Actor,
  activeUserIds,
  dealNotFound,
  dealStillVisible,
  type NoteAuthor,
  type NoteEvent,
  type NoteRow,
  noteEvent,
  noteOutbox,
  notePayloadPart,
  noteResponse,
  visibleDealUuid,
} from './deal-notes.command.js';
import type { CreateDealNoteInput, DealNoteOut } from './deal-notes.schemas.js';

// POST /v1/deals/{id}/notes: facts → rules → write, one statement each.

export interface CreateFacts {
  /** The visible deal's uuid; null when the company sees no such live deal. */
  dealUuid: string | null;
  /** The user the key acts as, the note's author; null for a key without a user. */
  author: NoteAuthor | null;
  /** Which of the mentioned ids are active users of the company. */
  activeMentions: number[];
}

export async function facts(
  db: Db,
  actor: Actor,
  dealId: number,
  input: CreateDealNoteInput,
): Promise<CreateFacts> {
  const [row] = await queryRows<CreateFacts>(
    db,
    sql`SELECT ${visibleDealUuid(actor.companyId, dealId)} AS "dealUuid",
      (SELECT json_build_object('id', u.id, 'uuid', u.uuid, 'email', u.email,
          'first_name', u.first_name, 'last_name', u.last_name)
        FROM users u WHERE u.id = ${actor.userId}) AS author,
      ${activeUserIds(actor.companyId, input.mentions ?? [])} AS "activeMentions"`,
  );
  return row!;
}

export interface CreatePlan {
  dealId: number;
  companyId: number;
  authorId: number | null;
  author: NoteAuthor | null;
  document: Record<string, unknown>;
  attachments: string[];
  mentions: number[];
  event: NoteEvent;
}

/** 404 without the visible deal; a 400 naming every mention that is not an active user. */
export function rules(f: CreateFacts, actor: Actor, dealId: number, input: CreateDealNoteInput): CreatePlan {
  if (f.dealUuid === null) throw dealNotFound();
  const mentions = mentionsOrThrow(input.mentions ?? [], f.activeMentions);
  return {
    dealId,
    companyId: actor.companyId,
    authorId: actor.userId,
    author: f.author,
    document: input.document,
    attachments: input.attachments ?? [],
    mentions,
    event: noteEvent(
      'deals.notes_create',
      actor,
      notePayloadPart(input.document, f.author, f.dealUuid),
      mentions,
    ),
  };
}

/** The note and its `deals.notes_create` event; a 404 if the deal went since the facts. */
export async function write(db: Db, plan: CreatePlan): Promise<DealNoteOut> {
  const [row] = await queryRows<NoteRow>(
    db,
    sql`WITH note AS (
        INSERT INTO deal_notes (deal_id, company_id, created_by_user_id, document, attachments, mentions)
        SELECT ${plan.dealId}::int, ${plan.companyId}::int, ${plan.authorId}::int,
          ${JSON.stringify(plan.document)}::jsonb, ${JSON.stringify(plan.attachments)}::jsonb,
          ${sql.param(plan.mentions)}::int[]
        WHERE ${dealStillVisible(plan.companyId, plan.dealId)}
        RETURNING id, uuid, deal_id, document, attachments, mentions, created_at, updated_at),
      outbox AS (${noteOutbox(plan.event, sql`note`)})
      SELECT * FROM note`,
  );
  if (!row) throw dealNotFound();
  return noteResponse(row, plan.author);
}
