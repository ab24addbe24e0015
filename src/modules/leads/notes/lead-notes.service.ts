import type { AuthContext } from '../../../core/auth-context.js';
import { ApiError, notFound } from '../../../core/errors.js';
import { FieldProblems } from '../../../core/field-problems.js';
import { type Page, pageMeta } from '../../../core/pagination.js';
import type { Db, Executor } from '../../../db/database.js';
import { type EventType, recordEvents } from '../../events/index.js';
import { usersRepository } from '../../users/index.js';
import { findLiveLeadId } from '../leads.repository.js';
import { LEAD_MESSAGES } from '../leads.schemas.js';
import { type NoteRecord, leadNotesRepository as repo, toLeadNote } from './lead-notes.repository.js';
import type {
  CreateLeadNoteInput,
  LeadNoteOut,
  UpdatedLeadNoteOut,
  UpdateLeadNoteInput,
} from './lead-notes.schemas.js';
import { documentToText, type ProseMirrorNode } from './note-document.js';

/** Who writes: the key's company, the key, and the user the key acts as (may be null). */
type Actor = Pick<AuthContext, 'companyId' | 'keyId' | 'userId'>;

/**
 * Journeybee's lead-note webhook payload (reference §3a): the note's author and lead by uuid,
 * the document as plain text. The same shape for create, update and delete (its final state).
 */
function noteEvent(type: EventType, actor: Actor, note: NoteRecord) {
  return {
    companyId: actor.companyId,
    type,
    apiKeyId: actor.keyId,
    actorUserId: actor.userId,
    payload: {
      note: {
        uuid: note.uuid,
        created_at: note.created_at.toISOString(),
        document: documentToText(note.document as ProseMirrorNode),
        user_uuid: note.author_uuid,
        user_email: note.author_email,
        user_first_name: note.author_first_name,
        user_last_name: note.author_last_name,
        lead_uuid: note.lead_uuid,
      },
    },
  };
}

const leadNotFound = () => new ApiError('not_found', LEAD_MESSAGES.notFound);

/** Notes on a lead: every read and write goes through a live lead of the caller's company. */
export class LeadNoteService {
  constructor(private readonly db: Db) {}

  private async liveLeadOrThrow(db: Executor, companyId: number, leadId: number): Promise<void> {
    if ((await findLiveLeadId(db, companyId, leadId)) === undefined) throw leadNotFound();
  }

  private async noteOrThrow(db: Executor, companyId: number, leadId: number, noteId: number) {
    const note = await repo.byId(db, companyId, leadId, noteId);
    if (!note) throw notFound('Note');
    return note;
  }

  /** The mentioned ids once each, in order; a 400 naming any that is not an active user of the company. */
  private async checkMentions(db: Executor, companyId: number, mentions: number[]): Promise<number[]> {
    const unique = [...new Set(mentions)];
    const active = new Set(await usersRepository.activeIds(db, companyId, unique));
    const problems = new FieldProblems();
    mentions.forEach((id, i) => {
      if (!active.has(id)) problems.add(['mentions', i], `no active user with id ${id} in your company`);
    });
    problems.throwIfAny();
    return unique;
  }

  async list(companyId: number, leadId: number, page: Page) {
    const [lead, { rows, total }] = await Promise.all([
      findLiveLeadId(this.db, companyId, leadId),
      repo.list(this.db, companyId, leadId, page),
    ]);
    if (lead === undefined) throw leadNotFound();
    return { data: rows, meta: pageMeta(total, page.pageSize) };
  }

  async getOrThrow(companyId: number, leadId: number, noteId: number): Promise<LeadNoteOut> {
    const note = await repo.byId(this.db, companyId, leadId, noteId);
    if (note) return toLeadNote(note);
    // Which is missing: the lead, or only the note?
    await this.liveLeadOrThrow(this.db, companyId, leadId);
    throw notFound('Note');
  }

  async create(actor: Actor, leadId: number, input: CreateLeadNoteInput): Promise<LeadNoteOut> {
    const { companyId } = actor;
    return this.db.transaction(async (tx) => {
      await this.liveLeadOrThrow(tx, companyId, leadId);
      const mentions = await this.checkMentions(tx, companyId, input.mentions ?? []);
      const id = await repo.insert(tx, {
        lead_id: leadId,
        company_id: companyId,
        created_by_user_id: actor.userId,
        document: input.document,
        attachments: input.attachments ?? [],
        mentions,
      });
      const note = await this.noteOrThrow(tx, companyId, leadId, id);
      await recordEvents(tx, [noteEvent('leads.notes_create', actor, note)]);
      return toLeadNote(note);
    });
  }

  /** Changes the fields sent; a body with none changes nothing and records no event. */
  async update(
    actor: Actor,
    leadId: number,
    noteId: number,
    input: UpdateLeadNoteInput,
  ): Promise<UpdatedLeadNoteOut> {
    const { companyId } = actor;
    return this.db.transaction(async (tx) => {
      await this.liveLeadOrThrow(tx, companyId, leadId);
      const current = await this.noteOrThrow(tx, companyId, leadId, noteId);
      const { mentions, ...fields } = input;
      const values = mentions
        ? { ...fields, mentions: await this.checkMentions(tx, companyId, mentions) }
        : fields;
      if (Object.keys(values).length === 0) return { id: current.id, updated_at: current.updated_at };
      const updated = await repo.update(tx, companyId, leadId, noteId, values);
      if (!updated) throw notFound('Note');
      const note = { ...current, ...values, updated_at: updated.updated_at };
      await recordEvents(tx, [noteEvent('leads.notes_update', actor, note)]);
      return updated;
    });
  }

  async remove(actor: Actor, leadId: number, noteId: number): Promise<void> {
    const { companyId } = actor;
    await this.db.transaction(async (tx) => {
      await this.liveLeadOrThrow(tx, companyId, leadId);
      const note = await this.noteOrThrow(tx, companyId, leadId, noteId);
      // A concurrent delete may have won since the read: then this one is a 404 and no event.
      if (!(await repo.remove(tx, companyId, leadId, noteId))) throw notFound('Note');
      await recordEvents(tx, [noteEvent('leads.notes_delete', actor, note)]);
    });
  }
}
