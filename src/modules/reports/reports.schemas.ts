import { z } from 'zod';
import { pageMetaSchema, paginationQuery } from '../../core/pagination.js';
import { objectId, storableText, wholeNumber } from '../../core/schemas.js';
import { PARTNER_TYPES, PARTNERSHIP_STATUSES } from '../../db/schema/index.js';
import { oneOf } from '../catalogues/index.js';
import { currencyCode } from '../companies/index.js';
import { text } from '../partners/index.js';

// The partner report (`GET /v1/reports/partners`): per company partnership of the caller, what
// went through it in a date range, from the caller's side. Money is a decimal string in the
// report's currency (its minor digits); only deals and payments in that currency are summed.

/** The longest range a report covers, in days (both ends counted): ten years and a bit. */
export const MAX_REPORT_DAYS = 3660;
/** The default range: this many days ending today (UTC). */
export const DEFAULT_REPORT_DAYS = 30;

export const REPORT_SORTS = [
  'partner_name',
  'leads_sent',
  'leads_received',
  'deals',
  'won_deals',
  'won_value',
  'pipeline_value',
  'commission_owed',
  'commission_paid',
  'conversion_rate',
] as const;
export type ReportSort = (typeof REPORT_SORTS)[number];
const SORT_VALUES = [...REPORT_SORTS, ...REPORT_SORTS.map((s) => `-${s}` as const)] as const;

export const REPORT_MESSAGES = {
  fromAfterTo: 'must not be after `to`',
  tooLong: `the range must be at most ${MAX_REPORT_DAYS} days`,
} as const;

const day = z.iso.date({ error: 'must be a date such as 2025-06-30' }).check(storableText).optional();

export const PartnerReportQuery = z.strictObject({
  ...paginationQuery,
  from: day.describe(
    `First day of the range (UTC, inclusive); default ${DEFAULT_REPORT_DAYS - 1} days before \`to\``,
  ),
  to: day.describe('Last day of the range (UTC, inclusive); default today'),
  currency: currencyCode
    .optional()
    .describe("ISO 4217 code the money columns are in (default: your company's `default_currency`)"),
  partner_type: oneOf(PARTNER_TYPES).optional().describe('Only partnerships of this type'),
  search: text(200).optional().describe("Matches the partner company's name"),
  sort: oneOf(SORT_VALUES)
    .default('-won_value')
    .describe(
      `${REPORT_SORTS.map((s) => `\`${s}\``).join(', ')}; \`-\` prefix for descending; ties by partner name, then id`,
    ),
});
export type PartnerReportInput = z.infer<typeof PartnerReportQuery>;

const money = z.string().meta({ examples: ['1250.50'] });

const MEASURES = {
  leads_sent: wholeNumber.describe(
    'Partnership leads your company sent over the partnership, created in the range',
  ),
  leads_received: wholeNumber.describe(
    'Partnership leads your company received over it, created in the range',
  ),
  deals: wholeNumber.describe(
    'Live deals of the partnership you have a side of, created in the range (any currency)',
  ),
  won_deals: wholeNumber.describe('Of those, the deals in a `closed_won` stage on your side'),
  won_value: money.describe('Σ value of the won deals in the report currency'),
  pipeline_value: money.describe(
    'Σ value of the open deals (your stage `discovery`, `negotiation` or none) in the report currency',
  ),
  commission_owed: money.describe(
    "Σ commission payments of the partnership's deals created in the range, neither completed nor rejected",
  ),
  commission_paid: money.describe("Σ commission payments of the partnership's deals completed in the range"),
  conversion_rate: z
    .number()
    .min(0)
    .describe('won_deals / (leads_sent + leads_received), rounded to 4 decimals; 0 without leads'),
};

export const PartnerReportRow = z
  .object({
    partner: z.object({
      id: objectId.describe('Your company partnership id (as `GET /v1/partners`)'),
      uuid: z.string(),
      name: z.string().describe("The partner company's name"),
      partner_type: z.enum(PARTNER_TYPES),
      status: z.enum(PARTNERSHIP_STATUSES),
    }),
    partnership_id: objectId.describe('The partnership both companies share'),
    ...MEASURES,
  })
  .meta({ id: 'PartnerReportRow' });
export type PartnerReportRowOut = z.infer<typeof PartnerReportRow>;

export const PartnerReportTotals = z.object(MEASURES).meta({ id: 'PartnerReportTotals' });
export type PartnerReportTotalsOut = z.infer<typeof PartnerReportTotals>;

export const PartnerReport = z
  .object({
    data: z.array(PartnerReportRow),
    meta: pageMetaSchema.extend({
      from: z.string().describe('First day of the range (UTC, inclusive)'),
      to: z.string().describe('Last day of the range (UTC, inclusive)'),
      currency: z.string().describe('The currency the money columns are in'),
      totals: PartnerReportTotals.describe(
        'The measures summed over every matching partner, not only this page',
      ),
    }),
  })
  .meta({ id: 'PartnerReport' });
export type PartnerReportOut = z.infer<typeof PartnerReport>;
