import { z } from 'zod';
import { paginationQuery } from '../../../core/pagination.js';
import {
  bodyId,
  idParam,
  idParams,
  isoDateTime,
  objectId,
  orRequired,
  storableJson,
  storableText,
} from '../../../core/schemas.js';
import { documentProblems, MAX_BYTES, MAX_NODE_DEPTH } from './note-document.js';

const MAX_ATTACHMENTS = 50;
const MAX_MENTIONS = 50;

const documentExample = {
  type: 'doc',
  content: [
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'Call back on Monday, ' },
        { type: 'mention', attrs: { id: 12, label: 'Avery Admin' } },
      ],
    },
  ],
};

const documentDescription =
  'A ProseMirror / TipTap JSON document: `{"type": "doc", "content": [nodes]}`, each node ' +
  '`{type, content?, text?, marks?, attrs?}` (text only on `text` nodes), at most ' +
  `${MAX_NODE_DEPTH} levels deep and ${MAX_BYTES / 1024} KiB as JSON. Stored as sent.`;

/** The document as a body field: shape and bounds checked, each problem named by its path. */
export const NoteDocumentInput = z
  .record(z.string(), z.unknown(), {
    error: orRequired('must be a ProseMirror document object {"type": "doc", "content": [...]}'),
  })
  .superRefine((doc, ctx) => {
    for (const problem of documentProblems(doc)) {
      ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    }
  })
  .check(storableJson)
  .meta({ description: documentDescription, examples: [documentExample] });

export const NoteDocument = z.record(z.string(), z.unknown()).meta({ description: documentDescription });

export const noteFields = {
  attachments: z
    .array(z.uuid({ error: 'must be a file attachment UUID' }).check(storableText))
    .max(MAX_ATTACHMENTS, { error: `must list at most ${MAX_ATTACHMENTS} attachments` })
    .optional()
    .describe('File attachment UUIDs, stored as sent'),
  mentions: z
    .array(bodyId)
    .max(MAX_MENTIONS, { error: `must list at most ${MAX_MENTIONS} users` })
    .optional()
    .describe('Ids of active users of your company mentioned in the note (repeats are kept once)'),
};

export const CreateLeadNoteBody = z
  .strictObject({ document: NoteDocumentInput, ...noteFields })
  .meta({ id: 'CreateLeadNote' });

export const UpdateLeadNoteBody = z
  .strictObject({ document: NoteDocumentInput.optional(), ...noteFields })
  .meta({ id: 'UpdateLeadNote' });

export const LeadNote = z
  .object({
    id: objectId,
    uuid: z.string(),
    lead_id: objectId,
    document: NoteDocument,
    content: NoteDocument.describe("The same document under Journeybee's list name (A15)"),
    attachments: z.array(z.string()),
    mentions: z.array(objectId),
    created_by: z
      .object({ id: objectId, first_name: z.string().nullable(), last_name: z.string().nullable() })
      .nullable()
      .describe('The user whose API key wrote the note; null for a key without a user'),
    created_at: isoDateTime,
    updated_at: isoDateTime,
  })
  .meta({ id: 'LeadNote' });

export const UpdatedLeadNote = z
  .object({ id: objectId, updated_at: isoDateTime })
  .meta({ id: 'UpdatedLeadNote' });

export const LeadParams = idParam('leads');
export const NoteParams = idParams({ id: 'leads', noteId: 'lead_notes' });
export const ListLeadNotesQuery = z.strictObject({ ...paginationQuery });

export type CreateLeadNoteInput = z.infer<typeof CreateLeadNoteBody>;
export type UpdateLeadNoteInput = z.infer<typeof UpdateLeadNoteBody>;
export type LeadNoteOut = z.infer<typeof LeadNote>;
export type UpdatedLeadNoteOut = z.infer<typeof UpdatedLeadNote>;
