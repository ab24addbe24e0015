import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listOf } from '../../../core/pagination.js';
import { errorBody, readErrors, writeErrors } from '../../../core/schemas.js';
import {
  CreateDealNoteBody,
  DealNote,
  DealNoteParams,
  DealParams,
  ListDealNotesQuery,
  UpdateDealNoteBody,
  UpdatedDealNote,
} from './deal-notes.schemas.js';
import type { DealNoteService } from './deal-notes.service.js';

const tags = ['Deal notes'];
const notFoundResponse = {
  404: errorBody.describe(
    'No such deal that your company sees (or it was deleted), or no such note of yours on it',
  ),
};

// Served at /deals and at Journeybee's /lead-deals (A18), with operationIds of their own.
const DEAL_PATHS = [
  { base: '/deals', noun: 'DealNote', alias: '' },
  { base: '/lead-deals', noun: 'LeadDealNote', alias: ' (alias of /v1/deals)' },
] as const;

export const dealNotesRoutes: FastifyPluginAsyncZod<{ dealNotes: DealNoteService }> = async (
  app,
  { dealNotes },
) => {
  for (const { base, noun, alias } of DEAL_PATHS) {
    app.get(
      `${base}/:id/notes`,
      {
        config: { role: 'member', foldsAuth: true },
        schema: {
          operationId: `list${noun}s`,
          tags,
          summary: `List your notes on a deal${alias}`,
          description: 'Newest first. Each company of a partnership deal sees only its own notes.',
          params: DealParams,
          querystring: ListDealNotesQuery,
          response: { 200: listOf(DealNote), ...readErrors, ...notFoundResponse },
        },
      },
      (req) => dealNotes.list(req.caller, req.params.id, req.query),
    );

    app.get(
      `${base}/:id/notes/:noteId`,
      {
        config: { role: 'member', foldsAuth: true },
        schema: {
          operationId: `get${noun}`,
          tags,
          summary: `Get a deal note${alias}`,
          params: DealNoteParams,
          response: { 200: DealNote, ...readErrors, ...notFoundResponse },
        },
      },
      (req) => dealNotes.get(req.caller, req.params.id, req.params.noteId),
    );

    app.post(
      `${base}/:id/notes`,
      {
        config: { role: 'member' },
        schema: {
          operationId: `create${noun}`,
          tags,
          summary: `Add a note to a deal${alias}`,
          description:
            'The note is written as the user the API key acts as, on your side of the deal. Records ' +
            '`deals.notes_create` (its payload carries the document as plain text); mentioned users are notified.',
          params: DealParams,
          body: CreateDealNoteBody,
          response: { 201: DealNote, ...writeErrors, ...notFoundResponse },
        },
      },
      async (req, reply) => reply.code(201).send(await dealNotes.create(req.auth, req.params.id, req.body)),
    );

    app.patch(
      `${base}/:id/notes/:noteId`,
      {
        config: { role: 'member' },
        schema: {
          operationId: `update${noun}`,
          tags,
          summary: `Update a deal note${alias}`,
          description:
            'Only the fields sent are changed; `attachments` and `mentions` replace their lists (new ' +
            'mentions are notified). Records `deals.notes_update`.',
          params: DealNoteParams,
          body: UpdateDealNoteBody,
          response: { 200: UpdatedDealNote, ...writeErrors, ...notFoundResponse },
        },
      },
      (req) => dealNotes.update(req.auth, req.params.id, req.params.noteId, req.body),
    );

    app.delete(
      `${base}/:id/notes/:noteId`,
      {
        config: { role: 'member' },
        schema: {
          operationId: `delete${noun}`,
          tags,
          summary: `Delete a deal note${alias}`,
          description: 'Deletes the note for good. Records `deals.notes_delete` with its last state.',
          params: DealNoteParams,
          response: { 204: z.undefined().describe('Deleted'), ...writeErrors, ...notFoundResponse },
        },
      },
      async (req, reply) => {
        await dealNotes.remove(req.auth, req.params.id, req.params.noteId);
        return reply.code(204).send();
      },
    );
  }
};
