import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listOf } from '../../core/pagination.js';
import { errorBody, readErrors, writeErrors } from '../../core/schemas.js';
import type { noteSchemas } from './notes.schemas.js';
import type { NoteService } from './notes.service.js';

/** A route's words in the document. */
export interface RouteText {
  summary: string;
  description?: string;
}

/** One base path the notes are served at, its operationIds' noun and its routes' words. */
export interface NotePath {
  /** `/leads`: the routes are `${base}/:id/notes` and `${base}/:id/notes/:noteId`. */
  base: string;
  /** `LeadNote`: the operationIds are `list${noun}s`, `get${noun}`, `create${noun}`, … */
  noun: string;
  text: Record<'list' | 'get' | 'create' | 'update' | 'delete', RouteText>;
}

export interface NoteRoutesOptions<C extends string> {
  tags: string[];
  /** The 404's description. */
  notFound: string;
  paths: readonly NotePath[];
  schemas: ReturnType<typeof noteSchemas<C>>;
  /** The parent's path params, and the note's. */
  params: { parent: z.ZodType<{ id: number }>; note: z.ZodType<{ id: number; noteId: number }> };
}

const words = ({ summary, description }: RouteText) =>
  description === undefined ? { summary } : { summary, description };

/** The five note routes at each of `paths` (in order), for one subject's NoteService. */
export function noteRoutes<K extends string, C extends string>(
  options: NoteRoutesOptions<C>,
): FastifyPluginAsyncZod<{ notes: NoteService<K, C> }> {
  const { tags, paths, schemas, params } = options;
  const notFoundResponse = { 404: errorBody.describe(options.notFound) };
  // The note's response type is the subject's (NoteOut<C>); the routes need not know it.
  const Note: z.ZodType = schemas.Note;
  return async (app, { notes }) => {
    for (const { base, noun, text } of paths) {
      app.get(
        `${base}/:id/notes`,
        {
          config: { role: 'member', foldsAuth: true },
          schema: {
            operationId: `list${noun}s`,
            tags,
            ...words(text.list),
            params: params.parent,
            querystring: schemas.ListQuery,
            response: { 200: listOf(Note), ...readErrors, ...notFoundResponse },
          },
        },
        (req) => notes.list(req.caller, req.params.id, req.query),
      );

      app.get(
        `${base}/:id/notes/:noteId`,
        {
          config: { role: 'member', foldsAuth: true },
          schema: {
            operationId: `get${noun}`,
            tags,
            ...words(text.get),
            params: params.note,
            response: { 200: Note, ...readErrors, ...notFoundResponse },
          },
        },
        (req) => notes.get(req.caller, req.params.id, req.params.noteId),
      );

      app.post(
        `${base}/:id/notes`,
        {
          config: { role: 'member' },
          schema: {
            operationId: `create${noun}`,
            tags,
            ...words(text.create),
            params: params.parent,
            body: schemas.CreateBody,
            response: { 201: Note, ...writeErrors, ...notFoundResponse },
          },
        },
        async (req, reply) => reply.code(201).send(await notes.create(req.auth, req.params.id, req.body)),
      );

      app.patch(
        `${base}/:id/notes/:noteId`,
        {
          config: { role: 'member' },
          schema: {
            operationId: `update${noun}`,
            tags,
            ...words(text.update),
            params: params.note,
            body: schemas.UpdateBody,
            response: { 200: schemas.Updated, ...writeErrors, ...notFoundResponse },
          },
        },
        (req) => notes.update(req.auth, req.params.id, req.params.noteId, req.body),
      );

      app.delete(
        `${base}/:id/notes/:noteId`,
        {
          config: { role: 'member' },
          schema: {
            operationId: `delete${noun}`,
            tags,
            ...words(text.delete),
            params: params.note,
            response: { 204: z.undefined().describe('Deleted'), ...writeErrors, ...notFoundResponse },
          },
        },
        async (req, reply) => {
          await notes.remove(req.auth, req.params.id, req.params.noteId);
          return reply.code(204).send();
        },
      );
    }
  };
}
