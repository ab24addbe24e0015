import { z } from 'zod';
import { paginationQuery } from '../../core/pagination.js';
import { hexColor, inputString, isoDateTime, objectId, positiveId } from '../../core/schemas.js';
import { PARTNER_TYPES } from '../../db/schema/index.js';

// Zod pieces every catalogue (tags, tiers, categories, stages, custom fields, campaigns) shares.

type EnumValues = readonly [string, ...string[]];

/** One of `values`; a missing value says "is required", a wrong one lists the choices. */
export const oneOf = <const T extends EnumValues>(values: T) =>
  z.enum(values, {
    error: (issue) => (issue.input === undefined ? 'is required' : `must be one of: ${values.join(', ')}`),
  });

/** Trimmed text of 1 to `max` characters. */
export const requiredText = (max: number) =>
  inputString({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });

export const label = requiredText(100).describe('Trimmed, 1 to 100 characters');

/** An entry's (optional) partnership type: null means every type. */
export const partnerType = z
  .enum(PARTNER_TYPES, { error: `must be one of: ${PARTNER_TYPES.join(', ')}, or null` })
  .nullable()
  .optional()
  .describe('The partnership type this entry is for; null for all');

export const partnerTypeOutput = z.enum(PARTNER_TYPES).nullable();

export const partnerTypeFilter = z
  .enum(PARTNER_TYPES, { error: `must be one of: ${PARTNER_TYPES.join(', ')}` })
  .optional()
  .describe('Only entries for this partnership type');

/** Colors as POST takes them: Journeybee's defaults when not sent (A28, A32). */
export const colorFields = {
  background_color: hexColor.default('#6B7280'),
  text_color: hexColor.default('#FFFFFF'),
};

export const colorOutputFields = {
  background_color: z.string(),
  text_color: z.string(),
};

/** The fields every catalogue object starts with. */
const entryFields = {
  id: objectId,
  uuid: z.string(),
  company_id: objectId,
};

const timestampFields = {
  created_at: isoDateTime,
  updated_at: isoDateTime,
};

type Patch<S extends z.ZodRawShape> = {
  [K in keyof S]: S[K] extends z.ZodDefault<infer Inner> ? z.ZodOptional<Inner> : z.ZodOptional<S[K]>;
};

/** A create body's PATCH twin: every field optional, defaults dropped (a field not sent stays as it is). */
export function patchShape<S extends z.ZodRawShape>(shape: S): Patch<S> {
  return Object.fromEntries(
    Object.entries(shape).map(([key, field]) => [
      key,
      z.optional(field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field),
    ]),
  ) as Patch<S>;
}

/**
 * A catalogue's four schemas, named `<Name>`, `Create<Name>` and `Update<Name>` in the OpenAPI
 * document: the object (`entity` plus id, uuid, company_id and timestamps), the strict create
 * body, its PATCH twin (`update` adds or replaces fields of it), and the list query (`filters`).
 */
export function catalogueSchemas<
  E extends z.ZodRawShape,
  C extends z.ZodRawShape,
  F extends z.ZodRawShape,
  U extends z.ZodRawShape = Record<never, never>,
>(
  name: string,
  spec: {
    entity: E;
    create: C;
    filters: F;
    update?: U;
    /** Rules across fields of the create body. */
    refine?: (body: z.output<z.ZodObject<C>>, ctx: z.core.$RefinementCtx<z.output<z.ZodObject<C>>>) => void;
  },
) {
  const create = z.strictObject(spec.create);
  return {
    entity: z.object({ ...entryFields, ...spec.entity, ...timestampFields }).meta({ id: name }),
    create: (spec.refine ? create.superRefine(spec.refine) : create).meta({ id: `Create${name}` }),
    update: z
      .strictObject({ ...patchShape(spec.create), ...(spec.update as U) })
      .meta({ id: `Update${name}` }),
    query: listQuery(spec.filters),
  };
}

/** A catalogue list's query: pagination plus the resource's own (optional) filters. */
const listQuery = <S extends z.ZodRawShape>(filters: S) => z.strictObject({ ...paginationQuery, ...filters });

/**
 * A bulk update body: `{"<key>": [{id, …}]}` or, as Journeybee's own curl examples send it, the
 * bare array. Ids must be distinct.
 */
export const bulkUpdateBody = <K extends string, S extends z.ZodRawShape>(key: K, fields: S, id: string) => {
  const item = z.strictObject({ id: positiveId, ...fields });
  const wrapped = z
    .strictObject({
      [key]: z
        .array(item, { error: (issue) => (issue.input === undefined ? 'is required' : 'must be an array') })
        .min(1, { error: 'must list at least one entry' })
        .max(200, { error: 'must list at most 200 entries' }),
    } as {
      [P in K]: z.ZodArray<typeof item>;
    })
    .superRefine((body, ctx) => {
      const seen = new Set<number>();
      (body as Record<K, { id: number }[]>)[key].forEach((entry, i) => {
        if (seen.has(entry.id))
          ctx.addIssue({ code: 'custom', path: [key, i, 'id'], message: 'is listed twice' });
        seen.add(entry.id);
      });
    });
  return z
    .preprocess((body) => (Array.isArray(body) ? { [key]: body } : body), wrapped)
    .meta({ id, description: `Also accepted: the bare array of \`${key}\`.` });
};

export const bulkUpdateResult = z
  .object({ updated: z.array(objectId).describe('The ids updated, in the order sent') })
  .meta({ id: 'BulkUpdateResult' });
