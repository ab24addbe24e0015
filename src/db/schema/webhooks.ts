import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, smallint, text, uuid } from 'drizzle-orm/pg-core';
import { id, publicUuid, timestamps, tstz } from './columns.js';
import { companies } from './companies.js';
import { events } from './leads.js';
import { users } from './users.js';

/** A company's webhook subscriber. Secrets are stored encrypted (they must sign), never hashed. */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: id(),
    uuid: publicUuid(),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    description: text('description'),
    events: text('events').array().notNull(),
    active: boolean('active').notNull().default(true),
    secret_encrypted: text('secret_encrypted').notNull(),
    // After a rotation the previous secret keeps signing (beside the new one) until it expires.
    previous_secret_encrypted: text('previous_secret_encrypted'),
    previous_secret_expires_at: tstz('previous_secret_expires_at'),
    consecutive_failures: integer('consecutive_failures').notNull().default(0),
    disabled_at: tstz('disabled_at'),
    disabled_reason: text('disabled_reason'),
    ...timestamps(),
  },
  (t) => [index('webhook_endpoints_company_idx').on(t.company_id, t.id)],
);

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

/** One event to one endpoint: created in the event's transaction, worked off by the delivery worker. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    uuid: uuid('uuid').notNull().unique().defaultRandom(),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    endpoint_id: integer('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    event_id: bigint('event_id', { mode: 'number' })
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    event_type: text('event_type').notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    next_attempt_at: tstz('next_attempt_at').notNull().defaultNow(),
    // A worker holds a delivery until then; past it, another worker may take it over.
    locked_until: tstz('locked_until'),
    last_status_code: smallint('last_status_code'),
    last_error: text('last_error'),
    delivered_at: tstz('delivered_at'),
    ...timestamps(),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.next_attempt_at).where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_endpoint_idx').on(t.endpoint_id, t.id),
  ],
);

export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    delivery_id: bigint('delivery_id', { mode: 'number' })
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempted_at: tstz('attempted_at').notNull().defaultNow(),
    duration_ms: integer('duration_ms').notNull(),
    status_code: smallint('status_code'),
    response_excerpt: text('response_excerpt'),
    error: text('error'),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.delivery_id, t.id)],
);

/** A user's in-app notification (a lead received from a partner, a lead assigned to you, …). */
export const notifications = pgTable(
  'notifications',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    uuid: uuid('uuid').notNull().unique().defaultRandom(),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    user_id: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    title: text('title').notNull(),
    body: text('body'),
    data: jsonb('data').notNull().default(sql`'{}'::jsonb`),
    event_id: bigint('event_id', { mode: 'number' }).references(() => events.id, { onDelete: 'set null' }),
    read_at: tstz('read_at'),
    created_at: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('notifications_user_idx').on(t.user_id, t.id),
    index('notifications_unread_idx').on(t.user_id, t.id).where(sql`${t.read_at} IS NULL`),
  ],
);
