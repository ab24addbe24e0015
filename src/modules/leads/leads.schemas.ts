import { z } from 'zod';
import { paginationQuery } from '../../core/pagination.js';
import {
  bodyId,
  emailAddress,
  externalId,
  freeJson,
  idRefs,
  inputString,
  isoDateTime,
  isoInput,
  objectId,
  positiveId,
  storableText,
} from '../../core/schemas.js';
import {
  ASSOCIATION_TYPES,
  INTEGRATION_NAMES,
  LEAD_SOURCES,
  LEAD_STATUSES,
  PARTNER_TYPES,
} from '../../db/schema/index.js';
import { oneOf } from '../catalogues/index.js';
import { CustomFieldValue, CustomFieldValuesInput } from '../custom-field-values/index.js';
import { LeadDeal } from '../deals/index.js';
import { emailField, enumCsv, flag, idCsv, TagRefList, text } from '../partners/index.js';
import { LeadNote } from './notes/lead-notes.schemas.js';

// The Create Lead body is the seed's (003), spelled as it spells it: `company_name` next to
// `associationType`. Structure is checked here; whether ids are the caller's (partnership,
// campaign, tags, users, custom fields) is the service's job.

/** The seed's own error messages (POST /v1/leads, A9, A10). */
export const LEAD_MESSAGES = {
  missingRequired: 'Missing required fields or invalid association type',
  invalidValues: 'Invalid field values or missing required association',
  duplicate: 'Duplicate lead or unique constraint violation',
  notFound: 'Lead not found or not accessible',
  alreadyDeleted: 'Lead not found or already deleted',
} as const;

/** A lead needs one of these: the problem is reported under both. */
export const CONTACT_KEYS = ['email', 'company_name'] as const;
export const NEEDS_CONTACT = 'a lead needs an email or a company_name';

/** Trimmed text; an empty string is no value (null). Absent stays absent: PATCH leaves it alone. */
const contactText = (max: number) =>
  text(max)
    .transform((v) => v || null)
    .nullable()
    .optional();

const contactFields = {
  company_name: contactText(200).describe('Lead company name'),
  email: emailField.nullable().optional().describe('Lead contact email address'),
  phone_number: contactText(50).describe('Lead contact phone number'),
  first_name: contactText(100).describe('Lead contact first name'),
  last_name: contactText(100).describe('Lead contact last name'),
};

const PartnershipLeadInput = z
  .strictObject({
    partnership_id: bodyId.describe('An accepted partnership of your company, of the association type'),
    partners_company_id: bodyId.optional().describe("The partner company's id; checked when sent"),
    company_partnerships_id: bodyId
      .optional()
      .describe('Your company partnership id (`GET /v1/partners` `id`); checked when sent'),
    sendToPartner: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .describe("true: also create the partner's own copy of the lead"),
    assignedFromPartnerLead: z.boolean({ error: 'must be true or false' }).optional(),
    formSubmissionLead: z.boolean({ error: 'must be true or false' }).optional(),
    formDirection: text(100).optional(),
    partners_company_name: text(200).optional(),
    partnerUsers: idRefs('user')
      .optional()
      .describe('Active users of the partner company the copy is assigned to (sendToPartner only)'),
    sentBy: z
      .strictObject({
        userId: bodyId.optional().describe('A user of your company'),
        email: emailField.optional(),
        companyName: text(200).optional(),
      })
      .optional(),
  })
  .describe('Referral and reseller leads: the partnership the lead goes through; stored as sent');
export type PartnershipLeadInput = z.infer<typeof PartnershipLeadInput>;

