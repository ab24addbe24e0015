import { sql } from 'drizzle-orm';
import type { Db } from '../../../db/database.js';
import { queryRows } from '../../../db/statement.js';
import {
  type Actor,
  activeUserIds,
  leadNotFound,
  leadStillLive,
  liveLeadUuid,
  mentionsOrThrow,
  type NoteAuthor,
  type NoteEvent,
  type NoteRow,
  noteEvent,
  noteOutbox,
  notePayloadPart,
  noteResponse,
} from './lead-notes.command.js';
import type { CreateLeadNoteInput, LeadNoteOut } from './lead-notes.schemas.js';

// POST /v1/leads/{id}/notes: facts → rules → write, one statement each.

export interface CreateFacts {
  /** The live lead's uuid; null when the company has no such live lead. */
  leadUuid: string | null;
  /** The user the key acts as, the note's author; null for a key without a user. */
  author: NoteAuthor | null;
  /** Which of the mentioned ids are active users of the company. */
  activeMentions: number[];
}

export async function facts(
  db: Db,
  actor: Actor,
  leadId: number,
  input: CreateLeadNoteInput,
): Promise<CreateFacts> {
  const [row] = await queryRows<CreateFacts>(
    db,
    sql`SELECT ${liveLeadUuid(actor.companyId, leadId)} AS "leadUuid",
      (SELECT json_build_object('id', u.id, 'uuid', u.uuid, 'email', u.email,
          'first_name', u.first_name, 'last_name', u.last_name)
        FROM users u WHERE u.id = ${actor.userId}) AS author,
      ${activeUserIds(actor.companyId, input.mentions ?? [])} AS "activeMentions"`,
  );
  return row!;
}

export interface CreatePlan {
  leadId: number;
  companyId: number;
  authorId: number | null;
  author: NoteAuthor | null;
  document: Record<string, unknown>;
  attachments: string[];
  mentions: number[];
  event: NoteEvent;
}

/** 404 without the live lead; a 400 naming every mention that is not an active user. */
export function rules(f: CreateFacts, actor: Actor, leadId: number, input: CreateLeadNoteInput): CreatePlan {
  if (f.leadUuid === null) throw leadNotFound();
  const mentions = mentionsOrThrow(input.mentions ?? [], f.activeMentions);
  return {
    leadId,
    companyId: actor.companyId,
    authorId: actor.userId,
    author: f.author,
    document: input.document,
    attachments: input.attachments ?? [],
    mentions,
    event: noteEvent('leads.notes_create', actor, notePayloadPart(input.document, f.author, f.leadUuid)),
  };
}

/** The note and its `leads.notes_create` event; a 404 if the lead was deleted since the facts. */
export async function write(db: Db, plan: CreatePlan): Promise<LeadNoteOut> {
  const [row] = await queryRows<NoteRow>(
    db,
    sql`WITH note AS (
        INSERT INTO lead_notes (lead_id, company_id, created_by_user_id, document, attachments, mentions)
        SELECT ${plan.leadId}::int, ${plan.companyId}::int, ${plan.authorId}::int,
          ${JSON.stringify(plan.document)}::jsonb, ${JSON.stringify(plan.attachments)}::jsonb,
          ${sql.param(plan.mentions)}::int[]
        WHERE ${leadStillLive(plan.companyId, plan.leadId)}
        RETURNING id, uuid, lead_id, document, attachments, mentions, created_at, updated_at),
      outbox AS (${noteOutbox(plan.event, sql`note`)})
      SELECT * FROM note`,
  );
  if (!row) throw leadNotFound();
  return noteResponse(row, plan.author);
}
