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
  objectId,
  positiveId,
  storableText,
  wholeNumber,
} from '../../core/schemas.js';
import {
  DEAL_SIDE_ROLES,
  DEAL_STAGE_PHASES,
  INTEGRATION_NAMES,
  PARTNER_TYPES,
  PAYMENT_CATEGORIES,
  PAYMENT_STAGE_PHASES,
  RECIPIENT_TYPES,
} from '../../db/schema/index.js';
import { oneOf } from '../catalogues/index.js';
import { CustomFieldValue, CustomFieldValuesInput } from '../custom-field-values/index.js';
import { enumCsv, flag, idCsv, text } from '../partners/index.js';

// Deals (`/v1/deals`, alias `/v1/lead-deals`): API.md "Deals", reference A11–A14 and B1–B5.
// Money is exact: a decimal in whole currency units, sent as a JSON string ("1250.50") or a
// number (1250.5), and always returned as a string with the currency's minor digits ("1250.50",
// JPY "1250"). A JSON number is read by the server's JSON parser as a double, so a number whose
// shortest form is not the decimal the client meant (more than 15 significant digits) is refused:
// send such amounts as strings. See docs/deals.md.

export const DEAL_MESSAGES = {
  notFound: 'Deal not found or not accessible',
  alreadyDeleted: 'Deal not found or already deleted',
  leadNotFound: 'Lead not found or not accessible',
  ownerOnly:
    'Only the company that owns this deal can change its label, value, currency, expiration date, payment stage or commission, or delete it',
  noPartnership: 'Commission applies to partnership deals only: this deal has no partnership',
  paymentNotFound: 'Payment not found or not accessible',
} as const;

const uuidString = z.uuid({ error: 'must be a uuid' }).check(storableText);

/** A money amount as sent: a decimal string or a JSON number, ≥ 0; canonicalised to a string. */
export const MONEY_PATTERN = /^(?:0|[1-9]\d{0,14})(?:\.\d{1,4})?$/;
const MONEY_ERROR =
  'must be a decimal amount such as "1250.50" (at most 15 digits before the point, 4 after)';
export const moneyInput = z
  .union([inputString(), z.number()], { error: MONEY_ERROR })
  .transform((v, ctx) => {
    const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v.trim();
    // A number may print as 1e+21 or lose digits: only plain decimals pass.
    if (
      !MONEY_PATTERN.test(s) ||
      (typeof v === 'number' && s.replace(/[.]/g, '').replace(/^0+/, '').length > 15)
    ) {
      ctx.addIssue({ code: 'custom', message: MONEY_ERROR });
      return z.NEVER;
    }
    return s;
  })
  .meta({ type: 'string', examples: ['1250.50'] });

const dateOnly = z.iso
  .date({ error: 'must be a date such as 2025-06-30' })
  .check(storableText)
  .nullable()
  .optional();

const currencyCode = inputString()
  .regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 currency code such as USD' })
  .optional();

const tagUuids = z
  .array(uuidString, { error: 'must be an array of tag uuids' })
  .max(100, { error: 'must have at most 100 uuids' })
  .optional()
  .describe('Deal tags of your company, by uuid (B1); combined with `tags`');

const shared = {
  label: text(200).min(1, { error: 'must not be empty' }).optional().describe('Default: from the lead'),
  deal_label: text(200)
    .min(1, { error: 'must not be empty' })
    .optional()
    .describe('Legacy alias of `label` (A13); `label` wins when both are sent'),
  deal_value: moneyInput.optional().describe('Whole currency units, exact: "1250.50" (default "0")'),
  currency_code: currencyCode.describe("ISO 4217 (default: your company's `default_currency`)"),
  currency_uuid: uuidString
    .optional()
    .describe('A currency of `GET /v1/currencies`, instead of `currency_code`'),
  expiration_date: dateOnly,
  stage_id: bodyId.optional().describe('A deal stage (`/v1/stages/lead-deal-stages`) of your company'),
  stage_uuid: uuidString.optional().describe('The same by uuid'),
  payment_stage_id: bodyId
    .nullable()
    .optional()
    .describe(
      'A payment stage (`/v1/stages/payment-stages`) of the owner; entering one a commission entry names makes its payments',
    ),
  payment_stage_uuid: uuidString.nullable().optional().describe('The same by uuid'),
  tags: idRefs('tag').optional().describe('Deal tags (`association: lead_deal`) of your company'),
  tag_uuids: tagUuids,
  assignedUsers: idRefs('user').optional().describe('Active users of your company'),
  customFields: CustomFieldValuesInput.optional().describe('Values of your `lead_deal` custom fields'),
};

