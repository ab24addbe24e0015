import { sql } from 'drizzle-orm';
import { check, integer, pgTable, smallint, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { sessions } from './accounts.js';
import { apiKeys } from './api-keys.js';
import { tstz } from './columns.js';

// One row per (API key or session, Idempotency-Key). A row without response_status is a request
// still in flight (or one whose process died mid-way: it stays locked until it expires,
// because we cannot know whether its work committed).
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    api_key_id: integer('api_key_id').references(() => apiKeys.id, { onDelete: 'cascade' }),
    // A console request is scoped to its session, as an API request is to its key.
    session_id: integer('session_id').references(() => sessions.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    request_hash: text('request_hash').notNull(),
    response_status: smallint('response_status'),
    // The exact bytes sent, so a replay is identical to the first response.
    response_body: text('response_body'),
    created_at: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('idempotency_keys_api_key_key')
      .on(t.api_key_id, t.key)
      .where(sql`${t.api_key_id} IS NOT NULL`),
    uniqueIndex('idempotency_keys_session_key')
      .on(t.session_id, t.key)
      .where(sql`${t.session_id} IS NOT NULL`),
    check('idempotency_keys_one_owner', sql`(${t.api_key_id} IS NULL) <> (${t.session_id} IS NULL)`),
  ],
);
