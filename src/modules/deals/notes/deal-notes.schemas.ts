import { idParam, idParams } from '../../../core/schemas.js';
import { noteSchemas } from '../../notes/index.js';

// The deal-note schemas: the engine's, under the Deal names.

export const dealNoteSchemas = noteSchemas({
  ids: { create: 'CreateDealNote', update: 'UpdateDealNote', note: 'DealNote', updated: 'UpdatedDealNote' },
  parentField: 'deal_id',
  contentDescription: "The same document under Journeybee's list name",
  createdByDescription: 'The user who wrote the note; null for a key without a user',
});

export const DealParams = idParam('deals');
export const DealNoteParams = idParams({ id: 'deals', noteId: 'deal_notes' });
