// The public face of this module: what other modules may import.

export { LeadDeal } from './deals.schemas.js';
