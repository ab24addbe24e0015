import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { publicUuid } from './columns.js';

/** ISO 3166-1 regions (seeded by a migration); a company's `country_id` points here. */
export const countries = pgTable('countries', {
  id: integer('id').primaryKey(),
  // Like every object's: `GET /v1/countries/{uuid}` finds it too. Random per installation; the
  // id is the stable reference.
  uuid: publicUuid(),
  code: text('code').notNull().unique(),
  label: text('label').notNull(),
});
