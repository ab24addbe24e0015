import { z } from 'zod';

// Shared wire types. Timestamps travel as ISO 8601 UTC strings and are Dates in code.
export const isoDateTime = z.codec(z.iso.datetime({ offset: true }), z.date(), {
  decode: (s) => new Date(s),
  encode: (d) => d.toISOString(),
});

const ID_MESSAGE = 'must be a positive integer id';
/** A path id: a positive 32-bit integer (a larger one cannot exist, so it is a 400, not a 404). */
export const positiveId = z.coerce
  .number({ error: ID_MESSAGE })
  .int({ error: ID_MESSAGE })
  .min(1, { error: ID_MESSAGE })
  .max(2_147_483_647, { error: ID_MESSAGE });

export const idParam = () => z.object({ id: positiveId });

export const errorBody = z
  .object({
    error: z.string().describe('Human-readable message'),
    code: z.string().describe('Machine-readable error code'),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Error' });

/** The error responses every authenticated route can return. */
export const authErrors = {
  401: errorBody.describe('Missing or invalid API key'),
  429: errorBody.describe('Rate limit exceeded'),
} as const;
export const readErrors = { ...authErrors, 400: errorBody.describe('Invalid request') } as const;
export const writeErrors = {
  ...readErrors,
  403: errorBody.describe('Write access required'),
  415: errorBody.describe('Content-Type must be application/json'),
} as const;
