// The public face of this module: what other modules may import.

export { dealsDeletedWithLead } from './deals.delete.js';
export { moneyText } from './deals.money.js';
export { leadDealsJson } from './deals.reads.js';
export { LeadDeal } from './deals.schemas.js';

import { z } from 'zod';
import type { TierCommission } from '../catalogues/index.js';
import { tierCalculation } from './deals.commission.js';
import { CommissionCalculationInput, type CommissionInput } from './deals.schemas.js';

/** What the tiers catalogue needs for its default commission (see TierCommission). */
export const tierCommission: TierCommission = {
  // The same object but unnamed (inlined in the tier bodies): a named schema reached from two
  // bodies gets an input and an output component in the document.
  schema: z.strictObject({ entries: CommissionCalculationInput.shape.entries }),
  check: (db, companyId, calculation) => tierCalculation(db, companyId, calculation as CommissionInput),
};

// For the CSV export (src/modules/csv): the list read and its query.
export { DealReadService } from './deals.read-service.js';
export { type ListDealsInput, ListDealsQuery } from './deals.schemas.js';
