import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { apiKeys } from './api-keys.js';
import { campaigns, PARTNER_TYPES, tags } from './catalogues.js';
import { id, publicUuid, timestamps, tstz } from './columns.js';
import { companies } from './companies.js';
import { companyPartnerships, partnerships } from './partnerships.js';
import { users } from './users.js';

export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'converted', 'lost'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];
export const LEAD_SOURCES = [
  'manual',
  'campaign',
  'partnership',
  'integration',
  'lead_submission_form',
] as const;
export const ASSOCIATION_TYPES = ['referral', 'reseller', 'campaigns'] as const;
export const INTEGRATION_NAMES = ['Salesforce', 'Hubspot', 'Pipedrive', 'Slack'] as const;
/** `own`: a lead the company created; `received`: the partner's copy of a lead sent to it. */
export const LEAD_ORIGINS = ['own', 'received'] as const;

export const leads = pgTable(
  'leads',
  {
    id: id(),
    uuid: publicUuid(),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    created_by_user_id: integer('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    company_name: text('company_name'),
    email: text('email'),
    phone_number: text('phone_number'),
    first_name: text('first_name'),
    last_name: text('last_name'),
    source: text('source', { enum: LEAD_SOURCES }).notNull(),
    status: text('status', { enum: LEAD_STATUSES }).notNull().default('new'),
    origin: text('origin', { enum: LEAD_ORIGINS }).notNull().default('own'),
    association_type: text('association_type', { enum: ASSOCIATION_TYPES }).notNull(),
    partner_type: text('partner_type', { enum: PARTNER_TYPES }),
    campaign_id: integer('campaign_id').references(() => campaigns.id, { onDelete: 'restrict' }),
    integration_name: text('integration_name', { enum: INTEGRATION_NAMES }),
    integration_custom_fields: jsonb('integration_custom_fields'),
    powerups: jsonb('powerups'),
    // The seed's partnershipLead flags that describe how the lead came in, kept as sent.
    partnership_lead_input: jsonb('partnership_lead_input'),
    // The sender's `partnerCustomFields`, as sent: the copy's own values belong to the partner.
    partner_custom_fields: jsonb('partner_custom_fields'),
    // What `search` matches (names, email, phone, company), kept by PostgreSQL itself and
    // indexed with trigrams (migration 0005), so ILIKE '%term%' needs no scan.
    search_text: text('search_text')
      .notNull()
      .generatedAlwaysAs(
        sql`lower(coalesce(company_name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone_number, '') || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, ''))`,
      ),
    deleted_at: tstz('deleted_at'),
    ...timestamps(),
  },
  (t) => [
    // Duplicate rule: one live lead per (trimmed, case-insensitive) email per company. A copy
    // received from a partner is exempt: two partners may refer the same person, and a 409 would
    // tell the sender what the partner's database holds.
    uniqueIndex('leads_company_email_live_key')
      .on(t.company_id, sql`lower(btrim(${t.email}))`)
      .where(sql`${t.deleted_at} IS NULL AND ${t.email} IS NOT NULL AND ${t.origin} = 'own'`),
    index('leads_company_created_idx')
      .on(t.company_id, t.created_at.desc(), t.id.desc())
      .where(sql`${t.deleted_at} IS NULL`),
    // The list's other sorts (`updated_at`, `company_name`), read in index order.
    index('leads_company_updated_idx')
      .on(t.company_id, t.updated_at.desc(), t.id.desc())
      .where(sql`${t.deleted_at} IS NULL`),
    index('leads_company_name_idx')
      .on(t.company_id, sql`lower(${t.company_name})`, t.id)
      .where(sql`${t.deleted_at} IS NULL`),
  ],
);

export const leadTags = pgTable(
  'lead_tags',
  {
    lead_id: integer('lead_id')
      .notNull()
      .references(() => leads.id, { onDelete: 'cascade' }),
    tag_id: integer('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ columns: [t.lead_id, t.tag_id] }), index('lead_tags_tag_idx').on(t.tag_id)],
);

export const leadUsers = pgTable(
  'lead_users',
  {
    lead_id: integer('lead_id')
      .notNull()
      .references(() => leads.id, { onDelete: 'cascade' }),
    user_id: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.lead_id, t.user_id] }), index('lead_users_user_idx').on(t.user_id)],
);

