// The public face of this module: what other modules may import (nothing yet: lead notes are a
// subject of the note engine, src/modules/notes).
export {};
