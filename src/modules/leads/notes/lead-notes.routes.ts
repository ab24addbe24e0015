import { noteRoutes } from '../../notes/index.js';
import { LeadParams, leadNoteSchemas, NoteParams } from './lead-notes.schemas.js';

export const leadNotesRoutes = noteRoutes({
  tags: ['Lead notes'],
  notFound: 'No such lead in your company (or it was deleted), or no such note on it',
  schemas: leadNoteSchemas,
  params: { parent: LeadParams, note: NoteParams },
  paths: [
    {
      base: '/leads',
      noun: 'LeadNote',
      text: {
        list: { summary: "List a lead's notes", description: 'Newest first.' },
        get: { summary: 'Get a note' },
        create: {
          summary: 'Add a note to a lead',
          description:
            'The note is written as the user the API key acts as. Records `leads.notes_create` ' +
            '(its payload carries the document as plain text).',
        },
        update: {
          summary: 'Update a note',
          description:
            'Only the fields sent are changed; `attachments` and `mentions` replace their lists. ' +
            'Records `leads.notes_update`.',
        },
        delete: {
          summary: 'Delete a note',
          description: 'Deletes the note for good. Records `leads.notes_delete` with its last state.',
        },
      },
    },
  ],
});
