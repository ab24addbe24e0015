import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { stages, tags } from './catalogues.js';
import { id, publicUuid, timestamps, tstz } from './columns.js';
import { companies } from './companies.js';
import { INTEGRATION_NAMES, leads } from './leads.js';
import { partnerships } from './partnerships.js';
import { users } from './users.js';

// Deals: the revenue on a lead. A deal is one row of shared facts (value, currency, commission,
// payments: the same for both companies of a partnership deal) and one `deal_sides` row per
// company that sees it (its own stage and lead). Tags, assigned users and custom values hang off
// the deal and belong to a side by their own company (a tag, a user, a field is one company's).
// Money is `numeric` in whole currency units, never a float; the API speaks decimal strings.

/** ISO 4217 currencies (seeded by a migration from Node's Intl data); deals point here by code. */
export const currencies = pgTable('currencies', {
  id: integer('id').primaryKey(),
  uuid: publicUuid(),
  code: text('code').notNull().unique(),
  label: text('label').notNull(),
  /** Digits after the decimal point (USD 2, JPY 0, BHD 3): amounts are rounded to it. */
  minor_digits: integer('minor_digits').notNull(),
});

/** At most 15 digits before the point and 4 after: every currency's minor unit fits. */
const money = (name: string) => numeric(name, { precision: 19, scale: 4 });

export const DEAL_SIDE_ROLES = ['owner', 'partner'] as const;
export type DealSideRole = (typeof DEAL_SIDE_ROLES)[number];

export const deals = pgTable(
  'deals',
  {
    id: id(),
    uuid: publicUuid(),
    /** The company that made the deal (its owner): it sets the shared facts and the commission. */
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    /** The partnership the deal is credited to (a partnership deal), if any. */
    partnership_id: integer('partnership_id').references(() => partnerships.id, { onDelete: 'restrict' }),
    created_by_user_id: integer('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    label: text('label').notNull(),
    deal_value: money('deal_value').notNull().default('0'),
    currency_code: text('currency_code')
      .notNull()
      .references(() => currencies.code, { onDelete: 'restrict' }),
    expiration_date: date('expiration_date', { mode: 'string' }),
    /** The owner's payment stage (a `payment` pipeline stage of the owner). */
    payment_stage_id: integer('payment_stage_id').references(() => stages.id, { onDelete: 'restrict' }),
    /** `{entries: [...]}` as PUT /v1/deals/{id}/commission takes it; null: no commission. */
    commission_calculation: jsonb('commission_calculation'),
    /** Σ entries (amount per occurrence × occurrences), rounded to the currency's minor unit. */
    total_commission_value: money('total_commission_value').notNull().default('0'),
    integration_name: text('integration_name', { enum: INTEGRATION_NAMES }),
    integration_custom_fields: jsonb('integration_custom_fields'),
    powerups: jsonb('powerups'),
    deleted_at: tstz('deleted_at'),
    ...timestamps(),
  },
  (t) => [
    check('deals_value_not_negative', sql`${t.deal_value} >= 0`),
    index('deals_company_created_idx')
      .on(t.company_id, t.created_at.desc(), t.id.desc())
      .where(sql`${t.deleted_at} IS NULL`),
    index('deals_partnership_idx').on(t.partnership_id, t.created_at).where(sql`${t.deleted_at} IS NULL`),
  ],
);

/** One company's view of a deal: the owner's, and the partner's on a partnership deal. */
export const dealSides = pgTable(
  'deal_sides',
  {
    deal_id: integer('deal_id')
      .notNull()
      .references(() => deals.id, { onDelete: 'cascade' }),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    role: text('role', { enum: DEAL_SIDE_ROLES }).notNull(),
    /** This side's lead: the owner's lead; for the partner, its copy of it (null when it has none). */
    lead_id: integer('lead_id').references(() => leads.id, { onDelete: 'set null' }),
    /** This side's lead-deal stage. */
    stage_id: integer('stage_id').references(() => stages.id, { onDelete: 'restrict' }),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.deal_id, t.company_id] }),
    // The deal list: a company's sides, newest deal first.
    index('deal_sides_company_idx').on(t.company_id, t.deal_id.desc()),
    index('deal_sides_lead_idx').on(t.lead_id),
    index('deal_sides_stage_idx').on(t.stage_id),
    // The deals partners share with a company (the deal list's second branch, beside the
    // owned deals of deals_company_created_idx): only its partner sides, not every side it has.
    index('deal_sides_partner_idx')
      .on(t.company_id, t.deal_id)
      .where(sql`${t.role} = 'partner'`),
  ],
);

