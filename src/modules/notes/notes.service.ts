import type { RequestCaller } from '../../core/auth-context.js';
import { type Page, pageMeta } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import { type Actor, noteNotFound } from './notes.command.js';
import * as create from './notes.create.js';
import * as remove from './notes.delete.js';
import { getNote, listNotes } from './notes.reads.js';
import type { CreateNoteInput, NoteOut, UpdatedNoteOut, UpdateNoteInput } from './notes.schemas.js';
import type { NoteSubject } from './notes.subject.js';
import * as update from './notes.update.js';

/** Notes on a subject's parent: each company reads and writes its own notes on a parent it sees. */
export class NoteService<K extends string = string, C extends string = string> {
  constructor(
    private readonly db: Db,
    readonly subject: NoteSubject<K, C>,
  ) {}

  /** The parent's notes: one statement, the API key's verification included (see readAsCaller). */
  async list(caller: RequestCaller, parentId: number, page: Page) {
    const { found, visible, rows, total } = await listNotes(
      this.subject,
      this.db,
      caller.source,
      parentId,
      page,
    );
    await caller.accept(found);
    if (!visible) throw this.subject.parentNotFound();
    return { data: rows, meta: pageMeta(total, page.pageSize) };
  }

  async get(caller: RequestCaller, parentId: number, noteId: number): Promise<NoteOut<C>> {
    const { found, visible, note } = await getNote(this.subject, this.db, caller.source, parentId, noteId);
    await caller.accept(found);
    if (!visible) throw this.subject.parentNotFound();
    if (!note) throw noteNotFound();
    return note;
  }

  async create(actor: Actor, parentId: number, input: CreateNoteInput): Promise<NoteOut<C>> {
    const facts = await create.facts(this.subject, this.db, actor, parentId, input);
    const plan = create.rules(this.subject, facts, actor, parentId, input);
    return create.write(this.subject, this.db, plan);
  }

  /** Changes the fields sent; a body with none changes nothing and records no event. */
  async update(
    actor: Actor,
    parentId: number,
    noteId: number,
    input: UpdateNoteInput,
  ): Promise<UpdatedNoteOut> {
    const facts = await update.facts(this.subject, this.db, actor, parentId, noteId, input);
    const plan = update.rules(this.subject, facts, actor, parentId, input);
    return update.write(this.subject, this.db, plan);
  }

  async remove(actor: Actor, parentId: number, noteId: number): Promise<void> {
    const facts = await remove.facts(this.subject, this.db, actor, parentId, noteId);
    const plan = remove.rules(this.subject, facts, actor, parentId);
    await remove.write(this.subject, this.db, plan);
  }
}

/**
 * A subject's pure rules, bound to it (for the unit tests: facts in, a plan or the API's error
 * out, without a database).
 */
export function noteRules<K extends string>(subject: NoteSubject<K>) {
  return {
    create: {
      rules: (f: create.CreateFacts<K>, actor: Actor, parentId: number, input: CreateNoteInput) =>
        create.rules(subject, f, actor, parentId, input),
    },
    update: {
      rules: (f: update.UpdateFacts<K>, actor: Actor, parentId: number, input: UpdateNoteInput) =>
        update.rules(subject, f, actor, parentId, input),
    },
    remove: {
      rules: (f: remove.DeleteFacts<K>, actor: Actor, parentId: number) =>
        remove.rules(subject, f, actor, parentId),
    },
  };
}
