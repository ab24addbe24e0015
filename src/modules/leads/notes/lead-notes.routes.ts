import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listOf } from '../../../core/pagination.js';
import { errorBody, readErrors, writeErrors } from '../../../core/schemas.js';
import {
  CreateLeadNoteBody,
  LeadNote,
  LeadParams,
  ListLeadNotesQuery,
  NoteParams,
  UpdatedLeadNote,
  UpdateLeadNoteBody,
} from './lead-notes.schemas.js';
import type { LeadNoteService } from './lead-notes.service.js';

const tags = ['Lead notes'];
const notFoundResponse = {
  404: errorBody.describe('No such lead in your company (or it was deleted), or no such note on it'),
};

export const leadNotesRoutes: FastifyPluginAsyncZod<{ leadNotes: LeadNoteService }> = async (
  app,
  { leadNotes },
) => {
  app.get(
    '/leads/:id/notes',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'listLeadNotes',
        tags,
        summary: "List a lead's notes",
        description: 'Newest first.',
        params: LeadParams,
        querystring: ListLeadNotesQuery,
        response: { 200: listOf(LeadNote), ...readErrors, ...notFoundResponse },
      },
    },
    (req) => leadNotes.list(req.auth.companyId, req.params.id, req.query),
  );

  app.get(
    '/leads/:id/notes/:noteId',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'getLeadNote',
        tags,
        summary: 'Get a note',
        params: NoteParams,
        response: { 200: LeadNote, ...readErrors, ...notFoundResponse },
      },
    },
    (req) => leadNotes.getOrThrow(req.auth.companyId, req.params.id, req.params.noteId),
  );

  app.post(
    '/leads/:id/notes',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'createLeadNote',
        tags,
        summary: 'Add a note to a lead',
        description:
          'The note is written as the user the API key acts as. Records `leads.notes_create` ' +
          '(its payload carries the document as plain text).',
        params: LeadParams,
        body: CreateLeadNoteBody,
        response: { 201: LeadNote, ...writeErrors, ...notFoundResponse },
      },
    },
    async (req, reply) => reply.code(201).send(await leadNotes.create(req.auth, req.params.id, req.body)),
  );

  app.patch(
    '/leads/:id/notes/:noteId',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'updateLeadNote',
        tags,
        summary: 'Update a note',
        description:
          'Only the fields sent are changed; `attachments` and `mentions` replace their lists. ' +
          'Records `leads.notes_update`.',
        params: NoteParams,
        body: UpdateLeadNoteBody,
        response: { 200: UpdatedLeadNote, ...writeErrors, ...notFoundResponse },
      },
    },
    (req) => leadNotes.update(req.auth, req.params.id, req.params.noteId, req.body),
  );

  app.delete(
    '/leads/:id/notes/:noteId',
    {
      config: { role: 'member' },
      schema: {
        operationId: 'deleteLeadNote',
        tags,
        summary: 'Delete a note',
        description: 'Deletes the note for good. Records `leads.notes_delete` with its last state.',
        params: NoteParams,
        response: { 204: z.undefined().describe('Deleted'), ...writeErrors, ...notFoundResponse },
      },
    },
    async (req, reply) => {
      await leadNotes.remove(req.auth, req.params.id, req.params.noteId);
      return reply.code(204).send();
    },
  );
};