export const dealTags = pgTable(
  'deal_tags',
  {
    deal_id: integer('deal_id')
      .notNull()
      .references(() => deals.id, { onDelete: 'cascade' }),
    tag_id: integer('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ columns: [t.deal_id, t.tag_id] }), index('deal_tags_tag_idx').on(t.tag_id)],
);

export const dealUsers = pgTable(
  'deal_users',
  {
    deal_id: integer('deal_id')
      .notNull()
      .references(() => deals.id, { onDelete: 'cascade' }),
    user_id: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.deal_id, t.user_id] }), index('deal_users_user_idx').on(t.user_id)],
);

/** A side's notes on a deal (each company sees its own), with the lead-note document rules. */
export const dealNotes = pgTable(
  'deal_notes',
  {
    id: id(),
    uuid: publicUuid(),
    deal_id: integer('deal_id')
      .notNull()
      .references(() => deals.id, { onDelete: 'cascade' }),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    created_by_user_id: integer('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    document: jsonb('document').notNull(),
    attachments: jsonb('attachments').notNull().default(sql`'[]'::jsonb`),
    mentions: integer('mentions').array().notNull().default(sql`'{}'::integer[]`),
    ...timestamps(),
  },
  (t) => [index('deal_notes_deal_idx').on(t.deal_id, t.company_id, t.id)],
);

export const PAYMENT_CATEGORIES = ['commission', 'spiff'] as const;
export const RECIPIENT_TYPES = ['partnership', 'user', 'contact'] as const;

/**
 * A commission payment of a partnership deal: made when the deal enters a payment stage a
 * commission entry names, one row per occurrence (a recurring entry makes several, a month
 * apart). The owner's admins approve it and mark it completed; both sides read it.
 */
export const dealPayments = pgTable(
  'deal_payments',
  {
    id: id(),
    uuid: publicUuid(),
    deal_id: integer('deal_id')
      .notNull()
      .references(() => deals.id, { onDelete: 'cascade' }),
    /** The deal's owner (who pays). */
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    partnership_id: integer('partnership_id')
      .notNull()
      .references(() => partnerships.id, { onDelete: 'cascade' }),
    payment_stage_id: integer('payment_stage_id').references(() => stages.id, { onDelete: 'set null' }),
    /** 1-based: the n-th occurrence of the entry for that payment stage. */
    occurrence: integer('occurrence').notNull(),
    payment_value: money('payment_value').notNull(),
    currency_code: text('currency_code')
      .notNull()
      .references(() => currencies.code, { onDelete: 'restrict' }),
    payment_date: date('payment_date', { mode: 'string' }).notNull(),
    payment_category: text('payment_category', { enum: PAYMENT_CATEGORIES }).notNull().default('commission'),
    recipient_type: text('recipient_type', { enum: RECIPIENT_TYPES }).notNull().default('partnership'),
    /** null: not reviewed yet; true / false: approved / rejected. */
    approved: boolean('approved'),
    approved_at: tstz('approved_at'),
    approved_by_user_id: integer('approved_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    payment_processing: boolean('payment_processing').notNull().default(false),
    payment_processing_date: tstz('payment_processing_date'),
    payment_completed: boolean('payment_completed').notNull().default(false),
    payment_completed_date: tstz('payment_completed_date'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('deal_payments_occurrence_key').on(t.deal_id, t.payment_stage_id, t.occurrence),
    index('deal_payments_partnership_idx').on(t.partnership_id, t.created_at),
    check('deal_payments_value_not_negative', sql`${t.payment_value} >= 0`),
  ],
);
