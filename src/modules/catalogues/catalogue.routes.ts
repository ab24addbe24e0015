import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listOf } from '../../core/pagination.js';
import type { AddressableTable } from '../../core/path-ids.js';
import { errorBody, idParam, readErrors, writeErrors } from '../../core/schemas.js';
import { bulkUpdateResult } from './catalogue.schemas.js';

export type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

interface PageMetaValue {
  'record-count': number;
  'page-count': number;
}

/** What a catalogue's routes call; rows are typed by the resource's schemas. */
export interface CatalogueOperations<Entity, Create, Update, Query> {
  list(companyId: number, query: Query): Promise<{ data: Entity[]; meta: PageMetaValue }>;
  getOrThrow(companyId: number, id: number): Promise<Entity>;
  create(companyId: number, body: Create): Promise<Entity>;
  update(companyId: number, id: number, body: Update): Promise<Entity>;
  remove(companyId: number, id: number): Promise<void>;
}

export interface CatalogueEndpoints<
  E extends z.ZodType,
  C extends z.ZodType,
  U extends z.ZodType,
  Q extends z.ZodType,
> {
  /** '/tags' */
  path: string;
  /** The table its `{id}` (or uuid) addresses. */
  table: AddressableTable;
  /** The OpenAPI tag. */
  tag: string;
  /** 'tag', 'partner stage': in summaries and descriptions. */
  noun: string;
  plural: string;
  schemas: { entity: E; create: C; update: U; query: Q };
  service: CatalogueOperations<z.output<E>, z.output<C>, z.output<U>, z.output<Q>>;
  /** Extra words for the OpenAPI document, per operation. */
  notes?: Partial<Record<'list' | 'create' | 'update', string>>;
  /** What makes a create or an update (one string: both) a 409, besides a reused Idempotency-Key. */
  conflicts?: string | Partial<Record<'create' | 'update', string>>;
}

/** 'partner stage' → 'PartnerStage'. */
const pascalCase = (words: string) =>
  words
    .split(/[\s-]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/**
 * The five routes of a catalogue: list, get, create (201), update (200) and delete (204),
 * each with its params, query, body and every response declared.
 */
export function catalogueRoutes<
  E extends z.ZodType,
  C extends z.ZodType,
  U extends z.ZodType,
  Q extends z.ZodType,
>(app: ZodApp, spec: CatalogueEndpoints<E, C, U, Q>): void {
  const { path, noun, plural, notes = {} } = spec;
  // operationIds from the names: listPartnerStages, getPartnerStage, …
  const Noun = pascalCase(noun);
  const Plural = pascalCase(plural);
  const conflicts =
    typeof spec.conflicts === 'string'
      ? { create: spec.conflicts, update: spec.conflicts }
      : (spec.conflicts ?? {});
  // The call site checks the service against the schemas; here both are seen untyped, as
  // Fastify cannot resolve a generic schema's request and reply types.
  const schemas: Record<keyof typeof spec.schemas, z.ZodType> = spec.schemas;
  const service = spec.service as CatalogueOperations<unknown, unknown, unknown, unknown>;
  const tags = [spec.tag];
  const item = `${path}/:id`;
  const notFound = { 404: errorBody.describe(`No such ${noun} in your company`) };
  const createConflict = [conflicts.create, 'the Idempotency-Key was used with another body'].filter(Boolean);
  const updateConflict = conflicts.update ? { 409: errorBody.describe(conflicts.update) } : {};

  app.get(
    path,
    {
      config: { role: 'member' },
      schema: {
        operationId: `list${Plural}`,
        tags,
        summary: `List ${plural}`,
        description: notes.list,
        querystring: schemas.query,
        response: { 200: listOf(schemas.entity), ...readErrors },
      },
    },
    (req) => service.list(req.auth.companyId, req.query),
  );

  app.get(
    item,
    {
      config: { role: 'member' },
      schema: {
        operationId: `get${Noun}`,
        tags,
        summary: `Get a ${noun}`,
        params: idParam(spec.table),
        response: { 200: schemas.entity, ...readErrors, ...notFound },
      },
    },
    (req) => service.getOrThrow(req.auth.companyId, req.params.id),
  );

  app.post(
    path,
    {
      config: { role: 'admin' },
      schema: {
        operationId: `create${Noun}`,
        tags,
        summary: `Create a ${noun}`,
        description: notes.create,
        body: schemas.create,
        response: {
          201: schemas.entity,
          ...writeErrors,
          409: errorBody.describe(createConflict.join(', or ')),
        },
      },
    },
    async (req, reply) => reply.code(201).send(await service.create(req.auth.companyId, req.body)),
  );

  app.patch(
    item,
    {
      config: { role: 'admin' },
      schema: {
        operationId: `update${Noun}`,
        tags,
        summary: `Update a ${noun}`,
        description: ['Only the fields sent are changed.', notes.update].filter(Boolean).join(' '),
        params: idParam(spec.table),
        body: schemas.update,
        response: { 200: schemas.entity, ...writeErrors, ...notFound, ...updateConflict },
      },
    },
    (req) => service.update(req.auth.companyId, req.params.id, req.body),
  );

  app.delete(
    item,
    {
      config: { role: 'admin' },
      schema: {
        operationId: `delete${Noun}`,
        tags,
        summary: `Delete a ${noun}`,
        description: `A ${noun} still in use (referred to by any record) cannot be deleted: 409.`,
        params: idParam(spec.table),
        response: {
          204: z.undefined().describe('Deleted'),
          ...writeErrors,
          ...notFound,
          409: errorBody.describe(`The ${noun} is in use`),
        },
      },
    },
    async (req, reply) => {
      await service.remove(req.auth.companyId, req.params.id);
      return reply.code(204).send();
    },
  );
}

/** Journeybee's bulk `PATCH <path>`: `{"<list>": [{id, …}]}` → `{"updated": [ids]}`, all or nothing. */
export function bulkUpdateRoute<B extends z.ZodType>(
  app: ZodApp,
  spec: {
    path: string;
    tag: string;
    plural: string;
    body: B;
    /** What makes the update a 409, if anything can. */
    conflict?: string;
    run(companyId: number, body: z.output<B>): Promise<{ updated: number[] }>;
  },
): void {
  app.patch(
    spec.path,
    {
      config: { role: 'admin' },
      schema: {
        operationId: `bulkUpdate${pascalCase(spec.plural)}`,
        tags: [spec.tag],
        summary: `Update several ${spec.plural} at once`,
        description:
          'Every entry changes or none does. An id that is not one of your company’s is a 404 naming it.',
        body: spec.body,
        response: {
          200: bulkUpdateResult,
          ...writeErrors,
          404: errorBody.describe(`An id is not one of your company's ${spec.plural}`),
          ...(spec.conflict ? { 409: errorBody.describe(spec.conflict) } : {}),
        },
      },
    },
    (req) => spec.run(req.auth.companyId, req.body as z.output<B>),
  );
}
