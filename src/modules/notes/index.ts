// The public face of the note engine: what other modules may import. A kind of note (lead
// notes, deal notes) is a NoteSubject: its schemas (noteSchemas), its service (NoteService) and
// its routes (noteRoutes) are the engine's, given the subject.

export { documentToText, type ProseMirrorNode } from './note-document.js';
export type { Actor, NoteAuthor, NoteEvent, StoredNote } from './notes.command.js';
export type { CreateFacts, CreatePlan } from './notes.create.js';
export type { DeleteFacts, DeletePlan } from './notes.delete.js';
export { type NotePath, noteRoutes, type RouteText } from './notes.routes.js';
export {
  type CreateNoteInput,
  NoteDocument,
  NoteDocumentInput,
  type NoteOut,
  noteFields,
  noteSchemas,
  type UpdatedNoteOut,
  type UpdateNoteInput,
} from './notes.schemas.js';
export { NoteService, noteRules } from './notes.service.js';
export type { NoteSubject } from './notes.subject.js';
export type { UpdateFacts, UpdatePlan } from './notes.update.js';
