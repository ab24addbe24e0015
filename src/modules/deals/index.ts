// The public face of this module: what other modules may import.

export { dealsDeletedWithLead } from './deals.delete.js';
export { leadDealsJson } from './deals.reads.js';
export { LeadDeal } from './deals.schemas.js';
