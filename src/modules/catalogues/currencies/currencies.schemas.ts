import { z } from 'zod';
import { paginationQuery } from '../../../core/pagination.js';
import { inputString, objectId } from '../../../core/schemas.js';

export const Currency = z
  .object({
    id: objectId,
    uuid: z.string().describe('What `currency_uuid` fields take'),
    code: z.string().describe('ISO 4217: what `currency_code` fields take'),
    label: z.string(),
    minor_digits: z
      .number()
      .int()
      .min(0)
      .describe('Digits after the decimal point: amounts in this currency are shown with exactly these'),
  })
  .meta({ id: 'Currency' });

export const ListCurrenciesQuery = z.strictObject({
  ...paginationQuery,
  search: inputString().trim().max(100).optional().describe('Matches the code or the name'),
});

export type CurrencyOut = z.output<typeof Currency>;
export type ListCurrenciesInput = z.output<typeof ListCurrenciesQuery>;
