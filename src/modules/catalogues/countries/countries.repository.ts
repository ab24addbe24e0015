import { eq, ilike, or } from 'drizzle-orm';
import type { Page } from '../../../core/pagination.js';
import type { Db } from '../../../db/database.js';
import { countries } from '../../../db/schema/index.js';
import { likePattern } from '../../../lib/sql.js';
import { catalogueRepository } from '../catalogue.repository.js';

export type CountryRow = typeof countries.$inferSelect;

export const countriesRepository = {
  findById(db: Db, id: number): Promise<CountryRow | undefined> {
    return catalogueRepository.findOne(db, countries, eq(countries.id, id));
  },

  /** By name, optionally only those whose name or code contains `search`. */
  list(db: Db, search: string | undefined, page: Page) {
    const pattern = search ? likePattern(search) : undefined;
    const where = pattern ? or(ilike(countries.label, pattern), ilike(countries.code, pattern)) : undefined;
    return catalogueRepository.page(db, countries, where, [countries.label, countries.id], page);
  },
};
