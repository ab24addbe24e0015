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

// ---- response building blocks ----
// A bare z.number().int() documents as -2^53+1 … 2^53-1; these say what a response really holds.

/** An object's id in a response: a positive integer. */
export const objectId = z
  .number()
  .int()
  .min(1)
  .meta({ examples: [789] });

/** A count, position or duration in a response: a whole number from 0. */
export const wholeNumber = z.number().int().min(0);

/**
 * An email address in a response. `format` is an annotation in JSON Schema 2020-12: responses
 * are not re-validated against it (addresses were checked when they were written).
 */
export const emailAddress = z.string().meta({ format: 'email', examples: ['ann@acme.example'] });

/** How an email address in a request body shows in the document (added to its schema). */
export const EMAIL_DOC = { format: 'email', examples: ['ann@acme.example'] } as const;

/**
 * Marks a schema the document shows as the registered schema `id` (a `$ref` to it) instead of
 * its own shape: for a value validated loosely here and precisely by a service, with messages
 * that need context (a custom field value is checked against its field's type). Resolved when
 * the document is built (src/http/openapi.ts).
 */
export const DOCUMENTED_AS = 'x-documented-as';
export const documentAs = <T extends z.ZodType>(schema: T, id: string): T =>
  schema.meta({ [DOCUMENTED_AS]: id }) as T;
