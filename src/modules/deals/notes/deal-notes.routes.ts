import { type NotePath, noteRoutes } from '../../notes/index.js';
import { DealNoteParams, DealParams, dealNoteSchemas } from './deal-notes.schemas.js';

// Served at /deals and at Journeybee's /lead-deals (A18), with operationIds of their own.
const dealPath = (base: string, noun: string, alias: string): NotePath => ({
  base,
  noun,
  text: {
    list: {
      summary: `List your notes on a deal${alias}`,
      description: 'Newest first. Each company of a partnership deal sees only its own notes.',
    },
    get: { summary: `Get a deal note${alias}` },
    create: {
      summary: `Add a note to a deal${alias}`,
      description:
        'The note is written as the user the API key acts as, on your side of the deal. Records ' +
        '`deals.notes_create` (its payload carries the document as plain text); mentioned users are notified.',
    },
    update: {
      summary: `Update a deal note${alias}`,
      description:
        'Only the fields sent are changed; `attachments` and `mentions` replace their lists (new ' +
        'mentions are notified). Records `deals.notes_update`.',
    },
    delete: {
      summary: `Delete a deal note${alias}`,
      description: 'Deletes the note for good. Records `deals.notes_delete` with its last state.',
    },
  },
});

export const dealNotesRoutes = noteRoutes({
  tags: ['Deal notes'],
  notFound: 'No such deal that your company sees (or it was deleted), or no such note of yours on it',
  schemas: dealNoteSchemas,
  params: { parent: DealParams, note: DealNoteParams },
  paths: [
    dealPath('/deals', 'DealNote', ''),
    dealPath('/lead-deals', 'LeadDealNote', ' (alias of /v1/deals)'),
  ],
});
