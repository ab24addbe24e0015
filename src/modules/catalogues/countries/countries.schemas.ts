import { z } from 'zod';
import { paginationQuery } from '../../../core/pagination.js';
import { inputString, objectId } from '../../../core/schemas.js';

export const Country = z
  .object({
    id: objectId.describe('Stable: what `countryId` fields take'),
    uuid: z.string(),
    code: z.string().describe('ISO 3166-1 alpha-2'),
    label: z.string(),
  })
  .meta({ id: 'Country' });

export const ListCountriesQuery = z.strictObject({
  ...paginationQuery,
  search: inputString().trim().max(100).optional().describe('Matches the name or the code'),
});

export type ListCountriesInput = z.output<typeof ListCountriesQuery>;
