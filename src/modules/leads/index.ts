// The public face of this module: what other modules may import (deal notes reuse the
// lead-note document rules, so both kinds of note accept and render the same documents).

export {
  mentionsOrThrow,
  type NoteAuthor,
} from './notes/lead-notes.command.js';
export { NoteDocument, NoteDocumentInput, noteFields } from './notes/lead-notes.schemas.js';
export { documentToText, type ProseMirrorNode } from './notes/note-document.js';
