import type { RequestCaller } from '../../../core/auth-context.js';
import { type Page, pageMeta } from '../../../core/pagination.js';
import type { Db } from '../../../db/database.js';
import { type Actor, dealNotFound, noteNotFound } from './deal-notes.command.js';
import * as create from './deal-notes.create.js';
import * as remove from './deal-notes.delete.js';
import { getDealNote, listDealNotes } from './deal-notes.reads.js';
import type {
  CreateDealNoteInput,
  DealNoteOut,
  UpdateDealNoteInput,
  UpdatedDealNoteOut,
} from './deal-notes.schemas.js';
import * as update from './deal-notes.update.js';

/** Notes on a deal: each company reads and writes its own notes on a deal it sees. */
export class DealNoteService {
  constructor(private readonly db: Db) {}

  async list(caller: RequestCaller, dealId: number, page: Page) {
    const { found, dealVisible, rows, total } = await listDealNotes(this.db, caller.source, dealId, page);
    await caller.accept(found);
    if (!dealVisible) throw dealNotFound();
    return { data: rows, meta: pageMeta(total, page.pageSize) };
  }

  async get(caller: RequestCaller, dealId: number, noteId: number): Promise<DealNoteOut> {
    const { found, dealVisible, note } = await getDealNote(this.db, caller.source, dealId, noteId);
    await caller.accept(found);
    if (!dealVisible) throw dealNotFound();
    if (!note) throw noteNotFound();
    return note;
  }

  async create(actor: Actor, dealId: number, input: CreateDealNoteInput): Promise<DealNoteOut> {
    const facts = await create.facts(this.db, actor, dealId, input);
    return create.write(this.db, create.rules(facts, actor, dealId, input));
  }

  async update(
    actor: Actor,
    dealId: number,
    noteId: number,
    input: UpdateDealNoteInput,
  ): Promise<UpdatedDealNoteOut> {
    const facts = await update.facts(this.db, actor, dealId, noteId, input);
    return update.write(this.db, update.rules(facts, actor, dealId, input));
  }

  async remove(actor: Actor, dealId: number, noteId: number): Promise<void> {
    const facts = await remove.facts(this.db, actor, dealId, noteId);
    await remove.write(this.db, remove.rules(facts, actor, dealId));
  }
}
