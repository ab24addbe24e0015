import type { ResponseRecorder } from '../../core/idempotency.js';
import type { Db } from '../../db/database.js';
import type { Caller } from './deals.commands.js';
import * as create from './deals.create.js';
import * as remove from './deals.delete.js';
import type { CreateDealInput, UpdateDealInput } from './deals.schemas.js';
import * as update from './deals.update.js';

export interface CreateOptions {
  /** The request's Idempotency-Key reservation: the response is stored by the create's write. */
  idempotency?: ResponseRecorder | undefined;
}

// The deal commands are `facts → rules → write` (deals.create.ts, deals.update.ts,
// deals.delete.ts): one statement reads what the rules need, pure rules check the body and plan
// the change, one statement writes it with its events (to both sides of a partnership deal).

export class DealService {
  constructor(private readonly db: Db) {}

  /** Creates the deal on a live lead of the caller, with its sides, links, values, payments and events. */
  async create(caller: Caller, input: CreateDealInput, options: CreateOptions = {}) {
    const facts = await create.facts(this.db, caller, input);
    const plan = create.rules(facts, caller, input);
    return create.write(this.db, plan, options.idempotency);
  }

  /** PATCH: only what is sent changes; the partner side may change its own stage, tags, users and values. */
  async update(caller: Caller, id: number, input: UpdateDealInput) {
    const facts = await update.facts(this.db, caller, id, input);
    const plan = update.rules(facts, caller, id, input);
    return update.write(this.db, plan);
  }

  /** Soft delete, by the owner only: the deal leaves both sides' reads. */
  async remove(caller: Caller, id: number): Promise<void> {
    await remove.write(this.db, { caller, id });
  }
}
