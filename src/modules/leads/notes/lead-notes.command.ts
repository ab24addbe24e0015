import { type SQL, sql } from 'drizzle-orm';
import type { AuthContext } from '../../../core/auth-context.js';
import { ApiError, notFound } from '../../../core/errors.js';
import { FieldProblems } from '../../../core/field-problems.js';
import { outboxInsert } from '../../../db/outbox.js';
import { isoText } from '../../../db/statement.js';
import type { EventType } from '../../events/index.js';
import { LEAD_MESSAGES } from '../leads.schemas.js';
import type { LeadNoteOut } from './lead-notes.schemas.js';
import { documentToText, type ProseMirrorNode } from './note-document.js';

// What the three note commands (lead-notes.create / .update / .delete) share: the caller, the
// author, the mention rule, the facts' SQL pieces and the event the write records.

/** Who writes: the key's company, the key, and the user the key acts as (may be null). */
export type Actor = Pick<AuthContext, 'companyId' | 'keyId' | 'userId'>;

/** A note's author as its payload and its response name them; null for a key without a user. */
export interface NoteAuthor {
  id: number;
  uuid: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
}

export const leadNotFound = () => new ApiError('not_found', LEAD_MESSAGES.notFound);
export const noteNotFound = () => notFound('Note');

/**
 * The mentioned ids once each, in order; every one that is not an active user of the company
 * (`active`, from the facts) is a problem at its own index, all reported in one 400.
 */
export function mentionsOrThrow(mentions: readonly number[], active: readonly number[]): number[] {
  const known = new Set(active);
  const problems = new FieldProblems();
  mentions.forEach((id, i) => {
    if (!known.has(id)) problems.add(['mentions', i], `no active user with id ${id} in your company`);
  });
  problems.throwIfAny();
  return [...new Set(mentions)];
}

/**
 * Journeybee's lead-note webhook payload (reference §3a) but for what the write's row supplies
 * (`uuid`, `created_at`): the author and lead by uuid, the document as plain text. The same
 * shape for create, update and delete (its final state).
 */
export type NotePayloadPart = Record<
  'document' | 'user_uuid' | 'user_email' | 'user_first_name' | 'user_last_name' | 'lead_uuid',
  string | null
>;

export function notePayloadPart(
  document: unknown,
  author: NoteAuthor | null,
  leadUuid: string,
): NotePayloadPart {
  return {
    document: documentToText(document as ProseMirrorNode),
    user_uuid: author?.uuid ?? null,
    user_email: author?.email ?? null,
    user_first_name: author?.first_name ?? null,
    user_last_name: author?.last_name ?? null,
    lead_uuid: leadUuid,
  };
}

/** What a write needs to record a note's event. */
export interface NoteEvent {
  type: EventType;
  companyId: number;
  apiKeyId: number | null;
  actorUserId: number | null;
  payload: NotePayloadPart;
}

export const noteEvent = (type: EventType, actor: Actor, payload: NotePayloadPart): NoteEvent => ({
  type,
  companyId: actor.companyId,
  apiKeyId: actor.keyId,
  actorUserId: actor.userId,
  payload,
});

/**
 * The outbox CTE recording `event` for the note the CTE `note` wrote (one row, or none: then no
 * event): the payload is the rules' part completed with the row's uuid and creation time.
 * `meta` stays empty: the relay finds a note's new mentions on the stored note.
 */
export function noteOutbox(event: NoteEvent, note: SQL): SQL {
  return outboxInsert(sql`SELECT ${event.companyId}::int, ${event.type}::text,
      jsonb_build_object('note', ${JSON.stringify(event.payload)}::jsonb || jsonb_build_object(
        'uuid', n.uuid,
        'created_at', ${isoText(sql`n.created_at`)})),
      ${event.apiKeyId}::int, ${event.actorUserId}::int, NULL::jsonb
    FROM ${note} n`);
}

/** `leads.uuid` of the company's live lead `leadId` (NULL when none), for a facts statement. */
export const liveLeadUuid = (companyId: number, leadId: number): SQL =>
  sql`(SELECT l.uuid FROM leads l
    WHERE l.id = ${leadId} AND l.company_id = ${companyId} AND l.deleted_at IS NULL)`;

/** Which of `ids` are active users of the company, for a facts statement. */
export const activeUserIds = (companyId: number, ids: readonly number[]): SQL =>
  sql`(SELECT coalesce(array_agg(u.id), '{}') FROM users u
    WHERE u.company_id = ${companyId} AND u.disabled_at IS NULL
      AND u.id = ANY(${sql.param([...new Set(ids)])}::int[]))`;

/** A guard for a write: the lead is still live (a concurrent delete makes the write a no-op). */
export const leadStillLive = (companyId: number, leadId: number): SQL =>
  sql`EXISTS (SELECT 1 FROM leads l
    WHERE l.id = ${leadId} AND l.company_id = ${companyId} AND l.deleted_at IS NULL)`;

/** A note as the update and delete facts read it, with its author (left joined). */
export interface StoredNote {
  id: number;
  document: Record<string, unknown>;
  updated_at: Date;
  author: NoteAuthor | null;
}

export interface NoteFacts {
  /** The live lead's uuid; null when the company has no such live lead. */
  leadUuid: string | null;
  /** The note on that lead; null when it has none with this id. */
  note: StoredNote | null;
}

/**
 * The select list and FROM clause of a facts statement about the note `noteId` of the live lead
 * `leadId` (one row, whatever exists): `NoteFactsRow`, for `parseNote`.
 */
export function noteFactsSql(companyId: number, leadId: number, noteId: number): SQL {
  return sql`l.uuid AS "leadUuid",
    CASE WHEN n.id IS NULL THEN NULL ELSE json_build_object('id', n.id, 'document', n.document,
      'updated_at', ${isoText(sql`n.updated_at`)},
      'author', CASE WHEN u.id IS NULL THEN NULL ELSE json_build_object('id', u.id, 'uuid', u.uuid,
        'email', u.email, 'first_name', u.first_name, 'last_name', u.last_name) END) END AS note
    FROM (SELECT 1) one
    LEFT JOIN leads l ON l.id = ${leadId} AND l.company_id = ${companyId} AND l.deleted_at IS NULL
    LEFT JOIN lead_notes n ON n.id = ${noteId} AND n.lead_id = l.id AND n.company_id = ${companyId}
    LEFT JOIN users u ON u.id = n.created_by_user_id`;
}

/** What pg parses of `noteFactsSql` (json: the timestamp is a string, as toISOString writes it). */
export type NoteFactsRow = Omit<NoteFacts, 'note'> & {
  note: (Omit<StoredNote, 'updated_at'> & { updated_at: string }) | null;
};

export const parseNote = (note: NoteFactsRow['note']): StoredNote | null =>
  note && { ...note, updated_at: new Date(note.updated_at) };

/** A stored note as the write returns it. */
export interface NoteRow {
  id: number;
  uuid: string;
  lead_id: number;
  document: Record<string, unknown>;
  attachments: string[];
  mentions: number[];
  created_at: Date;
  updated_at: Date;
}

export function noteResponse(row: NoteRow, author: NoteAuthor | null): LeadNoteOut {
  return {
    id: row.id,
    uuid: row.uuid,
    lead_id: row.lead_id,
    document: row.document,
    content: row.document,
    attachments: row.attachments,
    mentions: row.mentions,
    created_by: author && { id: author.id, first_name: author.first_name, last_name: author.last_name },
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
