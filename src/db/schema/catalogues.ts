import { sql } from 'drizzle-orm';
import { boolean, date, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, publicUuid, timestamps } from './columns.js';
import { companies } from './companies.js';

// Per-company catalogues: tags, tiers, categories, stages (two pipelines), custom field
// definitions and campaigns. Entries in use are protected by RESTRICT foreign keys (→ 409).

export const PARTNER_TYPES = ['referral', 'reseller'] as const;
export type PartnerType = (typeof PARTNER_TYPES)[number];
export const TAG_ASSOCIATIONS = ['lead', 'lead_deal', 'partner', 'card'] as const;
export const STAGE_PIPELINES = ['partner', 'lead_deal', 'payment'] as const;
export const PARTNER_STAGE_PHASES = ['discovery', 'evaluation', 'active', 'inactive'] as const;
export const DEAL_STAGE_PHASES = ['discovery', 'negotiation', 'closed_won', 'closed_lost'] as const;
/** Payment stages (a deal's `payment_stage`): where the money is; commission entries name them. */
export const PAYMENT_STAGE_PHASES = ['pending', 'invoiced', 'paid'] as const;
export const CUSTOM_FIELD_TYPES = [
  'text',
  'textarea',
  'number',
  'date',
  'boolean',
  'select',
  'multi_select',
] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];
export const CUSTOM_FIELD_CATEGORIES = ['lead', 'lead_deal', 'partner'] as const;
export const CAMPAIGN_STATUSES = ['draft', 'active', 'paused', 'completed'] as const;

const companyId = () =>
  integer('company_id')
    .notNull()
    .references(() => companies.id, { onDelete: 'cascade' });

export const tags = pgTable(
  'tags',
  {
    id: id(),
    uuid: publicUuid(),
    company_id: companyId(),
    label: text('label').notNull(),
    association: text('association', { enum: TAG_ASSOCIATIONS }).notNull(),
    background_color: text('background_color').notNull().default('#6B7280'),
    text_color: text('text_color').notNull().default('#FFFFFF'),
    partner_type: text('partner_type', { enum: PARTNER_TYPES }),
    ...timestamps(),
  },
  (t) => [uniqueIndex('tags_company_label_key').on(t.company_id, t.association, sql`lower(${t.label})`)],
);

export const tiers = pgTable(
  'tiers',
  {
    id: id(),
    uuid: publicUuid(),
    company_id: companyId(),
    label: text('label').notNull(),
    background_color: text('background_color').notNull().default('#6B7280'),
    text_color: text('text_color').notNull().default('#FFFFFF'),
    partner_type: text('partner_type', { enum: PARTNER_TYPES }),
    /** The commission calculation new partnership deals of this tier start with (deals copy it). */
    commission_calculation: jsonb('commission_calculation'),
    ...timestamps(),
  },
  (t) => [uniqueIndex('tiers_company_label_key').on(t.company_id, sql`lower(${t.label})`)],
);

export const categories = pgTable(
  'categories',
  {
    id: id(),
    uuid: publicUuid(),
    company_id: companyId(),
    label: text('label').notNull(),
    partner_type: text('partner_type', { enum: PARTNER_TYPES }),
    ...timestamps(),
  },
  (t) => [uniqueIndex('categories_company_label_key').on(t.company_id, sql`lower(${t.label})`)],
);

/** Partner stages and lead-deal stages: one table, two pipelines, ordered by `series`. */
export const stages = pgTable(
  'stages',
  {
    id: id(),
    uuid: publicUuid(),
    company_id: companyId(),
    pipeline: text('pipeline', { enum: STAGE_PIPELINES }).notNull(),
    label: text('label').notNull(),
    series: integer('series').notNull(),
    phase: text('phase').notNull(),
    partner_type: text('partner_type', { enum: PARTNER_TYPES }),
    ...timestamps(),
  },
  (t) => [index('stages_company_pipeline_idx').on(t.company_id, t.pipeline, t.series)],
);

export const customFields = pgTable(
  'custom_fields',
  {
    id: id(),
    uuid: publicUuid(),
    company_id: companyId(),
    label: text('label').notNull(),
    type: text('type', { enum: CUSTOM_FIELD_TYPES }).notNull(),
    category: text('category', { enum: CUSTOM_FIELD_CATEGORIES }).notNull(),
    partner_type: text('partner_type', { enum: PARTNER_TYPES }),
    required: boolean('required').notNull().default(false),
    shared: boolean('shared').notNull().default(false),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('custom_fields_company_label_key').on(t.company_id, t.category, sql`lower(${t.label})`),
    index('custom_fields_company_category_idx').on(t.company_id, t.category),
  ],
);

export const customFieldOptions = pgTable(
  'custom_field_options',
  {
    id: id(),
    custom_field_id: integer('custom_field_id')
      .notNull()
      .references(() => customFields.id, { onDelete: 'cascade' }),
    label: text('label').notNull(),
    series: integer('series').notNull(),
  },
  (t) => [index('custom_field_options_field_idx').on(t.custom_field_id, t.series)],
);

export const campaigns = pgTable(
  'campaigns',
  {
    id: id(),
    uuid: publicUuid(),
    company_id: companyId(),
    title: text('title').notNull(),
    description: text('description'),
    status: text('status', { enum: CAMPAIGN_STATUSES }).notNull().default('active'),
    start_date: date('start_date', { mode: 'string' }),
    end_date: date('end_date', { mode: 'string' }),
    ...timestamps(),
  },
  (t) => [index('campaigns_company_idx').on(t.company_id, t.id)],
);