/**
 * A lead exchanged over a partnership: the sender's lead, and the partner's copy when it was
 * sent (`sendToPartner`). Each side reads it with its own direction (sent / received).
 */
export const partnershipLeads = pgTable(
  'partnership_leads',
  {
    id: id(),
    uuid: publicUuid(),
    partnership_id: integer('partnership_id')
      .notNull()
      .references(() => partnerships.id, { onDelete: 'cascade' }),
    partner_type: text('partner_type', { enum: PARTNER_TYPES }).notNull(),
    sent_by_company_id: integer('sent_by_company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    received_by_company_id: integer('received_by_company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    sent_by_user_id: integer('sent_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    sender_lead_id: integer('sender_lead_id')
      .notNull()
      .references(() => leads.id, { onDelete: 'cascade' }),
    receiver_lead_id: integer('receiver_lead_id').references(() => leads.id, { onDelete: 'set null' }),
    created_at: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('partnership_leads_sender_idx').on(t.sender_lead_id),
    index('partnership_leads_receiver_idx').on(t.receiver_lead_id),
    // The partner report: a partnership's leads in a date range, counted by sender without
    // visiting the table (an index-only scan).
    index('partnership_leads_partnership_created_idx').on(
      t.partnership_id,
      t.created_at,
      t.sent_by_company_id,
    ),
  ],
);

export const leadAttributions = pgTable(
  'lead_attributions',
  {
    id: id(),
    lead_id: integer('lead_id')
      .notNull()
      .references(() => leads.id, { onDelete: 'cascade' }),
    company_partnership_id: integer('company_partnership_id')
      .notNull()
      .references(() => companyPartnerships.id, { onDelete: 'cascade' }),
    attributed_date: tstz('attributed_date').notNull(),
    series: integer('series').notNull(),
  },
  (t) => [index('lead_attributions_lead_idx').on(t.lead_id)],
);

export const leadNotes = pgTable(
  'lead_notes',
  {
    id: id(),
    uuid: publicUuid(),
    lead_id: integer('lead_id')
      .notNull()
      .references(() => leads.id, { onDelete: 'cascade' }),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    created_by_user_id: integer('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    document: jsonb('document').notNull(),
    attachments: jsonb('attachments').notNull().default(sql`'[]'::jsonb`),
    mentions: integer('mentions').array().notNull().default(sql`'{}'::integer[]`),
    ...timestamps(),
  },
  (t) => [index('lead_notes_lead_idx').on(t.lead_id, t.id)],
);

/**
 * Live (not deleted) leads per company, spread over slots so concurrent inserts of one company
 * do not queue on one row; the sum of a company's slots is its exact count. Kept by a trigger on
 * `leads` (migration 0005): an unfiltered list reads it instead of counting 100,000 rows.
 */
export const leadCounters = pgTable(
  'lead_counters',
  {
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    slot: integer('slot').notNull(),
    live: bigint('live', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.company_id, t.slot] })],
);

/**
 * The outbox: every change that webhooks and notifications are built from, written in the
 * same transaction as the change itself.
 */
export const events = pgTable(
  'events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    uuid: uuid('uuid').notNull().unique().defaultRandom(),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    payload: jsonb('payload').notNull(),
    api_key_id: integer('api_key_id').references(() => apiKeys.id, { onDelete: 'set null' }),
    /** The user who made the change (a key's user or a session's): their own notices are skipped. */
    actor_user_id: integer('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    /** Internal instructions for the relay (who to notify, and why); never sent to webhooks. */
    meta: jsonb('meta'),
    created_at: tstz('created_at').notNull().defaultNow(),
    /** Set by the relay once it has turned the event into deliveries and notifications. */
    relayed_at: tstz('relayed_at'),
  },
  (t) => [
    index('events_company_idx').on(t.company_id, t.id),
    index('events_unrelayed_idx').on(t.id).where(sql`${t.relayed_at} IS NULL`),
  ],
);
