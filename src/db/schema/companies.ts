import { sql } from 'drizzle-orm';
import { pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, publicUuid, timestamps } from './columns.js';

export const companies = pgTable(
  'companies',
  {
    id: id(),
    uuid: publicUuid(),
    name: text('name').notNull(),
    // Email domain of the company's people (lower case); partners are matched by it.
    domain: text('domain'),
    website_url: text('website_url'),
    country: text('country'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('companies_domain_key').on(sql`lower(${t.domain})`).where(sql`${t.domain} IS NOT NULL`),
  ],
);
