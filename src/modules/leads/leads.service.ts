import type { AuthContext, RequestCaller } from '../../core/auth-context.js';
import { ApiError } from '../../core/errors.js';
import { FieldProblems } from '../../core/field-problems.js';
import type { ResponseRecorder } from '../../core/idempotency.js';
import { type Page, pageMeta, pageOffset } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import * as create from './leads.create.js';
import * as remove from './leads.delete.js';
import { getLead, type LeadFilter, listLeads } from './leads.reads.js';
import {
  type CreatedLeadOut,
  type CreateLeadInput,
  LEAD_MESSAGES,
  type LeadOut,
  type LeadSort,
  type ListLeadsInput,
  type UpdateLeadInput,
} from './leads.schemas.js';
import * as update from './leads.update.js';

type Caller = Pick<AuthContext, 'companyId' | 'userId' | 'keyId'>;

const notFound = () => new ApiError('not_found', LEAD_MESSAGES.notFound);

export interface CreateOptions {
  /** The request's Idempotency-Key reservation: the response is stored by the create's write. */
  idempotency?: ResponseRecorder | undefined;
}

// The lead commands are `facts → rules → write` (leads.create.ts, leads.update.ts,
// leads.delete.ts): one statement reads what the rules need, pure rules check the body and plan
// the change, one statement writes it with its events.

/** The list route's query, as its filter (GET /v1/leads and its CSV export). */
export function leadFilter(q: Omit<ListLeadsInput, 'page' | 'pageSize' | 'sort'>): LeadFilter {
  if (q.assigned && q.unassigned) {
    const problems = new FieldProblems('querystring');
    problems.add(['unassigned'], 'cannot be combined with assigned=1');
    problems.throwIfAny();
  }
  return {
    search: q.search,
    statuses: q.status,
    tags: q.tags,
    users: q.users,
    view: q.view,
    assigned: q.assigned,
    unassigned: q.unassigned,
    campaign: q.campaign,
    createdAfter: q.created_after,
    createdBefore: q.created_before,
  };
}

export class LeadService {
  constructor(private readonly db: Db) {}

  // ---- reads ----

  /** One statement, the API key's verification included (see readAsCaller). */
  async list(caller: RequestCaller, q: ListLeadsInput & Page) {
    const { found, rows, total } = await listLeads(
      this.db,
      caller.source,
      leadFilter(q),
      { by: q.sort.replace(/^-/, '') as LeadSort, descending: q.sort.startsWith('-') },
      { limit: q.pageSize, offset: pageOffset(q) },
    );
    await caller.accept(found);
    return { data: rows, meta: pageMeta(total, q.pageSize) };
  }

  /** The lead with its notes, in one statement with the API key's verification. */
  async get(caller: RequestCaller, id: number): Promise<LeadOut> {
    const { found, lead } = await getLead(this.db, caller.source, id);
    await caller.accept(found);
    if (!lead) throw notFound();
    return lead;
  }

  // ---- commands ----

  /**
   * Creates the lead and, for referral and reseller leads, the partnership lead; with
   * `sendToPartner` also the partner's copy. One statement writes every row and the
   * `leads.create` events (the caller's, and the partner's for its copy).
   */
  async create(caller: Caller, input: CreateLeadInput, options: CreateOptions = {}): Promise<CreatedLeadOut> {
    const facts = await create.facts(this.db, caller, input);
    const plan = create.rules(facts, caller, input);
    return create.write(this.db, plan, options.idempotency);
  }

  /** PATCH: only what is sent changes; tags and assigned users are replaced, custom fields upserted. */
  async update(caller: Caller, id: number, input: UpdateLeadInput) {
    const facts = await update.facts(this.db, caller, id, input);
    const plan = update.rules(facts, caller, id, input);
    return update.write(this.db, plan);
  }

  /** Soft delete: the lead leaves every read and frees its email; its rows stay for history. */
  async remove(caller: Caller, id: number): Promise<void> {
    await remove.write(this.db, { caller, id });
  }
}
