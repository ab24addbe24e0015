// The public face of this module: what other modules may import (lead notes are a subject of
// the note engine, src/modules/notes). The CSV module (src/modules/csv) reuses the list's
// filter SQL and the Create Lead command as they are.
export type { Caller as LeadCaller } from './leads.commands.js';
export * as leadCreate from './leads.create.js';
export { filterValues, ITEM_COLUMNS, ITEM_RELATIONS, type LeadFilter, matching } from './leads.reads.js';
export {
  CreateLeadBody,
  type CreateLeadInput,
  type ListLeadsInput,
  ListLeadsQuery,
} from './leads.schemas.js';
export { leadFilter } from './leads.service.js';