export const CreateLeadBody = z
  .strictObject({
    ...contactFields,
    source: oneOf(LEAD_SOURCES)
      .optional()
      .describe('Default: `partnership` for referral and reseller leads, `campaign` for campaign leads'),
    status: oneOf(LEAD_STATUSES).optional().describe('Default: `new`'),
    associationType: oneOf(ASSOCIATION_TYPES),
    companyCampaignId: bodyId
      .optional()
      .describe('A campaign of your company: required for campaign leads, optional for the others'),
    partnershipLead: PartnershipLeadInput.optional(),
    tags: idRefs('tag').optional().describe('Lead tags of your company'),
    customFields: CustomFieldValuesInput.optional().describe('Values of your lead custom fields'),
    partnerCustomFields: CustomFieldValuesInput.optional().describe(
      "Values of the partner's lead custom fields, for its copy (sendToPartner only)",
    ),
    attributions: z
      .array(
        z.strictObject({
          id: bodyId.describe('One of your company partnerships'),
          attributedDate: isoInput,
        }),
        { error: 'must be an array of {id, attributedDate}' },
      )
      .max(100, { error: 'must have at most 100 items' })
      .optional()
      .describe('Partnerships credited with the lead, in order'),
    integrationName: oneOf(INTEGRATION_NAMES).optional(),
    integrationCustomFields: z
      .array(z.strictObject({ uuid: text(200).min(1, { error: 'must not be empty' }), value: freeJson }), {
        error: 'must be an array of {uuid, value}',
      })
      .max(200, { error: 'must have at most 200 items' })
      .optional()
      .describe('Stored as sent'),
    powerups: z
      .strictObject({
        pipedrive: z
          .strictObject({ person_id: externalId, organization_id: externalId, deal_id: externalId })
          .optional(),
      })
      .optional()
      .describe('CRM ids, stored as sent'),
  })
  // Runs whatever else is wrong, so the 400 names every problem at once.
  .check(
    z.superRefine(
      (body, ctx) => {
        const given = body as Record<string, unknown> | null;
        if (typeof given !== 'object' || given === null) return;
        if (CONTACT_KEYS.some((key) => typeof given[key] === 'string' && given[key] !== '')) return;
        for (const key of CONTACT_KEYS) ctx.addIssue({ code: 'custom', path: [key], message: NEEDS_CONTACT });
      },
      { when: () => true },
    ),
  )
  .meta({ id: 'CreateLead' });

export const UpdateLeadBody = z
  .strictObject({
    ...contactFields,
    status: oneOf(LEAD_STATUSES).optional(),
    assignedUsers: idRefs('user')
      .optional()
      .describe('Replaces the assigned users: active users of your company'),
    tags: idRefs('tag').optional().describe('Replaces the tags: lead tags of your company'),
    customFields: CustomFieldValuesInput.optional().describe(
      'Upserts these values; `value: null` removes one',
    ),
  })
  .meta({ id: 'UpdateLead' });

/** The seed's example request (003, "Example Request"), shown in the document. */
export const CREATE_LEAD_EXAMPLE = {
  company_name: 'TechCorp Solutions',
  email: 'contact@techcorp.com',
  phone_number: '+1-555-123-4567',
  first_name: 'John',
  last_name: 'Smith',
  source: 'partnership',
  associationType: 'referral',
  partnershipLead: {
    partnership_id: 456,
    partners_company_id: 234,
    company_partnerships_id: 789,
    sendToPartner: true,
    partnerUsers: [567, 890],
  },
  tags: [10, 11],
  customFields: [
    { customFieldId: 5, type: 'number', value: { number: 100000 } },
    { customFieldId: 6, type: 'text', value: { text: 'High-value prospect from referral' } },
  ],
  attributions: [{ id: 3, attributedDate: '2024-01-15T10:30:00Z' }],
} satisfies z.input<typeof CreateLeadBody>;

/** The seed's example response, with a real uuid where the seed has a placeholder. */
export const CREATED_LEAD_EXAMPLE = {
  id: 789,
  uuid: '3f6c1e2a-8b4d-4f7a-9c0e-5d2b7a1f4e68',
  partnershipLeadId: 123,
} satisfies z.input<typeof CreatedLead>;

// ---- list query ----

export const LEAD_VIEWS = ['received', 'sent', 'reseller', 'campaigns'] as const;
export const LEAD_SORTS = ['created_at', 'updated_at', 'company_name'] as const;
const SORT_VALUES = [...LEAD_SORTS, ...LEAD_SORTS.map((s) => `-${s}` as const)] as const;

const isoQuery = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2024-01-15T10:30:00Z' })
  .check(storableText)
  .transform((s) => new Date(s))
  .optional();

