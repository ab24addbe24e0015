import type { RequestCaller } from '../../../core/auth-context.js';
import { notFound } from '../../../core/errors.js';
import { pageMeta, pageOffset } from '../../../core/pagination.js';
import type { Db } from '../../../db/database.js';
import { getCurrency, listCurrencies } from './currencies.reads.js';
import type { CurrencyOut, ListCurrenciesInput } from './currencies.schemas.js';

/** The read-only ISO 4217 list deals are priced in, the same for every company. */
export class CurrencyService {
  constructor(private readonly db: Db) {}

  async list(caller: RequestCaller, query: ListCurrenciesInput) {
    const { found, rows, total } = await listCurrencies(this.db, caller.source, query.search || undefined, {
      limit: query.pageSize,
      offset: pageOffset(query),
    });
    await caller.accept(found);
    return { data: rows, meta: pageMeta(total, query.pageSize) };
  }

  async getOrThrow(caller: RequestCaller, id: number): Promise<CurrencyOut> {
    const { found, currency } = await getCurrency(this.db, caller.source, id);
    await caller.accept(found);
    if (!currency) throw notFound('Currency');
    return currency;
  }
}
