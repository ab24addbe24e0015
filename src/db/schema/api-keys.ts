import { index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { id, publicUuid, tstz } from './columns.js';
import { companies } from './companies.js';
import { users } from './users.js';

export const API_KEY_PERMISSIONS = ['read', 'write'] as const;

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    uuid: publicUuid(),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    // The user the key acts as; null only for an operator's key (CLI without --user), which acts
    // as the company's admin. Cascade, never set null: a key must not outlive its user as an admin.
    user_id: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    name: text('name'),
    // First characters of the key, for display ("jb_api_Ab12…"). Not enough to use it.
    prefix: text('prefix').notNull(),
    // SHA-256 of the full key, hex. The key itself is never stored.
    key_hash: text('key_hash').notNull().unique(),
    permission: text('permission', { enum: API_KEY_PERMISSIONS }).notNull(),
    last_used_at: tstz('last_used_at'),
    expires_at: tstz('expires_at'),
    revoked_at: tstz('revoked_at'),
    created_at: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [index('api_keys_company_id_idx').on(t.company_id)],
);
