// The public face of this module: what other modules may import.

export { dealsDeletedWithLead } from './deals.delete.js';
export { LeadDeal } from './deals.schemas.js';
