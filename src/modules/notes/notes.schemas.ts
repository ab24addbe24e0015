import { z } from 'zod';
import { paginationQuery } from '../../core/pagination.js';
import { bodyId, isoDateTime, objectId, orRequired, storableJson, storableText } from '../../core/schemas.js';
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

export const LeadNote = z;
/** How one subject's note schemas are named and described in the document. */
export interface NoteSchemaNames<C extends string> {
  /** The component ids: `{ create: 'CreateLeadNote', update: 'UpdateLeadNote', note: 'LeadNote', updated: 'UpdatedLeadNote' }`. */
  ids: { create: string; update: string; note: string; updated: string };
  /** The note's parent field (`lead_id`), after `uuid`. */
  parentField: C;
  contentDescription: string;
  createdByDescription: string;
}

/** A note as the API returns it, its parent under `C`. */
export type NoteOut<C extends string> = {
  id: number;
  uuid: string;
  document: Record<string, unknown>;
  content: Record<string, unknown>;
  attachments: string[];
  mentions: number[];
  created_by: { id: number; first_name: string | null; last_name: string | null } | null;
  created_at: Date;
  updated_at: Date;
} & Record<C, number>;

/** The body, response and query schemas of one subject's notes. */
export function noteSchemas<C extends string>(names: NoteSchemaNames<C>) {
  const Note = z
    .object({
      id: objectId,
      uuid: z.string(),
      ...({ [names.parentField]: objectId } as Record<C, typeof objectId>),
      document: NoteDocument,
      content: NoteDocument.describe(names.contentDescription),
      attachments: z.array(z.string()),
      mentions: z.array(objectId),
      created_by: z
        .object({ id: objectId, first_name: z.string().nullable(), last_name: z.string().nullable() })
        .nullable()
        .describe(names.createdByDescription),
      created_at: isoDateTime,
      updated_at: isoDateTime,
    })
    .meta({ id: names.ids.note });
  return {
    CreateBody: z.strictObject({ document: NoteDocumentInput, ...noteFields }).meta({ id: names.ids.create }),
    UpdateBody: z
      .strictObject({ document: NoteDocumentInput.optional(), ...noteFields })
      .meta({ id: names.ids.update }),
    Note: Note as unknown as z.ZodType<NoteOut<C>>,
    Updated: z.object({ id: objectId, updated_at: isoDateTime }).meta({ id: names.ids.updated }),
    ListQuery: z.strictObject({ ...paginationQuery }),
  };
}

export type CreateNoteInput = z.infer<ReturnType<typeof noteSchemas>['CreateBody']>;
export type UpdateNoteInput = z.infer<ReturnType<typeof noteSchemas>['UpdateBody']>;
export type UpdatedNoteOut = z.infer<ReturnType<typeof noteSchemas>['Updated']>;
