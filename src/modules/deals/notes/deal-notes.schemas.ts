import { z } from 'zod';
import { paginationQuery } from '../../../core/pagination.js';
import { idParam, idParams, isoDateTime, objectId } from '../../../core/schemas.js';
import { NoteDocument, NoteDocumentInput, noteFields } from '../../leads/index.js';

// Notes on a deal (A18): the lead-note body and document rules, one set of notes per side (each
// company sees only its own notes on a shared deal).

export const CreateDealNoteBody = z
  .strictObject({ document: NoteDocumentInput, ...noteFields })
  .meta({ id: 'CreateDealNote' });

export const UpdateDealNoteBody = z
  .strictObject({ document: NoteDocumentInput.optional(), ...noteFields })
  .meta({ id: 'UpdateDealNote' });

export const DealNote = z
  .object({
    id: objectId,
    uuid: z.string(),
    deal_id: objectId,
    document: NoteDocument,
    content: NoteDocument.describe("The same document under Journeybee's list name"),
    attachments: z.array(z.string()),
    mentions: z.array(objectId),
    created_by: z
      .object({ id: objectId, first_name: z.string().nullable(), last_name: z.string().nullable() })
      .nullable()
      .describe('The user who wrote the note; null for a key without a user'),
    created_at: isoDateTime,
    updated_at: isoDateTime,
  })
  .meta({ id: 'DealNote' });

export const UpdatedDealNote = z
  .object({ id: objectId, updated_at: isoDateTime })
  .meta({ id: 'UpdatedDealNote' });

export const DealParams = idParam('deals');
export const DealNoteParams = idParams({ id: 'deals', noteId: 'deal_notes' });
export const ListDealNotesQuery = z.strictObject({ ...paginationQuery });

export type CreateDealNoteInput = z.infer<typeof CreateDealNoteBody>;
export type UpdateDealNoteInput = z.infer<typeof UpdateDealNoteBody>;
export type DealNoteOut = z.infer<typeof DealNote>;
export type UpdatedDealNoteOut = z.infer<typeof UpdatedDealNote>;
