import { type SQL, sql } from 'drizzle-orm';
import type { AuthContext } from '../../../core/auth-context.js';
import { ApiError, notFound } from '../../../core/errors.js';
import { outboxInsert } from '../../../db/outbox.js';
import { isoText } from '../../../db/statement.js';
import type { EventMeta, EventType } from '../../events/index.js';
import { documentToText, type NoteAuthor, type ProseMirrorNode } from '../../leads/index.js';
import { DEAL_MESSAGES } from '../deals.schemas.js';
import type { DealNoteOut } from './deal-notes.schemas.js';

// What the three deal-note commands (deal-notes.create / .update / .delete) share. A deal note
// belongs to one side of the deal: `deal_notes.company_id` is the writer's company, and every
// statement is scoped to it, so a partner's notes are invisible (404) to the owner and back.

/** Who writes: the caller's company, the key, and the user it acts as (may be null). */
export type Actor = Pick<AuthContext, 'companyId' | 'keyId' | 'userId'>;

export type { NoteAuthor };

export const dealNotFound = () => new ApiError('not_found', DEAL_MESSAGES.notFound);
export const noteNotFound = () => notFound('Note');

/**
 * The deal note webhook payload (reference §3a `deal_note_*`, the lead-note shape with
 * `lead_deal_uuid`) but for what the write's row supplies (`uuid`, `created_at`, `updated_at`).
 */
export type NotePayloadPart = Record<
  'document' | 'user_uuid' | 'user_email' | 'user_first_name' | 'user_last_name' | 'lead_deal_uuid',
  string | null
>;

export function notePayloadPart(
  document: unknown,
  author: NoteAuthor | null,
  dealUuid: string,
): NotePayloadPart {
  return {
    document: documentToText(document as ProseMirrorNode),
    user_uuid: author?.uuid ?? null,
    user_email: author?.email ?? null,
    user_first_name: author?.first_name ?? null,
    user_last_name: author?.last_name ?? null,
    lead_deal_uuid: dealUuid,
  };
}

/** What a write needs to record a note's event. */
export interface NoteEvent {
  type: EventType;
  companyId: number;
  apiKeyId: number | null;
  actorUserId: number | null;
  payload: NotePayloadPart;
  /** The users newly mentioned (notified by the relay), when there are any. */
  meta: EventMeta | null;
}

export const noteEvent = (
  type: EventType,
  actor: Actor,
  payload: NotePayloadPart,
  notify: readonly number[] = [],
): NoteEvent => ({
  type,
  companyId: actor.companyId,
  apiKeyId: actor.keyId,
  actorUserId: actor.userId,
  payload,
  meta: notify.length > 0 ? { notifyUserIds: [...notify], reason: 'deal_note_mention' } : null,
});

/**
 * The outbox CTE recording `event` for the note the CTE `note` wrote (one row, or none: then no
 * event), completed with the row's uuid and times.
 */
export function noteOutbox(event: NoteEvent, note: SQL): SQL {
  return outboxInsert(sql`SELECT ${event.companyId}::int, ${event.type}::text,
      jsonb_build_object('note', ${JSON.stringify(event.payload)}::jsonb || jsonb_build_object(
        'uuid', n.uuid,
        'created_at', ${isoText(sql`n.created_at`)},
        'updated_at', ${isoText(sql`n.updated_at`)})),
      ${event.apiKeyId}::int, ${event.actorUserId}::int,
      ${event.meta === null ? null : JSON.stringify(event.meta)}::jsonb
    FROM ${note} n`);
}

/** `deals.uuid` of a live deal the company has a side of (NULL when none), for a facts statement. */
export const visibleDealUuid = (companyId: number, dealId: number): SQL =>
  sql`(SELECT d.uuid FROM deal_sides s JOIN deals d ON d.id = s.deal_id AND d.deleted_at IS NULL
    WHERE s.deal_id = ${dealId} AND s.company_id = ${companyId})`;

/** A guard for a write: the company still has a side of the live deal. */
export const dealStillVisible = (companyId: number, dealId: number): SQL =>
  sql`EXISTS (SELECT 1 FROM deal_sides s JOIN deals d ON d.id = s.deal_id AND d.deleted_at IS NULL
    WHERE s.deal_id = ${dealId} AND s.company_id = ${companyId})`;

/** Which of `ids` are active users of the company, for a facts statement. */
export const activeUserIds = (companyId: number, ids: readonly number[]): SQL =>
  sql`(SELECT coalesce(array_agg(u.id), '{}') FROM users u
    WHERE u.company_id = ${companyId} AND u.disabled_at IS NULL
      AND u.id = ANY(${sql.param([...new Set(ids)])}::int[]))`;

/** A note as the update and delete facts read it, with its author (left joined). */
export interface StoredNote {
  id: number;
  document: Record<string, unknown>;
  mentions: number[];
  updated_at: Date;
  author: NoteAuthor | null;
}

export interface NoteFacts {
  /** The visible deal's uuid; null when the company sees no such live deal. */
  dealUuid: string | null;
  /** The company's note on that deal; null when it has none with this id. */
  note: StoredNote | null;
}

/** The select list and FROM clause of a facts statement about the company's note `noteId` on deal `dealId`. */
export function noteFactsSql(companyId: number, dealId: number, noteId: number): SQL {
  return sql`${visibleDealUuid(companyId, dealId)} AS "dealUuid",
    CASE WHEN n.id IS NULL THEN NULL ELSE json_build_object('id', n.id, 'document', n.document,
      'mentions', n.mentions, 'updated_at', ${isoText(sql`n.updated_at`)},
      'author', CASE WHEN u.id IS NULL THEN NULL ELSE json_build_object('id', u.id, 'uuid', u.uuid,
        'email', u.email, 'first_name', u.first_name, 'last_name', u.last_name) END) END AS note
    FROM (SELECT 1) one
    LEFT JOIN deal_notes n ON n.id = ${noteId} AND n.deal_id = ${dealId} AND n.company_id = ${companyId}
    LEFT JOIN users u ON u.id = n.created_by_user_id`;
}

export type NoteFactsRow = Omit<NoteFacts, 'note'> & {
  note: (Omit<StoredNote, 'updated_at'> & { updated_at: string }) | null;
};

export const parseNote = (note: NoteFactsRow['note']): StoredNote | null =>
  note && { ...note, updated_at: new Date(note.updated_at) };

/** A stored note as the write returns it. */
export interface NoteRow {
  id: number;
  uuid: string;
  deal_id: number;
  document: Record<string, unknown>;
  attachments: string[];
  mentions: number[];
  created_at: Date;
  updated_at: Date;
}

export function noteResponse(row: NoteRow, author: NoteAuthor | null): DealNoteOut {
  return {
    id: row.id,
    uuid: row.uuid,
    deal_id: row.deal_id,
    document: row.document,
    content: row.document,
    attachments: row.attachments,
    mentions: row.mentions,
    created_by: author && { id: author.id, first_name: author.first_name, last_name: author.last_name },
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
