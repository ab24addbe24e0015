import type { SQL, SQLChunk } from 'drizzle-orm';
import type { ApiError } from '../../core/errors.js';
import type { EventType, NotificationReason } from '../events/index.js';

/**
 * What a kind of note is attached to (a lead, a deal): everything in which one kind of note
 * differs from another. The engine (notes.create / .update / .delete / .reads / .service /
 * .routes) takes one and does nothing subject-specific of its own.
 *
 * `K` names the parent in the commands' facts and plans (`${K}Uuid`, `${K}Id`: `leadUuid`,
 * `dealId`); `C` is the note table's parent column, which is also the response's field.
 */
export interface NoteSubject<K extends string = string, C extends string = string> {
  /** `lead` → facts `leadUuid`, plans `leadId`, read placeholders `leadId`. */
  key: K;
  /** The notes table: `lead_notes`; it also names the reads' statements (`lead_notes_page`). */
  table: 'lead_notes' | 'deal_notes';
  /** The table's column naming the parent, and the response's field for it: `lead_id`. */
  parentColumn: C;
  /** The 404 when the company does not see the parent. */
  parentNotFound: () => ApiError;
  /**
   * The parent's uuid when the company sees the parent (a scalar subquery, NULL when not): the
   * create facts, and the update/delete facts of a subject without `factsJoin`.
   */
  parentUuid: (companyId: number, parentId: number) => SQL;
  /**
   * Whether the company sees the parent, an EXISTS: the writes' guard (a concurrent delete makes
   * the write a no-op) and the reads' answer (`companyId` is then `c.company_id`).
   */
  parentVisible: (companyId: SQLChunk, parentId: SQLChunk) => SQL;
  /**
   * How the update/delete facts find the parent: `null` takes `parentUuid` and matches the note
   * on the id as given; otherwise the parent is LEFT JOINed (`join`), its uuid is `uuid` and the
   * note must hang on `id`.
   */
  factsJoin: ((companyId: number, parentId: number) => { join: SQL; uuid: SQL; id: SQL }) | null;
  /** The events of create, update and delete. */
  events: { create: EventType; update: EventType; delete: EventType };
  /** The payload's key for the parent's uuid: `lead_uuid`. */
  payloadParentKey: string;
  /** Whether the payload carries the note's `updated_at` (besides `uuid` and `created_at`). */
  payloadUpdatedAt: boolean;
  /**
   * How newly mentioned users are notified: `null` leaves it to the relay (which reads the stored
   * note's mentions); a reason puts them in the event's `meta.notifyUserIds` with it.
   */
  mentionNotice: NotificationReason | null;
  /** Whether the reads select the author's uuid and email too (the response never shows them). */
  readsAuthorContact: boolean;
  /** Whether the page read's lateral join is also guarded by the parent being seen. */
  pageGuarded: boolean;
}

export type UuidKey<K extends string> = `${K}Uuid`;
export type IdKey<K extends string> = `${K}Id`;
export const uuidKey = <K extends string>(subject: NoteSubject<K>): UuidKey<K> => `${subject.key}Uuid`;
export const idKey = <K extends string>(subject: NoteSubject<K>): IdKey<K> => `${subject.key}Id`;

/** `{ leadUuid: … }`: the parent's uuid in facts, null when the company does not see it. */
export type ParentUuid<K extends string> = { [P in UuidKey<K>]: string | null };
/** `{ leadId: … }`: the parent's id in plans. */
export type ParentId<K extends string> = { [P in IdKey<K>]: number };
