import { z } from 'zod';
import { paginationQuery } from '../../core/pagination.js';
import {
  bodyId,
  EMAIL_DOC,
  emailAddress,
  inputString,
  isoDateTime,
  objectId,
  orRequired,
  storableText,
  wholeNumber,
} from '../../core/schemas.js';
import { PARTNER_TYPES, PARTNERSHIP_STATUSES, RESELLER_SIDES } from '../../db/schema/index.js';
import { DOMAIN_PATTERN } from '../companies/index.js';
import { CustomFieldValue, CustomFieldValuesInput } from '../custom-field-values/index.js';
import { email } from '../users/index.js';
import { emailDomain, isFreeMailDomain } from './business-email.js';

// ---- request building blocks (contacts use them too) ----

/** A list of ids that replaces a whole association (tags, assigned users). */
export const idArray = z
  .array(bodyId, { error: 'must be an array of ids' })
  .max(100, { error: 'must have at most 100 ids' })
  .superRefine((ids, ctx) => {
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `repeats id ${id}` });
    });
  });

export const text = (max: number) =>
  inputString({ error: orRequired('must be a string') })
    .trim()
    .max(max, { error: `must be at most ${max} characters` });
export const optionalText = (max: number) => text(max).nullable().optional();

const uuidRef = z.guid({ error: 'must be a UUID' }).check(storableText);
const partnerType = z.enum(PARTNER_TYPES, {
  error: orRequired(`must be one of: ${PARTNER_TYPES.join(', ')}`),
});

/** An email address in a request body ("is required" when missing). */
export const emailField = inputString({ error: orRequired('must be a valid email address') })
  .pipe(email)
  .meta(EMAIL_DOC);

const businessEmail = emailField.refine((address) => !isFreeMailDomain(emailDomain(address)), {
  error: 'must be a business email address: free email providers (gmail.com, outlook.com, …) name no company',
});

const domain = inputString({ error: 'must be a string' })
  .trim()
  .toLowerCase()
  .regex(DOMAIN_PATTERN, { error: 'must be a domain name such as acme.com' })
  .refine((d) => !isFreeMailDomain(d), { error: 'must be a business domain, not a free email provider' });

const PartnerEmail = z.strictObject({
  email: businessEmail,
  firstName: optionalText(100),
  lastName: optionalText(100),
  tags: idArray.optional().describe('Partner tag ids for this contact'),
});

// ---- create / update ----

export const CreatePartnerBody = z
  .strictObject({
    name: text(200).min(1, { error: 'must not be empty' }).describe('The partner company name'),
    emails: z
      .array(PartnerEmail, { error: orRequired('must be an array of {email, firstName, lastName, tags}') })
      .min(1, { error: 'must contain at least one email' })
      .max(50, { error: 'must have at most 50 emails' })
      .describe(
        'The partner people: they become your contacts (and users of a newly created partner company)',
      ),
    partnerType,
    tierId: bodyId.nullable().optional(),
    categoryId: bodyId.nullable().optional(),
    stageUuid: uuidRef
      .nullable()
      .optional()
      .describe(
        'A partner stage of yours; default: your first partner stage for this partner type; null: none',
      ),
    inactive: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .describe('Create the partnership inactive: no invitation (status `inactive` instead of `pending`)'),
    countryId: bodyId
      .nullable()
      .optional()
      .describe('The country of a partner company created by this request'),
    emailDomain: domain.optional().describe("The partner's email domain; default: the first email's domain"),
    reseller: z
      .enum(RESELLER_SIDES, { error: `must be one of: ${RESELLER_SIDES.join(', ')}` })
      .optional()
      .describe('Reseller partnerships only: who resells, `partner` (default) or your `company`'),
    assignedUsers: idArray.optional().describe('Active users of your company'),
    tags: idArray.optional().describe('Partner tags of your company'),
    customFields: CustomFieldValuesInput.optional().describe('Values of your partner custom fields'),
  })
  .meta({ id: 'CreatePartner' });

