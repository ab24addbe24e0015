import type { RequestCaller } from '../../core/auth-context.js';
import { ApiError } from '../../core/errors.js';
import { FieldProblems } from '../../core/field-problems.js';
import { type Page, pageMeta, pageOffset } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import { type DealSort, getDeal, listDeals } from './deals.reads.js';
import { DEAL_MESSAGES, type DealOut, type ListDealsInput } from './deals.schemas.js';

/** The deal reads: one statement each, the API key's verification included (see readAsCaller). */
export class DealReadService {
  constructor(private readonly db: Db) {}

  async list(caller: RequestCaller, q: ListDealsInput & Page) {
    if (q.assigned && q.unassigned) {
      const problems = new FieldProblems('querystring');
      problems.add(['unassigned'], 'cannot be combined with assigned=1');
      problems.throwIfAny();
    }
    const { found, rows, total } = await listDeals(
      this.db,
      caller.source,
      {
        search: q.search || undefined,
        view: q.view,
        stages: q.stages,
        phases: q.phases,
        tags: q.tags,
        users: q.users,
        assigned: q.assigned,
        unassigned: q.unassigned,
        leadId: q.lead_id,
        partnershipId: q.partnership_id,
        createdAfter: q.created_after,
        createdBefore: q.created_before,
      },
      { by: q.sort.replace(/^-/, '') as DealSort, descending: q.sort.startsWith('-') },
      { limit: q.pageSize, offset: pageOffset(q) },
    );
    await caller.accept(found);
    return { data: rows, meta: pageMeta(total, q.pageSize) };
  }

  async get(caller: RequestCaller, id: number): Promise<DealOut> {
    const { found, deal } = await getDeal(this.db, caller.source, id);
    await caller.accept(found);
    if (!deal) throw new ApiError('not_found', DEAL_MESSAGES.notFound);
    return deal;
  }
}
