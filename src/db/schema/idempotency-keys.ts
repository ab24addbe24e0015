import { integer, pgTable, primaryKey, smallint, text } from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.js';
import { tstz } from './columns.js';

// One row per (API key, Idempotency-Key). A row without response_status is a request
// still in flight (or one whose process died mid-way: it stays locked until it expires,
// because we cannot know whether its work committed).
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    api_key_id: integer('api_key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    request_hash: text('request_hash').notNull(),
    response_status: smallint('response_status'),
    // The exact bytes sent, so a replay is identical to the first response.
    response_body: text('response_body'),
    created_at: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.api_key_id, t.key] })],
);
