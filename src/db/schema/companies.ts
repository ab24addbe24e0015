import { sql } from 'drizzle-orm';
import { integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, publicUuid, timestamps } from './columns.js';
import { countries } from './countries.js';

export const companies = pgTable(
  'companies',
  {
    id: id(),
    uuid: publicUuid(),
    name: text('name').notNull(),
    // Email domain of the company's people (lower case); partners are matched by it.
    domain: text('domain'),
    website_url: text('website_url'),
    description: text('description'),
    country_id: integer('country_id').references(() => countries.id),
    // ISO 4217 code: new deals default to it.
    default_currency: text('default_currency').notNull().default('USD'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('companies_domain_key').on(sql`lower(${t.domain})`).where(sql`${t.domain} IS NOT NULL`),
  ],
);
