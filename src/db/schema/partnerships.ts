import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { categories, customFields, PARTNER_TYPES, stages, tags, tiers } from './catalogues.js';
import { id, publicUuid, timestamps, tstz } from './columns.js';
import { companies } from './companies.js';
import { users } from './users.js';

export const PARTNERSHIP_STATUSES = ['pending', 'accepted', 'declined', 'inactive'] as const;
export type PartnershipStatus = (typeof PARTNERSHIP_STATUSES)[number];
export const RESELLER_SIDES = ['company', 'partner'] as const;

/** The link between two companies: `company_id` invited `partner_company_id`. */
export const partnerships = pgTable(
  'partnerships',
  {
    id: id(),
    uuid: publicUuid(),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    partner_company_id: integer('partner_company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    partner_type: text('partner_type', { enum: PARTNER_TYPES }).notNull(),
    // For reseller partnerships: which side resells, seen from the inviting company.
    reseller: text('reseller', { enum: RESELLER_SIDES }),
    status: text('status', { enum: PARTNERSHIP_STATUSES }).notNull(),
    invited_by_user_id: integer('invited_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    accepted_at: tstz('accepted_at'),
    declined_at: tstz('declined_at'),
    ...timestamps(),
  },
  (t) => [
    // One partnership of each type per pair of companies, whichever side invited.
    uniqueIndex('partnerships_pair_type_key').on(
      sql`least(${t.company_id}, ${t.partner_company_id})`,
      sql`greatest(${t.company_id}, ${t.partner_company_id})`,
      t.partner_type,
    ),
  ],
);

/** Each side's own record of a partnership: what GET /v1/partners lists for that side. */
export const companyPartnerships = pgTable(
  'company_partnerships',
  {
    id: id(),
    uuid: publicUuid(),
    partnership_id: integer('partnership_id')
      .notNull()
      .references(() => partnerships.id, { onDelete: 'cascade' }),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    partner_company_id: integer('partner_company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    stage_id: integer('stage_id').references(() => stages.id, { onDelete: 'restrict' }),
    tier_id: integer('tier_id').references(() => tiers.id, { onDelete: 'restrict' }),
    category_id: integer('category_id').references(() => categories.id, { onDelete: 'restrict' }),
    // Partner data kept for when the partner company becomes inactive (Journeybee's fallbackData).
    fallback_data: jsonb('fallback_data'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('company_partnerships_side_key').on(t.partnership_id, t.company_id),
    index('company_partnerships_company_idx').on(t.company_id, t.id),
  ],
);

export const companyPartnershipTags = pgTable(
  'company_partnership_tags',
  {
    company_partnership_id: integer('company_partnership_id')
      .notNull()
      .references(() => companyPartnerships.id, { onDelete: 'cascade' }),
    tag_id: integer('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ columns: [t.company_partnership_id, t.tag_id] }), index('cpt_tag_idx').on(t.tag_id)],
);

export const companyPartnershipUsers = pgTable(
  'company_partnership_users',
  {
    company_partnership_id: integer('company_partnership_id')
      .notNull()
      .references(() => companyPartnerships.id, { onDelete: 'cascade' }),
    user_id: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.company_partnership_id, t.user_id] }),
    index('cpu_user_idx').on(t.user_id),
  ],
);

/** A partner company's contact person, kept by one company for one of its partnerships. */
export const contacts = pgTable(
  'contacts',
  {
    id: id(),
    uuid: publicUuid(),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    company_partnership_id: integer('company_partnership_id')
      .notNull()
      .references(() => companyPartnerships.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    first_name: text('first_name'),
    last_name: text('last_name'),
    position: text('position'),
    phone_number: text('phone_number'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('contacts_partnership_email_key').on(t.company_partnership_id, sql`lower(${t.email})`),
    index('contacts_company_idx').on(t.company_id, t.id),
  ],
);

export const contactTags = pgTable(
  'contact_tags',
  {
    contact_id: integer('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    tag_id: integer('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ columns: [t.contact_id, t.tag_id] }), index('contact_tags_tag_idx').on(t.tag_id)],
);

export const CUSTOM_FIELD_ENTITIES = ['partner', 'lead', 'lead_deal', 'contact'] as const;
export type CustomFieldEntity = (typeof CUSTOM_FIELD_ENTITIES)[number];

/**
 * One value of one custom field on one entity (a company partnership, a lead, …). `value` is
 * the typed object the API speaks: {"text": …}, {"number": …}, {"select": optionId}, ….
 */
export const customFieldValues = pgTable(
  'custom_field_values',
  {
    id: id(),
    uuid: publicUuid(),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    custom_field_id: integer('custom_field_id')
      .notNull()
      .references(() => customFields.id, { onDelete: 'restrict' }),
    entity_type: text('entity_type', { enum: CUSTOM_FIELD_ENTITIES }).notNull(),
    entity_id: integer('entity_id').notNull(),
    value: jsonb('value').notNull(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('custom_field_values_entity_key').on(t.entity_type, t.entity_id, t.custom_field_id),
    index('custom_field_values_field_idx').on(t.custom_field_id),
  ],
);
