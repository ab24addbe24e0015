// The public face of this module: what other modules may import.

export { LeadDeal, Payment } from './deals.schemas.js';
