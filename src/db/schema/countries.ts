import { integer, pgTable, text } from 'drizzle-orm/pg-core';

/** ISO 3166-1 regions (seeded by a migration); a company's `country_id` points here. */
export const countries = pgTable('countries', {
  id: integer('id').primaryKey(),
  code: text('code').notNull().unique(),
  label: text('label').notNull(),
});
