import { z } from 'zod';
import { bodyId, inputString, isoDateTime, objectId, storableText } from '../../core/schemas.js';

// ISO 4217 codes as this Node knows them (Intl), e.g. USD, EUR, GBP.
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export const currencyCode = inputString()
  .refine((code) => CURRENCIES.has(code), { error: 'must be an ISO 4217 currency code such as USD' })
  .meta({ example: 'USD' });

export const Company = z
  .object({
    id: objectId,
    uuid: z.string(),
    name: z.string(),
    domain: z
      .string()
      .nullable()
      .describe("Email domain of the company's people; partners are matched by it"),
    website_url: z.string().nullable(),
    description: z.string().nullable(),
    country_id: objectId.nullable(),
    default_currency: z.string().describe('ISO 4217 code new deals default to'),
    created_at: isoDateTime,
    updated_at: isoDateTime,
  })
  .meta({ id: 'Company' });

const optionalText = (max: number) =>
  inputString()
    .trim()
    .max(max, { error: `must be at most ${max} characters` })
    .nullable()
    .optional();

export const UpdateCompanyBody = z
  .strictObject({
    name: inputString()
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(200, { error: 'must be at most 200 characters' })
      .optional(),
    domain: inputString()
      .trim()
      .toLowerCase()
      .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
        error: 'must be a domain name such as acme.example',
      })
      .nullable()
      .optional(),
    website_url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .check(storableText)
      .max(2048, { error: 'must be at most 2048 characters' })
      .nullable()
      .optional(),
    description: optionalText(5000),
    country_id: bodyId.nullable().optional(),
    default_currency: currencyCode.optional(),
  })
  .meta({ id: 'UpdateCompany' });

export type UpdateCompanyInput = z.infer<typeof UpdateCompanyBody>;
