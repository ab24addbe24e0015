import { z } from 'zod';
import { wholeNumber } from './schemas.js';

export const MAX_PAGE_SIZE = 50;
export const DEFAULT_PAGE_SIZE = 10;

const integerParam = (message: string, min: number, max?: number) => {
  let n = z.coerce.number({ error: message }).int({ error: message }).min(min, { error: message });
  if (max !== undefined) n = n.max(max, { error: message });
  return n;
};

/** `page` / `pageSize` for every list endpoint: strict, named in the 400 when wrong. */
export const paginationQuery = {
  page: integerParam('must be an integer of at least 1', 1).default(1).describe('Page number, from 1'),
  pageSize: integerParam(`must be an integer from 1 to ${MAX_PAGE_SIZE}`, 1, MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .describe(`Items per page, 1 to ${MAX_PAGE_SIZE}`),
};

export const pageMetaSchema = z.object({
  'record-count': wholeNumber.describe('Exact number of matching records'),
  'page-count': wholeNumber.describe('ceil(record-count / pageSize)'),
});

export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), meta: pageMetaSchema });

export interface Page {
  page: number;
  pageSize: number;
}

export const pageOffset = (p: Page) => (p.page - 1) * p.pageSize;

export function pageMeta(recordCount: number, pageSize: number) {
  return { 'record-count': recordCount, 'page-count': Math.ceil(recordCount / pageSize) };
}
