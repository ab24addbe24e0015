import { sql } from 'drizzle-orm';
import { ApiError } from '../../../core/errors.js';
import type { Db } from '../../../db/database.js';
import { NoteService, type NoteSubject, noteRules } from '../../notes/index.js';
import { DEAL_MESSAGES } from '../deals.schemas.js';

// Notes on a deal (A18), a subject of the note engine (src/modules/notes). A deal note belongs
// to one side of the deal: `deal_notes.company_id` is the writer's company, and every statement
// is scoped to it, so a partner's notes are invisible (404) to the owner and back. The users a
// note newly mentions are named in its event's meta (`deal_note_mention`).

export const dealNoteSubject: NoteSubject<'deal', 'deal_id'> = {
  key: 'deal',
  table: 'deal_notes',
  parentColumn: 'deal_id',
  parentNotFound: () => new ApiError('not_found', DEAL_MESSAGES.notFound),
  parentUuid: (companyId, dealId) =>
    sql`(SELECT d.uuid FROM deal_sides s JOIN deals d ON d.id = s.deal_id AND d.deleted_at IS NULL
    WHERE s.deal_id = ${dealId} AND s.company_id = ${companyId})`,
  parentVisible: (companyId, dealId) =>
    sql`EXISTS (SELECT 1 FROM deal_sides s JOIN deals d ON d.id = s.deal_id AND d.deleted_at IS NULL
    WHERE s.deal_id = ${dealId} AND s.company_id = ${companyId})`,
  factsJoin: null,
  events: { create: 'deals.notes_create', update: 'deals.notes_update', delete: 'deals.notes_delete' },
  payloadParentKey: 'lead_deal_uuid',
  payloadUpdatedAt: true,
  mentionNotice: 'deal_note_mention',
  readsAuthorContact: false,
  pageGuarded: true,
};

/** Notes on a deal: each company reads and writes its own notes on a deal it sees. */
export const dealNoteService = (db: Db) => new NoteService(db, dealNoteSubject);

/** The deal-note rules, without a database. */
export const dealNoteRules = noteRules(dealNoteSubject);
