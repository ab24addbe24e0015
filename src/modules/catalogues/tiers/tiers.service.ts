import type { Db } from '../../../db/database.js';
import { tiers } from '../../../db/schema/index.js';
import { labelledCatalogue } from '../catalogue.service.js';

export const createTierService = (db: Db) => labelledCatalogue(db, tiers, 'Tier');

export type TierService = ReturnType<typeof createTierService>;
