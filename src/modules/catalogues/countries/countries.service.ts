import { notFound } from '../../../core/errors.js';
import { pageMeta } from '../../../core/pagination.js';
import type { Db } from '../../../db/database.js';
import { type CountryRow, countriesRepository } from './countries.repository.js';
import type { ListCountriesInput } from './countries.schemas.js';

/** The read-only reference list of countries, the same for every company. */
export class CountryService {
  constructor(private readonly db: Db) {}

  async list(query: ListCountriesInput) {
    const { rows, total } = await countriesRepository.list(this.db, query.search || undefined, query);
    return { data: rows, meta: pageMeta(total, query.pageSize) };
  }

  async getOrThrow(id: number): Promise<CountryRow> {
    const row = await countriesRepository.findById(this.db, id);
    if (!row) throw notFound('Country');
    return row;
  }
}
