import { type SQL, sql } from 'drizzle-orm';
import type { AuthContext } from '../../core/auth-context.js';
import { notFound } from '../../core/errors.js';
import { FieldProblems } from '../../core/field-problems.js';
import { outboxInsert } from '../../db/outbox.js';
import { isoText } from '../../db/statement.js';
import type { EventMeta, EventType } from '../events/index.js';
import { documentToText, type ProseMirrorNode } from './note-document.js';
import type { NoteOut } from './notes.schemas.js';
import type { NoteSubject, ParentUuid } from './notes.subject.js';

// What the three note commands (notes.create / .update / .delete) share: the caller, the
// author, the mention rule, the facts' SQL pieces and the event the write records, each as the
// subject (a lead, a deal) says.

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
 * The note webhook payload (reference §3a) but for what the write's row supplies (`uuid`,
 * `created_at`, and `updated_at` when the subject's payload has it): the author and the parent
 * by uuid (under the subject's `payloadParentKey`), the document as plain text. The same shape
 * for create, update and delete (its final state).
 */
export type NotePayloadPart = Record<string, string | null>;

export function notePayloadPart(
  subject: NoteSubject,
  document: unknown,
  author: NoteAuthor | null,
  parentUuid: string,
): NotePayloadPart {
  return {
    document: documentToText(document as ProseMirrorNode),
    user_uuid: author?.uuid ?? null,
    user_email: author?.email ?? null,
    user_first_name: author?.first_name ?? null,
    user_last_name: author?.last_name ?? null,
    [subject.payloadParentKey]: parentUuid,
  };
}

/** What a write needs to record a note's event. */
export interface NoteEvent {
  type: EventType;
  companyId: number;
  apiKeyId: number | null;
  actorUserId: number | null;
  payload: NotePayloadPart;
  /**
   * For a subject with a `mentionNotice`: the users newly mentioned, or null when there are
   * none. Absent otherwise (the relay finds a note's new mentions on the stored note).
   */
  meta?: EventMeta | null;
}

export function noteEvent(
  subject: NoteSubject,
  type: EventType,
  actor: Actor,
  payload: NotePayloadPart,
  notify: readonly number[] = [],
): NoteEvent {
  const event: NoteEvent = {
    type,
    companyId: actor.companyId,
    apiKeyId: actor.keyId,
    actorUserId: actor.userId,
    payload,
  };
  if (subject.mentionNotice === null) return event;
  return {
    ...event,
    meta: notify.length > 0 ? { notifyUserIds: [...notify], reason: subject.mentionNotice } : null,
  };
}

/**
 * The outbox CTE recording `event` for the note the CTE `note` wrote (one row, or none: then no
 * event): the payload is the rules' part completed with the row's uuid and times.
 */
export function noteOutbox(subject: NoteSubject, event: NoteEvent, note: SQL): SQL {
  const updatedAt = subject.payloadUpdatedAt
    ? sql`,
        'updated_at', ${isoText(sql`n.updated_at`)}`
    : sql``;
  return outboxInsert(sql`SELECT ${event.companyId}::int, ${event.type}::text,
      jsonb_build_object('note', ${JSON.stringify(event.payload)}::jsonb || jsonb_build_object(
        'uuid', n.uuid,
        'created_at', ${isoText(sql`n.created_at`)}${updatedAt})),
      ${event.apiKeyId}::int, ${event.actorUserId}::int,
      ${event.meta ? JSON.stringify(event.meta) : null}::jsonb
    FROM ${note} n`);
}

/** Which of `ids` are active users of the company, for a facts statement. */
export const activeUserIds = (companyId: number, ids: readonly number[]): SQL =>
  sql`(SELECT coalesce(array_agg(u.id), '{}') FROM users u
    WHERE u.company_id = ${companyId} AND u.disabled_at IS NULL
      AND u.id = ANY(${sql.param([...new Set(ids)])}::int[]))`;

/** A note as the update and delete facts read it, with its author (left joined). */
export interface StoredNote {
  id: number;
  document: Record<string, unknown>;
  /** Its mentions, read only for a subject with a `mentionNotice` (to tell the new ones). */
  mentions?: number[];
  updated_at: Date;
  author: NoteAuthor | null;
}

/** The parent's uuid (null when the company does not see it) and the note on it (null when none). */
export type NoteFacts<K extends string> = ParentUuid<K> & { note: StoredNote | null };

/**
 * The select list and FROM clause of a facts statement about the company's note `noteId` on the
 * parent `parentId` (one row, whatever exists): `NoteFactsRow`, for `parseNote`.
 */
export function noteFactsSql(subject: NoteSubject, companyId: number, parentId: number, noteId: number): SQL {
  const parent = subject.factsJoin?.(companyId, parentId) ?? {
    join: sql``,
    uuid: subject.parentUuid(companyId, parentId),
    id: sql`${parentId}`,
  };
  const mentions = subject.mentionNotice === null ? sql`` : sql`'mentions', n.mentions, `;
  return sql`${parent.uuid} AS ${sql.identifier(`${subject.key}Uuid`)},
    CASE WHEN n.id IS NULL THEN NULL ELSE json_build_object('id', n.id, 'document', n.document,
      ${mentions}'updated_at', ${isoText(sql`n.updated_at`)},
      'author', CASE WHEN u.id IS NULL THEN NULL ELSE json_build_object('id', u.id, 'uuid', u.uuid,
        'email', u.email, 'first_name', u.first_name, 'last_name', u.last_name) END) END AS note
    FROM (SELECT 1) one
    ${parent.join}
    LEFT JOIN ${sql.identifier(subject.table)} n ON n.id = ${noteId}
      AND n.${sql.identifier(subject.parentColumn)} = ${parent.id} AND n.company_id = ${companyId}
    LEFT JOIN users u ON u.id = n.created_by_user_id`;
}

/** What pg parses of `noteFactsSql` (json: the timestamp is a string, as toISOString writes it). */
export type NoteFactsRow<K extends string> = ParentUuid<K> & {
  note: (Omit<StoredNote, 'updated_at'> & { updated_at: string }) | null;
};

export const parseNote = (note: NoteFactsRow<string>['note']): StoredNote | null =>
  note && { ...note, updated_at: new Date(note.updated_at) };

/** A stored note as the write returns it (its parent under `parent_id`). */
export interface NoteRow {
  id: number;
  uuid: string;
  parent_id: number;
  document: Record<string, unknown>;
  attachments: string[];
  mentions: number[];
  created_at: Date;
  updated_at: Date;
}

export function noteResponse<C extends string>(
  subject: NoteSubject<string, C>,
  row: NoteRow,
  author: NoteAuthor | null,
): NoteOut<C> {
  return {
    id: row.id,
    uuid: row.uuid,
    [subject.parentColumn]: row.parent_id,
    document: row.document,
    content: row.document,
    attachments: row.attachments,
    mentions: row.mentions,
    created_by: author && { id: author.id, first_name: author.first_name, last_name: author.last_name },
    created_at: row.created_at,
    updated_at: row.updated_at,
  } as NoteOut<C>;
}