export const CreateDealBody = z
  .strictObject({
    lead_id: bodyId.optional().describe('A live lead of your company (this or `lead_uuid` is required)'),
    lead_uuid: uuidString.optional(),
    ...shared,
    partnership_id: bodyId
      .optional()
      .describe(
        'An accepted partnership of your company: a partnership deal (both companies see it; commission applies). Default: the partnership the lead came through or was sent over',
      ),
    partnerCustomFields: CustomFieldValuesInput.optional().describe(
      "Values of the partner's `lead_deal` custom fields, for its side (partnership deals)",
    ),
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
  .meta({ id: 'CreateDeal' });

export const UpdateDealBody = z
  .strictObject({
    ...shared,
    tags: shared.tags.describe('Replaces your tags on the deal'),
    assignedUsers: shared.assignedUsers.describe('Replaces your assigned users'),
    customFields: CustomFieldValuesInput.optional().describe(
      'Upserts these values; `value: null` removes one',
    ),
  })
  .meta({ id: 'UpdateDeal' });

// ---- commission (B4/B5) ----

export const COMMISSION_TYPES = ['oneOff', 'recurring'] as const;
export const COMMISSION_OPTIONS = ['fixed', 'percentage'] as const;
const PERCENT_PATTERN = /^(?:0|[1-9]\d{0,2})(?:\.\d{1,4})?$/;

const CommissionEntryInput = z.strictObject({
  payment_stage_id: bodyId.describe('The payment stage (of the deal owner) whose entry makes the payments'),
  calculation: z.strictObject({
    type: oneOf(COMMISSION_TYPES)
      .default('oneOff')
      .describe('`oneOff`: one payment; `recurring`: `number_of_occurrences`'),
    option: oneOf(COMMISSION_OPTIONS).describe(
      '`fixed`: `value` is an amount; `percentage`: `value` % of `deal_value`',
    ),
    value: moneyInput.describe('An amount in the deal currency, or a percentage (0–100) for `percentage`'),
    number_of_occurrences: z
      .number({ error: 'must be an integer from 1 to 120' })
      .int({ error: 'must be an integer from 1 to 120' })
      .min(1, { error: 'must be an integer from 1 to 120' })
      .max(120, { error: 'must be an integer from 1 to 120' })
      .optional()
      .describe('Recurring entries: how many payments, a month apart (default 1)'),
  }),
});

export const CommissionCalculationInput = z
  .strictObject({
    entries: z
      .array(CommissionEntryInput, { error: 'must be an array of entries' })
      .max(20, { error: 'must have at most 20 entries' }),
  })
  .meta({ id: 'CommissionCalculation' });

export const PutCommissionBody = z
  .strictObject({
    calculation: CommissionCalculationInput.nullable().describe('null removes the commission'),
  })
  .meta({ id: 'PutCommission' });

export { PERCENT_PATTERN };

const CommissionEntry = z.object({
  payment_stage_id: objectId,
  payment_stage_uuid: z.string().nullable(),
  payment_stage_label: z.string().nullable(),
  calculation: z.object({
    type: z.enum(COMMISSION_TYPES),
    option: z.enum(COMMISSION_OPTIONS),
    value: z.string(),
    number_of_occurrences: z.number().int().min(1),
  }),
  amount_per_occurrence: z.string().describe('What one payment of this entry is worth today'),
  amount: z.string().describe('amount_per_occurrence × occurrences'),
});

export const Commission = z
  .object({
    calculation: z.object({ entries: z.array(CommissionEntry) }).nullable(),
    total_commission_value: z.string(),
    currency_code: z.string(),
  })
  .meta({ id: 'Commission' });

// ---- payments (B3) ----

export const UpdatePaymentBody = z
  .strictObject({
    approved: z.boolean({ error: 'must be true or false' }).nullable().optional(),
    payment_processing: z.boolean({ error: 'must be true or false' }).optional(),
    payment_completed: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .meta({ id: 'UpdatePayment' });

const CurrencyOut = z.object({ uuid: z.string(), code: z.string(), label: z.string() });

export const Payment = z
  .object({
    id: objectId,
    uuid: z.string(),
    deal_id: objectId,
    deal_uuid: z.string(),
    payment_stage_id: objectId.nullable(),
    payment_stage_label: z.string().nullable(),
    occurrence: z.number().int().min(1),
    payment_value: z.string(),
    payment_date: z.string().describe('YYYY-MM-DD'),
    payment_category: z.enum(PAYMENT_CATEGORIES).nullable(),
    recipient_type: z.enum(RECIPIENT_TYPES).nullable(),
    approved: z.boolean().nullable(),
    payment_processing: z.boolean(),
    payment_processing_date: isoDateTime.nullable(),
    payment_completed: z.boolean(),
    payment_completed_date: isoDateTime.nullable(),
    currency: CurrencyOut,
    created_at: isoDateTime,
    updated_at: isoDateTime,
  })
  .meta({ id: 'Payment' });

// ---- list query ----

export const DEAL_VIEWS = ['received', 'sent', 'reseller', 'campaigns'] as const;
export const DEAL_SORTS = ['created_at', 'updated_at', 'deal_value', 'label'] as const;
const SORT_VALUES = [...DEAL_SORTS, ...DEAL_SORTS.map((s) => `-${s}` as const)] as const;

const isoQuery = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2024-01-15T10:30:00Z' })
  .check(storableText)
  .transform((s) => new Date(s))
  .optional();

export const ListDealsQuery = z.strictObject({
  ...paginationQuery,
  search: text(200).optional().describe("Matches the label and the lead's company name, email and names"),
  view: oneOf(DEAL_VIEWS)
    .optional()
    .describe(
      '`sent`: partnership deals you own; `received`: partnership deals a partner owns and shares with you; `reseller`: deals of reseller partnerships; `campaigns`: deals on campaign leads',
    ),
  stages: idCsv.describe('Comma-separated deal stage ids of your company'),
  phases: enumCsv(DEAL_STAGE_PHASES).describe(`Comma-separated phases: ${DEAL_STAGE_PHASES.join(', ')}`),
  tags: idCsv.describe('Comma-separated tag ids: deals with any of them'),
  users: idCsv.describe('Comma-separated user ids: deals assigned to any of them'),
  assigned: flag.describe('1: only deals with assigned users'),
  unassigned: flag.describe('1: only deals without assigned users'),
  lead_id: positiveId.optional().describe("A lead's deals"),
  partnership_id: positiveId.optional().describe("A partnership's deals"),
  created_after: isoQuery.describe('Deals created strictly after this instant'),
  created_before: isoQuery.describe('Deals created strictly before this instant'),
  sort: oneOf(SORT_VALUES)
    .default('-created_at')
    .describe('`created_at`, `updated_at`, `deal_value` or `label`, `-` prefix for descending'),
  showPartnersStages: flag.describe(
    'Accepted for Journeybee compatibility; each side always sees its own stages',
  ),
});

// ---- responses ----

export const CreatedDeal = z.object({ id: objectId, uuid: z.string() }).meta({ id: 'CreatedDeal' });
export const UpdatedDeal = z
  .object({ id: objectId, uuid: z.string(), updated_at: isoDateTime })
  .meta({ id: 'UpdatedDeal' });

const StageOut = z.object({
  id: objectId,
  uuid: z.string(),
  label: z.string(),
  series: wholeNumber,
  phase: z.string(),
});

const dealItemFields = {
  id: objectId,
  uuid: z.string(),
  label: z.string(),
  deal_value: z.string().describe('Exact, whole currency units, with the currency minor digits'),
  currency_code: z.string(),
  currency: CurrencyOut,
  expiration_date: z.string().nullable().describe('YYYY-MM-DD'),
  side: z
    .enum(DEAL_SIDE_ROLES)
    .describe('`owner`: your company made the deal; `partner`: a partner shares it with you'),
  company_id: objectId.describe('The company that owns the deal'),
  lead_id: objectId
    .nullable()
    .describe('Your lead (null: the partner has no copy of the lead shared with you)'),
  lead: z
    .object({
      id: objectId,
      uuid: z.string(),
      first_name: z.string().nullable(),
      last_name: z.string().nullable(),
      email: emailAddress.nullable(),
      company_name: z.string().nullable(),
    })
    .nullable(),
  stage_id: objectId.nullable(),
  stage_label: z.string().nullable(),
  stage_series: wholeNumber.nullable(),
  stage_phase: z.enum(DEAL_STAGE_PHASES).nullable(),
  stage: StageOut.nullable(),
  payment_stage_id: objectId.nullable(),
  payment_stage_label: z.string().nullable(),
  payment_stage_series: wholeNumber.nullable(),
  payment_stage_phase: z.enum(PAYMENT_STAGE_PHASES).nullable(),
  partnership_id: objectId.nullable(),
  partnership_uuid: z.string().nullable(),
  partner_type: z.enum(PARTNER_TYPES).nullable(),
  partner: z
    .object({ id: objectId, uuid: z.string(), name: z.string() })
    .nullable()
    .describe('The other company of a partnership deal'),
  associated_partner: z.array(z.object({ company_id: objectId, company_name: z.string() })),
  campaign_id: objectId.nullable(),
  campaign_title: z.string().nullable(),
  total_commission_value: z.string(),
  tags: z.array(
    z.object({
      id: objectId,
      uuid: z.string(),
      label: z.string(),
      background_color: z.string(),
      text_color: z.string(),
    }),
  ),
  assigned_users: z.array(
    z.object({
      id: objectId,
      uuid: z.string(),
      email: emailAddress,
      first_name: z.string().nullable(),
      last_name: z.string().nullable(),
    }),
  ),
  created_by_user_id: objectId.nullable(),
  created_at: isoDateTime,
  updated_at: isoDateTime,
};

export const DealListItem = z.object(dealItemFields).meta({ id: 'DealListItem' });

export const Deal = z
  .object({
    ...dealItemFields,
    custom_fields: z.array(CustomFieldValue).describe('Your `lead_deal` custom values'),
    integration_name: z.enum(INTEGRATION_NAMES).nullable(),
    integration_custom_fields: z.array(z.object({ uuid: z.string(), value: z.unknown() })).nullable(),
    powerups: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'Deal' });

/** A lead's deals, as `GET /v1/leads` and `GET /v1/leads/{id}` carry them (A6/A7). */
export const LeadDeal = z
  .object({
    id: objectId,
    uuid: z.string(),
    label: z.string(),
    deal_value: z.string(),
    currency_code: z.string(),
    stage_id: objectId.nullable(),
    stage_label: z.string().nullable(),
    stage_series: wholeNumber.nullable(),
    stage_phase: z.enum(DEAL_STAGE_PHASES).nullable(),
  })
  .meta({ id: 'LeadDeal' });

export type CreateDealInput = z.infer<typeof CreateDealBody>;
export type UpdateDealInput = z.infer<typeof UpdateDealBody>;
export type ListDealsInput = z.infer<typeof ListDealsQuery>;
export type DealOut = z.infer<typeof Deal>;
export type DealListItemOut = z.infer<typeof DealListItem>;
export type CommissionInput = z.infer<typeof CommissionCalculationInput>;
export type PaymentOut = z.infer<typeof Payment>;
export type PutCommissionInput = z.infer<typeof PutCommissionBody>;
export type UpdatePaymentInput = z.infer<typeof UpdatePaymentBody>;
export type CommissionOut = z.infer<typeof Commission>;