export const ListLeadsQuery = z.strictObject({
  ...paginationQuery,
  search: text(200)
    .optional()
    .describe('Matches company name, email, phone number, first or last name (case-insensitive, anywhere)'),
  status: enumCsv(LEAD_STATUSES).describe(`Comma-separated statuses: ${LEAD_STATUSES.join(', ')}`),
  tags: idCsv.describe('Comma-separated tag ids: leads with any of them'),
  users: idCsv.describe('Comma-separated user ids: leads assigned to any of them'),
  view: oneOf(LEAD_VIEWS)
    .optional()
    .describe(
      '`received`: copies sent to you by partners; `sent`: leads you shared over a partnership; `reseller`: reseller leads; `campaigns`: campaign leads',
    ),
  assigned: flag.describe('1: only leads with assigned users'),
  unassigned: flag.describe('1: only leads without assigned users'),
  campaign: positiveId.optional().describe('A campaign id: its leads'),
  created_after: isoQuery.describe('Leads created strictly after this instant'),
  created_before: isoQuery.describe('Leads created strictly before this instant'),
  sort: oneOf(SORT_VALUES)
    .default('-created_at')
    .describe(
      '`created_at`, `updated_at` or `company_name` (case-insensitive; leads without one last), `-` prefix for the exact reverse',
    ),
  userId: inputString()
    .optional()
    .describe('Accepted for Journeybee compatibility and ignored: the key identifies the caller'),
});

// ---- responses ----

export const CreatedLead = z
  .object({
    id: objectId,
    uuid: z.string(),
    partnershipLeadId: objectId
      .nullable()
      .describe('The partnership lead recorded for a referral or reseller lead; null for a campaign lead'),
  })
  .meta({ id: 'CreatedLead' });

export const UpdatedLead = z
  .object({ id: objectId, uuid: z.string(), updated_at: isoDateTime })
  .meta({ id: 'UpdatedLead' });

const AssignedUser = z.object({
  id: objectId,
  email: emailAddress,
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  color: z.string().nullable(),
});

const PartnershipLeadOut = z.object({
  id: objectId,
  created_at: isoDateTime,
  partnership_id: objectId,
  sent_by_company_id: objectId,
  sent_by_company_name: z.string(),
  received_by_company_id: objectId,
  received_by_company_name: z.string(),
  partner_type: z.enum(PARTNER_TYPES),
  direction: z.enum(['sent', 'received']).describe('Seen from your company'),
});

const leadItemFields = {
  id: objectId,
  uuid: z.string(),
  company_id: objectId,
  created_by_user_id: objectId.nullable(),
  company_name: z.string().nullable(),
  email: emailAddress.nullable(),
  phone_number: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  source: z.enum(LEAD_SOURCES),
  status: z.enum(LEAD_STATUSES),
  association_type: z.enum(ASSOCIATION_TYPES),
  partner_type: z.enum(PARTNER_TYPES).nullable(),
  campaign_id: objectId.nullable(),
  campaign_title: z.string().nullable(),
  tags: TagRefList,
  assigned_users: z.array(AssignedUser),
  partnership_leads: z.array(PartnershipLeadOut),
  lead_deals: z
    .array(LeadDeal)
    .describe("The lead's live deals (your side of each: your stage), oldest first"),
  created_at: isoDateTime,
  updated_at: isoDateTime,
};

export const LeadListItem = z.object(leadItemFields).meta({ id: 'LeadListItem' });

const StoredCustomFieldValue = z.object({
  customFieldId: objectId,
  type: z.string(),
  value: z.record(z.string(), z.unknown()).nullable(),
});

export const Lead = z
  .object({
    ...leadItemFields,
    custom_fields: z.array(CustomFieldValue),
    attributions: z.array(
      z.object({
        id: objectId.describe('The company partnership credited'),
        attributed_date: isoDateTime,
        series: z.number().int().min(1).describe('Position in the list, from 1'),
      }),
    ),
    notes: z.array(LeadNote),
    integration_name: z.enum(INTEGRATION_NAMES).nullable(),
    integration_custom_fields: z.array(z.object({ uuid: z.string(), value: z.unknown() })).nullable(),
    powerups: z.record(z.string(), z.unknown()).nullable(),
    partnership_lead_input: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe('The `partnershipLead` object as it was sent (`partnerUsers` as ids)'),
    partner_custom_fields: z
      .array(StoredCustomFieldValue)
      .nullable()
      .describe("The `partnerCustomFields` as they were sent; the partner's copy keeps its own values"),
  })
  .meta({ id: 'Lead' });

export type CreateLeadInput = z.infer<typeof CreateLeadBody>;
export type UpdateLeadInput = z.infer<typeof UpdateLeadBody>;
export type ListLeadsInput = z.infer<typeof ListLeadsQuery>;
export type LeadListItemOut = z.infer<typeof LeadListItem>;
export type LeadOut = z.infer<typeof Lead>;
export type CreatedLeadOut = z.infer<typeof CreatedLead>;
export type LeadSort = (typeof LEAD_SORTS)[number];
export type LeadView = (typeof LEAD_VIEWS)[number];