const FallbackData = z.strictObject({
  name: optionalText(200),
  logo_square_uuid: uuidRef.nullable().optional(),
  website_url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .check(storableText)
    .max(2048, { error: 'must be at most 2048 characters' })
    .nullable()
    .optional(),
  country_label: optionalText(100),
});

export const UpdatePartnerBody = z
  .strictObject({
    tierId: bodyId.nullable().optional().describe('null removes the tier'),
    categoryId: bodyId.nullable().optional().describe('null removes the category'),
    stageUuid: uuidRef.nullable().optional().describe('null removes the stage'),
    assignedUsers: idArray.optional().describe('Replaces the assigned users'),
    tags: idArray.optional().describe('Replaces the tags'),
    customFields: CustomFieldValuesInput.optional().describe(
      'Upserts these values; `value: null` removes one',
    ),
    fallbackData: FallbackData.nullable()
      .optional()
      .describe(
        'Your own record of the partner (shown when the partner company is gone); replaces the whole object',
      ),
    inactive: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .describe(
        'Inviting company only: `false` sends the invitation of an inactive partnership (→ pending), ' +
          '`true` withdraws a pending one (→ inactive)',
      ),
  })
  .meta({ id: 'UpdatePartner' });

// ---- list query ----

/** `1,2,3` → [1, 2, 3]; anything that is not a list of ids is a 400 naming the parameter. */
export const idCsv = inputString()
  .transform((raw, ctx) => {
    const parts = raw.split(',').map((p) => p.trim());
    const bad = parts.find((p) => !/^\d{1,10}$/.test(p) || Number(p) < 1 || Number(p) > 2_147_483_647);
    if (bad !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a comma-separated list of ids; '${bad}' is not an id`,
      });
      return z.NEVER;
    }
    return [...new Set(parts.map(Number))];
  })
  .optional();

/** `a,b` → ['a', 'b'], each one of `values`; anything else is a 400 naming the parameter. */
export const enumCsv = <const T extends readonly [string, ...string[]]>(values: T) =>
  inputString()
    .transform((raw, ctx) => {
      const parts = raw.split(',').map((p) => p.trim());
      const bad = parts.find((p) => !(values as readonly string[]).includes(p));
      if (bad !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a comma-separated list of: ${values.join(', ')}; '${bad}' is not one`,
        });
        return z.NEVER;
      }
      return [...new Set(parts)] as T[number][];
    })
    .optional();

const statusCsv = enumCsv(PARTNERSHIP_STATUSES);

/** A query flag: `1` / `true` or `0` / `false`. */
export const flag = z
  .enum(['1', '0', 'true', 'false'], { error: 'must be 1 or 0' })
  .transform((v) => v === '1' || v === 'true')
  .optional();

export const PARTNER_SORTS = ['created_at', 'name', 'stage', 'tier', 'category'] as const;
const SORT_VALUES = [...PARTNER_SORTS, ...PARTNER_SORTS.map((s) => `-${s}` as const)] as const;
export const PARTNER_VIEWS = ['all', 'assigned', 'referral', 'reseller'] as const;

export const ListPartnersQuery = z.strictObject({
  ...paginationQuery,
  search: text(200)
    .optional()
    .describe(
      "Matches the partner's name, email domain, website or country, a contact's email, an assigned user's name or email",
    ),
  view: z
    .enum(PARTNER_VIEWS, { error: `must be one of: ${PARTNER_VIEWS.join(', ')}` })
    .default('all')
    .describe("`assigned`: assigned to the API key's user; `referral` / `reseller`: that partner type"),
  stages: idCsv.describe('Comma-separated stage ids'),
  tags: idCsv.describe('Comma-separated tag ids (any of them)'),
  categories: idCsv.describe('Comma-separated category ids'),
  tiers: idCsv.describe('Comma-separated tier ids'),
  users: idCsv.describe('Comma-separated user ids: partners assigned to any of them'),
  assigned: flag.describe('1: only partners with assigned users'),
  unassigned: flag.describe('1: only partners without assigned users'),
  status: statusCsv.describe(`Comma-separated statuses: ${PARTNERSHIP_STATUSES.join(', ')}`),
  sort: z
    .enum(SORT_VALUES, { error: `must be one of: ${SORT_VALUES.join(', ')}` })
    .default('-created_at')
    .describe('`created_at`, `name`, `stage` (by series), `tier`, `category`; `-` prefix for descending'),
  userId: inputString()
    .optional()
    .describe('Accepted for Journeybee compatibility and ignored: the key identifies the caller'),
});

