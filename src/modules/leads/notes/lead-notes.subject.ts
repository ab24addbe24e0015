import { sql } from 'drizzle-orm';
import { ApiError } from '../../../core/errors.js';
import type { Db } from '../../../db/database.js';
import { NoteService, type NoteSubject, noteRules } from '../../notes/index.js';
import { LEAD_MESSAGES } from '../leads.schemas.js';

// Notes on a lead, a subject of the note engine (src/modules/notes): a live lead of the
// caller's company; the relay finds new mentions on the stored note.

export const leadNoteSubject: NoteSubject<'lead', 'lead_id'> = {
  key: 'lead',
  table: 'lead_notes',
  parentColumn: 'lead_id',
  parentNotFound: () => new ApiError('not_found', LEAD_MESSAGES.notFound),
  parentUuid: (companyId, leadId) =>
    sql`(SELECT l.uuid FROM leads l
    WHERE l.id = ${leadId} AND l.company_id = ${companyId} AND l.deleted_at IS NULL)`,
  parentVisible: (companyId, leadId) =>
    sql`EXISTS (SELECT 1 FROM leads l
    WHERE l.id = ${leadId} AND l.company_id = ${companyId} AND l.deleted_at IS NULL)`,
  factsJoin: (companyId, leadId) => ({
    join: sql`LEFT JOIN leads l ON l.id = ${leadId} AND l.company_id = ${companyId} AND l.deleted_at IS NULL`,
    uuid: sql`l.uuid`,
    id: sql`l.id`,
  }),
  events: { create: 'leads.notes_create', update: 'leads.notes_update', delete: 'leads.notes_delete' },
  payloadParentKey: 'lead_uuid',
  payloadUpdatedAt: false,
  mentionNotice: null,
  readsAuthorContact: true,
  pageGuarded: false,
};

/** Notes on a lead: every read and write goes through a live lead of the caller's company. */
export const leadNoteService = (db: Db) => new NoteService(db, leadNoteSubject);

/** The lead-note rules, without a database. */
export const leadNoteRules = noteRules(leadNoteSubject);
