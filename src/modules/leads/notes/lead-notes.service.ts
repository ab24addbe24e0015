import type { RequestCaller } from '../../../core/auth-context.js';
import { notFound } from '../../../core/errors.js';
import { type Page, pageMeta } from '../../../core/pagination.js';
import type { Db } from '../../../db/database.js';
import { type Actor, leadNotFound } from './lead-notes.command.js';
import * as create from './lead-notes.create.js';
import * as remove from './lead-notes.delete.js';
import { getNote, listNotes } from './lead-notes.reads.js';
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

  /** The lead's notes: one statement, the API key's verification included (see readAsCaller). */
  async list(caller: RequestCaller, leadId: number, page: Page) {
    const { found, leadLive, rows, total } = await listNotes(this.db, caller.source, leadId, page);
    await caller.accept(found);
    if (!leadLive) throw leadNotFound();
    return { data: rows, meta: pageMeta(total, page.pageSize) };
  }

  async get(caller: RequestCaller, leadId: number, noteId: number): Promise<LeadNoteOut> {
    const { found, leadLive, note } = await getNote(this.db, caller.source, leadId, noteId);
    await caller.accept(found);
    if (!leadLive) throw leadNotFound();
    if (!note) throw notFound('Note');
    return note;
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
