import { z } from 'zod';

// Shared wire types. Timestamps travel as ISO 8601 UTC strings and are Dates in code.
export const isoDateTime = z.codec(z.iso.datetime({ offset: true }), z.date(), {
  decode: (s) => new Date(s),
  encode: (d) => d.toISOString(),
});

/** A CSS hex color: #RGB or #RRGGBB. */
export const hexColor = z
  .string()
  .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, { error: 'must be a hex color such as #6B7280' });

const ID_MESSAGE = 'must be a positive integer id';
/** A path id: a positive 32-bit integer (a larger one cannot exist, so it is a 400, not a 404). */
export const positiveId = z.coerce
  .number({ error: ID_MESSAGE })
  .int({ error: ID_MESSAGE })
  .min(1, { error: ID_MESSAGE })
  .max(2_147_483_647, { error: ID_MESSAGE });

export const idParam = () => z.object({ id: positiveId });

/** A message for a wrong value, and "is required" when the field is missing altogether. */
export const orRequired = (message: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : message;

/** An id in a request body: a JSON integer (a numeric string is refused), 1 … 2^31-1. */
export const bodyId = z
  .number({ error: orRequired(ID_MESSAGE) })
  .int({ error: ID_MESSAGE })
  .min(1, { error: ID_MESSAGE })
  .max(2_147_483_647, { error: ID_MESSAGE });

/** The body of a POST that takes none: absent, or `{}`. */
export const noBody = z.strictObject({}).nullish().describe('No body is needed');

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
