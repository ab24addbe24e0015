import { idParam, idParams } from '../../../core/schemas.js';
import { type NoteOut, noteSchemas } from '../../notes/index.js';

// The lead-note schemas: the engine's, under the Lead names.

export const leadNoteSchemas = noteSchemas({
  ids: { create: 'CreateLeadNote', update: 'UpdateLeadNote', note: 'LeadNote', updated: 'UpdatedLeadNote' },
  parentField: 'lead_id',
  contentDescription: "The same document under Journeybee's list name (A15)",
  createdByDescription: 'The user whose API key wrote the note; null for a key without a user',
});

export const LeadNote = leadNoteSchemas.Note;
export type LeadNoteOut = NoteOut<'lead_id'>;

export const LeadParams = idParam('leads');
export const NoteParams = idParams({ id: 'leads', noteId: 'lead_notes' });
