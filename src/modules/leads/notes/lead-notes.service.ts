import { notFound } from '../../../core/errors.js';
import { type Page, pageMeta } from '../../../core/pagination.js';
import type { Db } from '../../../db/database.js';
import { findLiveLeadId } from '../leads.repository.js';
import { type Actor, leadNotFound } from './lead-notes.command.js';
import * as create from './lead-notes.create.js';
import * as remove from './lead-notes.delete.js';
import { leadNotesRepository as repo, toLeadNote } from './lead-notes.repository.js';
import type {
  CreateLeadNoteInput,
  LeadNoteOut,
  UpdatedLeadNoteOut,
  UpdateLeadNoteInput,
} from './lead-notes.schemas.js';
import * as update from './lead-notes.update.js';

/** Notes on a lead: every read and write goes through a live lead of the caller's company. */
export class LeadNoteService {
  constructor(private readonly db: Db) {}

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
    if ((await findLiveLeadId(this.db, companyId, leadId)) === undefined) throw leadNotFound();
    throw notFound('Note');
  }

  async create(actor: Actor, leadId: number, input: CreateLeadNoteInput): Promise<LeadNoteOut> {
    const facts = await create.facts(this.db, actor, leadId, input);
    const plan = create.rules(facts, actor, leadId, input);
    return create.write(this.db, plan);
  }

  /** Changes the fields sent; a body with none changes nothing and records no event. */
  async update(
    actor: Actor,
    leadId: number,
    noteId: number,
    input: UpdateLeadNoteInput,
  ): Promise<UpdatedLeadNoteOut> {
    const facts = await update.facts(this.db, actor, leadId, noteId, input);
    const plan = update.rules(facts, actor, leadId, input);
    return update.write(this.db, plan);
  }

  async remove(actor: Actor, leadId: number, noteId: number): Promise<void> {
    const facts = await remove.facts(this.db, actor, leadId, noteId);
    const plan = remove.rules(facts, actor, leadId);
    await remove.write(this.db, plan);
  }
}
