import { z } from 'zod';
import { nestsDeeper } from '../lib/json.js';

// Shared wire types.

// ---- text a request may carry ----
// PostgreSQL cannot store U+0000 (text: SQLSTATE 22021, jsonb: 22P05), and an unpaired UTF-16
// surrogate (which JSON's \uD800 escapes can produce) would be stored as U+FFFD without a word.
// Every string a request body or query string carries is checked here, once: `inputString()`
// instead of `z.string()`, `storableText` on string formats (z.email(), z.url(), …), and
// `storableJson` on free-form JSON. tests/http/text-values.test.ts walks every route's schemas
// and fails on a string that bypasses them.

export const TEXT_MESSAGES = {
  nul: 'must not contain the NUL character (U+0000)',
  surrogate: 'must be valid Unicode (it contains an unpaired surrogate)',
  nulKey: 'must not have a key containing the NUL character (U+0000)',
  surrogateKey: 'must not have a key that is invalid Unicode (an unpaired surrogate)',
} as const;

const SUSPECT = /[\0\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why PostgreSQL cannot store `s` as sent, or undefined when it can. */
function textProblem(s: string): 'nul' | 'surrogate' | undefined {
  if (!SUSPECT.test(s)) return undefined;
  if (s.includes('\0')) return 'nul';
  return LONE_SURROGATE.test(s) ? 'surrogate' : undefined;
}

/** The check every request string carries (first, and it stops the others). */
export const storableText = z.superRefine<string>((s, ctx) => {
  const problem = textProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: TEXT_MESSAGES[problem], input: s, continue: false });
});

/** A request string: `z.string()` that PostgreSQL can store. Use it for every request string. */
export const inputString = (params?: Parameters<typeof z.string>[0]) => z.string(params).check(storableText);

/** At most this many text problems are reported for one free-form value. */
const MAX_JSON_PROBLEMS = 20;

/** A position in a JSON value: its key and its parent's position (paths are built only when needed). */
interface JsonPosition {
  key: PropertyKey;
  parent: JsonPosition | undefined;
}

function pathOf(position: JsonPosition | undefined): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let p = position; p; p = p.parent) path.push(p.key);
  return path.reverse();
}

/**
 * The check free-form JSON carries (z.unknown(), z.record(…, z.unknown())): every string in it,
 * object keys included, at any depth, each problem named by its path. Iterative and linear, so
 * a 1 MiB value nested 100,000 levels deep is walked quickly and cannot exhaust the stack.
 */
export const storableJson = z.superRefine<unknown>((value, ctx) => {
  let found = 0;
  const report = (at: JsonPosition | undefined, message: string, input: string) => {
    found++;
    ctx.addIssue({ code: 'custom', path: pathOf(at), message, input });
  };
  const stack: { value: unknown; at: JsonPosition | undefined }[] = [{ value, at: undefined }];
  while (stack.length > 0 && found < MAX_JSON_PROBLEMS) {
    const { value: v, at } = stack.pop() as (typeof stack)[number];
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) report(at, TEXT_MESSAGES[problem], v);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], at: { key: i, parent: at } });
    } else if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v);
      for (const key of keys) {
        const problem = textProblem(key);
        if (problem && found < MAX_JSON_PROBLEMS) {
          report(at, problem === 'nul' ? TEXT_MESSAGES.nulKey : TEXT_MESSAGES.surrogateKey, key);
        }
      }
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        if (!textProblem(key)) {
          stack.push({ value: (v as Record<string, unknown>)[key], at: { key, parent: at } });
        }
      }
    }
  }
});

/** Timestamps travel as ISO 8601 UTC strings and are Dates in code. */
export const isoDateTime = z.codec(z.iso.datetime({ offset: true }).check(storableText), z.date(), {
  decode: (s) => new Date(s),
  encode: (d) => d.toISOString(),
});

/** A CSS hex color: #RGB or #RRGGBB. */
export const hexColor = inputString().regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, {
  error: 'must be a hex color such as #6B7280',
});

const ID_MESSAGE = 'must be a positive integer id';
/** An id in a query string or header: a positive 32-bit integer (else a 400 naming it). */
export const positiveId = z.coerce
  .number({ error: ID_MESSAGE })
  .int({ error: ID_MESSAGE })
  .min(1, { error: ID_MESSAGE })
  .max(2_147_483_647, { error: ID_MESSAGE });

/** Path ids (a canonical id or a uuid, else 404): see path-ids.ts. */
export { idParam, idParams } from './path-ids.js';

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

// ---- request building blocks shared by leads and deals ----

// Free-form JSON stored as sent, bounded: a 1 MiB body can nest far deeper than JSON.stringify
// (and so the driver and jsonb) can take, which would otherwise end in a 500.
const MAX_JSON_DEPTH = 32;
export const freeJson = z
  .unknown()
  .refine((v) => !nestsDeeper(v, MAX_JSON_DEPTH), {
    error: `must nest at most ${MAX_JSON_DEPTH} levels`,
  })
  .check(storableJson);

/** Ids as numbers or `{"id": n}` objects (Journeybee sends both), each once. */
export const idRefs = (noun: string) =>
  z
    .array(
      z.union([bodyId, z.strictObject({ id: bodyId })], {
        error: `must be a ${noun} id or {"id": <${noun} id>}`,
      }),
      { error: `must be an array of ${noun} ids` },
    )
    .max(100, { error: 'must have at most 100 ids' })
    .transform((refs, ctx) => {
      const ids = refs.map((ref) => (typeof ref === 'number' ? ref : ref.id));
      ids.forEach((id, i) => {
        if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `repeats id ${id}` });
      });
      return ids;
    });

export const externalId = z
  .number({ error: 'must be an integer id' })
  .int({ error: 'must be an integer id' })
  .min(1, { error: 'must be an integer id' })
  .max(Number.MAX_SAFE_INTEGER, { error: 'must be an integer id' })
  .nullable()
  .optional();

export const isoInput = z.iso
  .datetime({ offset: true, error: orRequired('must be an ISO 8601 date-time such as 2024-01-15T10:30:00Z') })
  .check(storableText)
  .transform((s) => new Date(s));