// ---- responses ----

const TagRef = z.object({
  id: objectId,
  label: z.string(),
  background_color: z.string(),
  text_color: z.string(),
});
export type TagRef = z.infer<typeof TagRef>;
export const TagRefList = z.array(TagRef);

const Country = z.object({ id: objectId, code: z.string(), label: z.string() });

export const Partner = z
  .object({
    id: objectId.describe("Your company partnership id (Journeybee's company_partnerships_id)"),
    uuid: z.string(),
    partnership_id: objectId.describe('The partnership both companies share'),
    partnership: z.object({
      id: objectId,
      uuid: z.string(),
      status: z.enum(PARTNERSHIP_STATUSES),
      partner_type: z.enum(PARTNER_TYPES),
      reseller: z
        .enum(RESELLER_SIDES)
        .nullable()
        .describe('Reseller partnerships: who resells, seen from you (`company` = your company)'),
      invited_by_company_id: objectId,
      created_at: isoDateTime,
      accepted_at: isoDateTime.nullable(),
      declined_at: isoDateTime.nullable(),
    }),
    direction: z.enum(['invited', 'received']).describe('`invited`: your company sent the invitation'),
    stage: z
      .object({
        id: objectId,
        uuid: z.string(),
        label: z.string(),
        series: wholeNumber,
        phase: z.string(),
      })
      .nullable(),
    tier: z
      .object({
        id: objectId,
        uuid: z.string(),
        label: z.string(),
        background_color: z.string(),
        text_color: z.string(),
      })
      .nullable(),
    category: z.object({ id: objectId, uuid: z.string(), label: z.string() }).nullable(),
    partner: z.object({
      id: objectId,
      uuid: z.string(),
      name: z.string(),
      website_url: z.string().nullable(),
      email_domain: z.string().nullable(),
      country: Country.nullable(),
      fallback_data: FallbackData.nullable(),
    }),
    assigned_users: z.array(
      z.object({
        id: objectId,
        email: emailAddress,
        first_name: z.string().nullable(),
        last_name: z.string().nullable(),
      }),
    ),
    tags: TagRefList,
    custom_fields: z.array(CustomFieldValue),
    created_at: isoDateTime,
    updated_at: isoDateTime,
  })
  .meta({ id: 'Partner' });

export const CreatedPartner = Partner.extend({
  invitations: z
    .array(
      z.object({
        email: emailAddress,
        invite_url: z
          .string()
          .optional()
          .describe('The one-time link, only when the server has no SMTP (otherwise it was e-mailed)'),
      }),
    )
    .describe('The invitations sent to the users of a partner company created by this request (else empty)'),
}).meta({ id: 'CreatedPartner' });

export const PartnerUser = z
  .object({
    id: objectId,
    email: emailAddress,
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    color: z.string().nullable(),
    position: z.string().nullable(),
    phone_number: z.string().nullable(),
    company_id: objectId,
    meeting_link: z.string().nullable(),
    company_name: z.string(),
  })
  .meta({ id: 'PartnerUser' });

export type CreatePartnerInput = z.infer<typeof CreatePartnerBody>;
export type UpdatePartnerInput = z.infer<typeof UpdatePartnerBody>;
export type ListPartnersInput = z.infer<typeof ListPartnersQuery>;
export type PartnerOut = z.infer<typeof Partner>;
export type PartnerUserOut = z.infer<typeof PartnerUser>;
